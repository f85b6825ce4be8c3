import { GenesysOperationError, GenesysResponseInvalidError } from './errors';
import { combineResults, type GenesysResult, mapResult } from './genesys-result';
import type { GenesysHttp } from './http';
import {
  type ActivityCode,
  activityCodeListingSchema,
  type AgentManagementUnit,
  agentManagementUnitSchema,
  type AgentSchedulesSearchResult,
  agentSchedulesSearchResultSchema,
  asyncAgentSchedulesSearchSchema,
  type BusinessUnit,
  type BusinessUnitListItem,
  businessUnitListingSchema,
  businessUnitSchema,
} from './schemas';

const WFM = '/api/v2/workforcemanagement';
export const WFM_ROUTES = {
  businessUnits: `${WFM}/businessunits`,
  businessUnit: `${WFM}/businessunits/{businessUnitId}`,
  agentManagementUnit: `${WFM}/agents/{agentId}/managementunit`,
  activityCodes: `${WFM}/businessunits/{businessUnitId}/activitycodes`,
  scheduleSearch: `${WFM}/businessunits/{businessUnitId}/agentschedules/search`,
  /** Label of downloads (the URL itself is not a route). */
  download: 'GET {downloadUrl}',
} as const;

export async function listBusinessUnits(http: GenesysHttp): Promise<GenesysResult<BusinessUnitListItem[]>> {
  const result = await http.request({
    method: 'GET',
    route: WFM_ROUTES.businessUnits,
    schema: businessUnitListingSchema,
  });
  return mapResult(result, (listing) => listing.entities);
}

/** A business unit with its settings (`expand=settings`): `settings.timeZone` is the BU's IANA time zone. */
export async function getBusinessUnit(
  http: GenesysHttp,
  businessUnitId: string,
): Promise<GenesysResult<BusinessUnit>> {
  return http.request({
    method: 'GET',
    route: WFM_ROUTES.businessUnit,
    path: { businessUnitId },
    query: { expand: ['settings'] },
    schema: businessUnitSchema,
  });
}

/** The agent's management unit (and business unit, when Genesys includes it). 404 when in no MU. */
export async function getAgentManagementUnit(
  http: GenesysHttp,
  agentId: string,
): Promise<GenesysResult<AgentManagementUnit>> {
  return http.request({
    method: 'GET',
    route: WFM_ROUTES.agentManagementUnit,
    path: { agentId },
    schema: agentManagementUnitSchema,
  });
}

/** BU activity codes; follows `downloadUrl` when Genesys answers with one (§4.2). */
export async function listActivityCodes(
  http: GenesysHttp,
  businessUnitId: string,
): Promise<GenesysResult<ActivityCode[]>> {
  const startedAt = Date.now();
  const listing = await http.request({
    method: 'GET',
    route: WFM_ROUTES.activityCodes,
    path: { businessUnitId },
    schema: activityCodeListingSchema,
  });
  if (listing.data.downloadUrl === undefined) {
    return mapResult(listing, (l) => l.entities ?? []);
  }
  const downloaded = await http.download(
    listing.data.downloadUrl,
    activityCodeListingSchema,
    WFM_ROUTES.download,
  );
  return combineResults(downloaded.data.entities ?? [], [listing, downloaded], startedAt);
}

export interface ScheduleSearchQuery {
  /** ISO-8601 instants. */
  startDate: string;
  endDate: string;
  /** Omit for every agent of the BU. */
  userIds?: readonly string[];
}

export interface ScheduleSearchOptions {
  /** Genesys test switches (forceAsync / forceDownloadService query parameters). */
  forceAsync?: boolean;
  forceDownloadService?: boolean;
  /**
   * When Genesys answers `Processing`, the result arrives later on the notification topic
   * `v2.workforcemanagement.users.{id}.schedules.search` as `{operationId, downloadUrl}`. A caller that listens
   * to it passes this function: it resolves with the `downloadUrl` for the operation (or undefined). Bounded by
   * `completionTimeoutMs`; without it, or on timeout, the method returns `{ status: 'Processing', operationId }`.
   */
  awaitCompletion?: (operationId: string, signal: AbortSignal) => Promise<string | undefined>;
  /** Default 30 s. */
  completionTimeoutMs?: number;
}

