import type { FastifyInstance } from 'fastify';
import type {
  OrganizationPresenceDefinitionView,
  OrganizationPresenceView,
  PagedListing,
  SystemPresenceView,
  UcUserPresenceView,
  UserPresenceView,
} from '../api-models';
import type { EmulatorContext } from '../emulator-context';
import { badRequest, notFound, type ErrorDetail } from '../error-body';
import { SYSTEM_DEFINITION_IDS, SYSTEM_PRESENCES, spellSystemPresence } from '../presence-definitions';
import type { AgentState } from '../presence-store';
import {
  organizationPresenceDefinitionView,
  organizationPresenceView,
  routingStatusView,
  ucUserPresenceView,
  userPresenceView,
} from '../presence-views';
import { requestToken } from '../request-guard';
import { intParam, multiValue, pageUris, singleValue, type Query } from '../query-params';

const BULK_GET_MAX = 50;

interface PresenceBody {
  definitionId?: string;
  message?: string;
}

/** Validates a `UserPresence`-shaped body: `presenceDefinition.id` and/or `message` (and optional `primary`). */
function parsePresenceBody(ctx: EmulatorContext, raw: unknown, where: string): PresenceBody {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw badRequest(`${where}: the body must be a UserPresence object.`);
  }
  const body = raw as Record<string, unknown>;
  const result: PresenceBody = {};
  if (body.presenceDefinition !== undefined) {
    const def = body.presenceDefinition as Record<string, unknown> | null;
    if (typeof def !== 'object' || def === null || typeof def.id !== 'string' || def.id.length === 0) {
      throw badRequest(`${where}: presenceDefinition.id is required.`, {
        details: [{ errorCode: 'invalid.value', fieldName: 'presenceDefinition.id' }],
      });
    }
    const definition = ctx.presence.definition(def.id);
    if (definition === undefined || definition.deactivated) {
      throw badRequest(`${where}: presence definition ${def.id} does not exist or is deactivated.`, {
        details: [{ errorCode: 'invalid.value', fieldName: 'presenceDefinition.id', entityId: def.id }],
      });
    }
    result.definitionId = def.id;
  }
  if (body.message !== undefined) {
    if (typeof body.message !== 'string') {
      throw badRequest(`${where}: message must be a string.`);
    }
    result.message = body.message;
  }
  if (body.primary !== undefined && typeof body.primary !== 'boolean') {
    throw badRequest(`${where}: primary must be a boolean.`);
  }
  if (result.definitionId === undefined && result.message === undefined && body.primary === undefined) {
    throw badRequest(`${where}: nothing to change; give presenceDefinition, message and/or primary.`);
  }
  return result;
}

function requireAgent(ctx: EmulatorContext, userId: string): AgentState {
  const agent = ctx.presence.get(userId);
  if (agent === undefined) {
    throw notFound(`User ${userId} not found.`);
  }
  return agent;
}

