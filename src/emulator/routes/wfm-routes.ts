import type { FastifyInstance } from 'fastify';
import type { ActivityCode } from '../activity-codes';
import type {
  AgentManagementUnitReferenceView,
  BusinessUnitActivityCodeView,
  BusinessUnitListItemView,
  BusinessUnitView,
} from '../api-models';
import type { EmulatorContext } from '../emulator-context';
import { badRequest, notFound } from '../error-body';
import type { WfmSearchMode } from '../fault-state';
import type { SeededUser } from '../org-seed';
import { boolParam, multiValue, type Query } from '../query-params';
import { requestToken } from '../request-guard';
import type { ScheduleGenerator } from '../schedule-generator';
import type { WfmSearches } from '../wfm-searches';

const MAX_SEARCH_DAYS = 100;
const WFM = '/workforcemanagement';

function activityCodeView(ctx: EmulatorContext, code: ActivityCode): BusinessUnitActivityCodeView {
  const created = ctx.org.presenceDefinitions[0]?.createdDate ?? new Date(0).toISOString();
  return {
    id: code.id,
    name: code.name,
    active: code.active,
    defaultCode: code.defaultCode,
    category: code.category,
    lengthInMinutes: code.lengthInMinutes,
    countsAsPaidTime: code.countsAsPaidTime,
    countsAsWorkTime: code.countsAsWorkTime,
    agentTimeOffSelectable: code.agentTimeOffSelectable,
    countsTowardShrinkage: code.countsTowardShrinkage,
    plannedShrinkage: code.plannedShrinkage,
    interruptible: code.interruptible,
    secondaryPresences: code.secondaryPresenceIds.map((id) => ({
      id,
      selfUri: `/api/v2/presence/definitions/${id}`,
    })),
    style: { backgroundColor: code.backgroundColor, textColorTheme: 'Dark' },
    metadata: { version: 1, dateCreated: created, dateModified: created },
    selfUri: `/api/v2/workforcemanagement/businessunits/${ctx.org.businessUnit.id}/activitycodes/${code.id}`,
  };
}

function parseInstant(value: unknown, field: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw badRequest(`${field} is required and must be an ISO-8601 date-time.`, {
      details: [{ errorCode: 'invalid.date', fieldName: field }],
    });
  }
  return ms;
}