export type ScheduleSearchOutcome =
  | { status: 'Complete'; result: AgentSchedulesSearchResult; delivery: 'inline' | 'download' }
  | { status: 'Processing'; operationId: string };

/**
 * Published schedules of agents of a BU over a range (§4.3). `Complete` + `result` is returned as is; `Complete`
 * + `downloadUrl` is fetched with a plain GET (no bearer token: see GenesysHttp.download); `Processing` is
 * returned as `{status:'Processing', operationId}` unless `awaitCompletion` delivers the download URL in time;
 * `Error` / `Canceled` throw `GENESYS_OPERATION_FAILED`.
 */
export async function searchAgentSchedules(
  http: GenesysHttp,
  businessUnitId: string,
  query: ScheduleSearchQuery,
  options: ScheduleSearchOptions = {},
): Promise<GenesysResult<ScheduleSearchOutcome>> {
  const startedAt = Date.now();
  const route = WFM_ROUTES.scheduleSearch;
  const answer = await http.request({
    method: 'POST',
    route,
    path: { businessUnitId },
    query: {
      forceAsync: options.forceAsync === true ? true : undefined,
      forceDownloadService: options.forceDownloadService === true ? true : undefined,
    },
    body: {
      startDate: query.startDate,
      endDate: query.endDate,
      ...(query.userIds === undefined ? {} : { userIds: [...query.userIds] }),
    },
    schema: asyncAgentSchedulesSearchSchema,
    // A search only reads: replaying it is harmless.
    retry: 'idempotent',
  });
  const body = answer.data;
  const facts = { method: 'POST', route, correlationId: answer.correlationId, httpStatus: answer.status };

  if (body.status === 'Error' || body.status === 'Canceled') {
    throw new GenesysOperationError(`WFM schedule search ended ${body.status}`, {
      ...facts,
      details: { operationId: body.operationId },
    });
  }
  if (body.status === 'Complete') {
    if (body.result !== undefined) {
      return mapResult(answer, (): ScheduleSearchOutcome => ({
        status: 'Complete',
        result: body.result!,
        delivery: 'inline',
      }));
    }
    if (body.downloadUrl !== undefined) {
      const downloaded = await fetchScheduleSearchResult(http, body.downloadUrl);
      return combineResults<ScheduleSearchOutcome>(
        { status: 'Complete', result: downloaded.data, delivery: 'download' },
        [answer, downloaded],
        startedAt,
      );
    }
    throw new GenesysResponseInvalidError(
      'WFM schedule search Complete without result or downloadUrl',
      facts,
    );
  }

  // Processing
  if (body.operationId === undefined) {
    throw new GenesysResponseInvalidError('WFM schedule search Processing without operationId', facts);
  }
  const operationId = body.operationId;
  if (body.downloadUrl === undefined && options.awaitCompletion !== undefined) {
    const downloadUrl = await awaitBounded(
      options.awaitCompletion,
      operationId,
      options.completionTimeoutMs ?? 30_000,
    );
    if (downloadUrl !== undefined) {
      const downloaded = await fetchScheduleSearchResult(http, downloadUrl);
      return combineResults<ScheduleSearchOutcome>(
        { status: 'Complete', result: downloaded.data, delivery: 'download' },
        [answer, downloaded],
        startedAt,
      );
    }
  } else if (body.downloadUrl !== undefined) {
    const downloaded = await fetchScheduleSearchResult(http, body.downloadUrl);
    return combineResults<ScheduleSearchOutcome>(
      { status: 'Complete', result: downloaded.data, delivery: 'download' },
      [answer, downloaded],
      startedAt,
    );
  }
  return mapResult(answer, (): ScheduleSearchOutcome => ({ status: 'Processing', operationId }));
}

/** GETs a schedule search `downloadUrl` (from the answer or from the async notification). */
export function fetchScheduleSearchResult(
  http: GenesysHttp,
  downloadUrl: string,
): Promise<GenesysResult<AgentSchedulesSearchResult>> {
  return http.download(downloadUrl, agentSchedulesSearchResultSchema, WFM_ROUTES.download);
}

async function awaitBounded(
  wait: (operationId: string, signal: AbortSignal) => Promise<string | undefined>,
  operationId: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve(undefined);
    }, timeoutMs);
  });
  try {
    return await Promise.race([wait(operationId, controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