/** Presence definitions (both families), user presence (single and bulk) and routing status. */
export function registerPresenceRoutes(api: FastifyInstance, ctx: EmulatorContext): void {
  const definitions = ctx.org.presenceDefinitions;
  const spelling = ctx.options.presenceSpelling;

  api.get('/presence/definitions', async (request) => {
    const query = request.query as Query;
    const deactivated = (singleValue(query, 'deactivated') ?? 'false').toLowerCase();
    if (deactivated !== 'true' && deactivated !== 'false') {
      throw badRequest('Invalid value for deactivated: must be TRUE or FALSE.');
    }
    const divisions = multiValue(query, 'divisionId');
    const entities: OrganizationPresenceDefinitionView[] = definitions
      .filter((d) => d.deactivated === (deactivated === 'true'))
      .filter(() => divisions.length === 0 || divisions.includes(ctx.org.divisionId))
      .map((d) => organizationPresenceDefinitionView(d, ctx.org.divisionId));
    return { total: entities.length, entities, selfUri: '/api/v2/presence/definitions' };
  });

  api.get<{ Params: { definitionId: string } }>('/presence/definitions/:definitionId', async (request) => {
    const definition = definitions.find((d) => d.id === request.params.definitionId);
    if (definition === undefined) {
      throw notFound(`Presence definition ${request.params.definitionId} not found.`);
    }
    return organizationPresenceDefinitionView(definition, ctx.org.divisionId);
  });

  api.get('/presencedefinitions', async (request) => {
    const query = request.query as Query;
    const pageSize = intParam(query, 'pageSize', 25, 1, 100);
    const pageNumber = intParam(query, 'pageNumber', 1, 1, 1_000_000);
    const deleted = (singleValue(query, 'deleted') ?? 'false').toLowerCase();
    if (!['true', 'false', 'all'].includes(deleted)) {
      throw badRequest('Invalid value for deleted: must be TRUE, FALSE or ALL.');
    }
    const matching = definitions.filter((d) => deleted === 'all' || d.deactivated === (deleted === 'true'));
    const pageCount = Math.ceil(matching.length / pageSize);
    const start = (pageNumber - 1) * pageSize;
    const listing: PagedListing<OrganizationPresenceView> = {
      entities: matching.slice(start, start + pageSize).map(organizationPresenceView),
      pageSize,
      pageNumber,
      total: matching.length,
      pageCount,
      ...pageUris('/api/v2/presencedefinitions', pageSize, pageNumber, pageCount),
    };
    return listing;
  });

  api.get<{ Params: { presenceId: string } }>('/presencedefinitions/:presenceId', async (request) => {
    const definition = definitions.find((d) => d.id === request.params.presenceId);
    if (definition === undefined) {
      throw notFound(`Presence definition ${request.params.presenceId} not found.`);
    }
    return organizationPresenceView(definition);
  });

  api.get('/systempresences', async () => {
    const list: SystemPresenceView[] = SYSTEM_PRESENCES.map((p) => ({
      id: p,
      name: spellSystemPresence(p, 'legacy'),
      selfUri: `/api/v2/presencedefinitions/${SYSTEM_DEFINITION_IDS[p]}`,
    }));
    return list;
  });

  api.get<{ Params: { userId: string } }>('/users/:userId/presences/purecloud', async (request) => {
    return userPresenceView(requireAgent(ctx, request.params.userId), spelling);
  });

  api.patch<{ Params: { userId: string } }>('/users/:userId/presences/purecloud', async (request) => {
    const agent = requireAgent(ctx, request.params.userId);
    const body = parsePresenceBody(ctx, request.body, 'PATCH presence');
    ctx.presence.write(agent, {
      ...body,
      changedBy: 'service',
      clientId: requestToken(request).clientId,
      via: 'patch',
    });
    return userPresenceView(agent, spelling);
  });

  api.get('/users/presences/purecloud/bulk', async (request) => {
    const ids = [...new Set(multiValue(request.query as Query, 'id'))];
    if (ids.length === 0) {
      throw badRequest('At least one user id is required (id=).', {
        details: [{ errorCode: 'invalid.value', fieldName: 'id' }],
      });
    }
    if (ids.length > BULK_GET_MAX) {
      throw badRequest(`A maximum of ${BULK_GET_MAX} user ids may be requested; got ${ids.length}.`, {
        details: [{ errorCode: 'invalid.value', fieldName: 'id' }],
      });
    }
    const result: UcUserPresenceView[] = [];
    for (const id of ids) {
      const agent = ctx.presence.get(id);
      if (agent !== undefined) {
        result.push(ucUserPresenceView(agent, spelling));
      }
    }
    return result;
  });

  api.put('/users/presences/bulk', async (request) => {
    const raw = request.body;
    if (!Array.isArray(raw) || raw.length === 0) {
      throw badRequest('The body must be a non-empty array of MutableUserPresence.');
    }
    const max = ctx.options.bulkPutMaxItems;
    if (raw.length > max) {
      throw badRequest(`A maximum of ${max} presences may be updated at once; got ${raw.length}.`);
    }
    const details: ErrorDetail[] = [];
    const planned: Array<{ agent: AgentState; body: PresenceBody }> = [];
    raw.forEach((item: unknown, index) => {
      const record = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
      const userId = record.id;
      const agent = typeof userId === 'string' ? ctx.presence.get(userId) : undefined;
      if (agent === undefined) {
        details.push({ errorCode: 'not.found', fieldName: `[${index}].id`, entityId: String(userId) });
        return;
      }
      const source = record.sourceId ?? record.source;
      if (source !== undefined && (typeof source !== 'string' || source.toUpperCase() !== 'PURECLOUD')) {
        details.push({
          errorCode: 'invalid.value',
          fieldName: `[${index}].sourceId`,
          entityId: agent.user.id,
        });
        return;
      }
      try {
        planned.push({ agent, body: parsePresenceBody(ctx, record, `item ${index}`) });
      } catch {
        details.push({
          errorCode: 'invalid.value',
          fieldName: `[${index}].presenceDefinition`,
          entityId: agent.user.id,
        });
      }
    });
    if (details.length > 0) {
      throw badRequest(`${details.length} of ${raw.length} presences are invalid; nothing was changed.`, {
        details,
      });
    }
    const clientId = requestToken(request).clientId;
    const result: UserPresenceView[] = planned.map(({ agent, body }) => {
      ctx.presence.write(agent, { ...body, changedBy: 'service', clientId, via: 'bulk' });
      return { id: agent.user.id, ...userPresenceView(agent, spelling) };
    });
    return result;
  });

  api.get<{ Params: { userId: string } }>('/users/:userId/routingstatus', async (request) => {
    const agent = ctx.presence.get(request.params.userId);
    if (agent === undefined) {
      return { userId: request.params.userId, status: 'OFF_QUEUE' };
    }
    return routingStatusView(agent);
  });
}