/** Workforce management: business units, an agent's MU, BU activity codes, agent schedule search (BU and MU). */
export function registerWfmRoutes(
  api: FastifyInstance,
  ctx: EmulatorContext,
  schedules: ScheduleGenerator,
  searches: WfmSearches,
): void {
  const bu = ctx.org.businessUnit;
  const buRef = { id: bu.id, selfUri: `/api/v2/workforcemanagement/businessunits/${bu.id}` };
  const divisionRef = {
    id: ctx.org.divisionId,
    selfUri: `/api/v2/authorization/divisions/${ctx.org.divisionId}`,
  };
  const requireBu = (id: string): void => {
    if (id !== bu.id) {
      throw notFound(`Business unit ${id} not found.`);
    }
  };

  api.get(`${WFM}/businessunits`, async () => {
    const item: BusinessUnitListItemView = {
      id: bu.id,
      name: bu.name,
      authorized: true,
      division: divisionRef,
      selfUri: buRef.selfUri,
    };
    return { entities: [item] };
  });

  api.get<{ Params: { buId: string } }>(`${WFM}/businessunits/:buId`, async (request) => {
    requireBu(request.params.buId);
    const expand = multiValue(request.query as Query, 'expand');
    const view: BusinessUnitView = {
      id: bu.id,
      name: bu.name,
      division: divisionRef,
      selfUri: buRef.selfUri,
    };
    if (expand.some((e) => e.startsWith('settings'))) {
      view.settings = {
        startDayOfWeek: 'Monday',
        timeZone: bu.timeZone,
        metadata: { version: 1, dateModified: ctx.org.presenceDefinitions[0]?.createdDate ?? '' },
      };
    }
    return view;
  });

  api.get<{ Params: { agentId: string } }>(`${WFM}/agents/:agentId/managementunit`, async (request) => {
    const agent = ctx.presence.get(request.params.agentId);
    if (agent === undefined) {
      throw notFound(`Agent ${request.params.agentId} is not in any management unit.`);
    }
    const muId = agent.user.managementUnitId;
    const view: AgentManagementUnitReferenceView = {
      user: { id: agent.user.id, selfUri: `/api/v2/users/${agent.user.id}` },
      managementUnit: { id: muId, selfUri: `/api/v2/workforcemanagement/managementunits/${muId}` },
      businessUnit: buRef,
    };
    return view;
  });

  api.get<{ Params: { buId: string } }>(`${WFM}/businessunits/:buId/activitycodes`, async (request) => {
    requireBu(request.params.buId);
    const entities = ctx.org.activityCodes.map((c) => activityCodeView(ctx, c));
    if (boolParam(request.query as Query, 'forceDownloadService') === true) {
      return { downloadUrl: searches.store({ entities }) };
    }
    return { entities };
  });

  api.get<{ Params: { buId: string; codeId: string } }>(
    `${WFM}/businessunits/:buId/activitycodes/:codeId`,
    async (request) => {
      requireBu(request.params.buId);
      const code = ctx.org.activityCodes.find((c) => c.id === request.params.codeId);
      if (code === undefined) {
        throw notFound(`Activity code ${request.params.codeId} not found.`);
      }
      return activityCodeView(ctx, code);
    },
  );

  const search = (
    request: { body: unknown; query: unknown },
    requesterId: string,
    scope: readonly SeededUser[],
  ): ReturnType<WfmSearches['answer']> => {
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<
      string,
      unknown
    >;
    const start = parseInstant(body.startDate, 'startDate');
    const end = parseInstant(body.endDate, 'endDate');
    if (end <= start) {
      throw badRequest('endDate must be after startDate.', {
        details: [{ errorCode: 'invalid.date', fieldName: 'endDate' }],
      });
    }
    if (end - start > MAX_SEARCH_DAYS * 86_400_000) {
      throw badRequest(`The search range may not exceed ${MAX_SEARCH_DAYS} days.`);
    }
    let users = scope;
    if (body.userIds !== undefined) {
      if (!Array.isArray(body.userIds) || body.userIds.some((id) => typeof id !== 'string')) {
        throw badRequest('userIds must be an array of user ids.');
      }
      const wanted = new Set(body.userIds as string[]);
      users = scope.filter((u) => wanted.has(u.id));
    }
    const query = request.query as Query;
    const configured = ctx.faults.current.wfmSearchMode;
    let mode: WfmSearchMode = configured;
    if (configured !== 'stuck') {
      if (boolParam(query, 'forceAsync') === true) {
        mode = 'async';
      } else if (boolParam(query, 'forceDownloadService') === true) {
        mode = 'download';
      }
    }
    const result = schedules.search(users, start, end, ctx.options.now());
    return searches.answer(mode, bu.id, requesterId, result);
  };

  api.post<{ Params: { buId: string } }>(
    `${WFM}/businessunits/:buId/agentschedules/search`,
    async (request) => {
      requireBu(request.params.buId);
      return search(request, requestToken(request).clientId, ctx.org.users);
    },
  );

  api.post<{ Params: { muId: string } }>(
    `${WFM}/managementunits/:muId/agentschedules/search`,
    async (request) => {
      const muId = request.params.muId;
      if (!ctx.org.managementUnits.some((m) => m.id === muId)) {
        throw notFound(`Management unit ${muId} not found.`);
      }
      return search(
        request,
        requestToken(request).clientId,
        ctx.org.users.filter((u) => u.managementUnitId === muId),
      );
    },
  );
}

/** The `downloadUrl` documents (unauthenticated, like the real pre-signed URLs). */
export function registerDownloadRoutes(app: FastifyInstance, searches: WfmSearches): void {
  app.get<{ Params: { id: string } }>('/downloads/wfm/:id', async (request) => {
    const document = searches.download(request.params.id);
    if (document === undefined) {
      throw notFound('The download has expired or does not exist.');
    }
    return document;
  });
}
