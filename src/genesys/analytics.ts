import { GenesysBadRequestError } from './errors';
import { combineResults, type GenesysResult } from './genesys-result';
import type { GenesysHttp } from './http';
import {
  type AnalyticsUserDetail,
  type UserDetailsQuery,
  userDetailsQueryResponseSchema,
  type UserDetailsQueryResponse,
  userDetailsQuerySchema,
} from './schemas';

export const USER_DETAILS_ROUTE = '/api/v2/analytics/users/details/query';

const DAY_MS = 86_400_000;
/** Interval caps of the user details query (genesys-api.md §6.1). */
export const USER_DETAILS_MAX_DAYS_UNFILTERED = 7;
export const USER_DETAILS_MAX_DAYS_FILTERED = 31;

/** Checks the body before sending (schema + interval caps); a bad query is our bug, not a Genesys call. */
export function validateUserDetailsQuery(body: UserDetailsQuery): UserDetailsQuery {
  const parsed = userDetailsQuerySchema.safeParse(body);
  if (!parsed.success) {
    throw new GenesysBadRequestError(
      `invalid user details query: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      { method: 'POST', route: USER_DETAILS_ROUTE },
    );
  }
  const [start, end] = parsed.data.interval.split('/').map((s) => Date.parse(s));
  if (start === undefined || end === undefined || Number.isNaN(start) || Number.isNaN(end) || end <= start) {
    throw new GenesysBadRequestError(`invalid interval "${parsed.data.interval}"`, {
      method: 'POST',
      route: USER_DETAILS_ROUTE,
    });
  }
  const filtered =
    (parsed.data.userFilters?.length ?? 0) +
      (parsed.data.presenceFilters?.length ?? 0) +
      (parsed.data.routingStatusFilters?.length ?? 0) >
    0;
  const maxDays = filtered ? USER_DETAILS_MAX_DAYS_FILTERED : USER_DETAILS_MAX_DAYS_UNFILTERED;
  if (end - start > maxDays * DAY_MS) {
    throw new GenesysBadRequestError(
      `interval longer than ${maxDays} days (${filtered ? 'with' : 'without'} filters)`,
      { method: 'POST', route: USER_DETAILS_ROUTE },
    );
  }
  return parsed.data;
}

/** One page of `POST /api/v2/analytics/users/details/query`. */
export async function queryUserDetails(
  http: GenesysHttp,
  body: UserDetailsQuery,
): Promise<GenesysResult<UserDetailsQueryResponse>> {
  return http.request({
    method: 'POST',
    route: USER_DETAILS_ROUTE,
    body: validateUserDetailsQuery(body),
    schema: userDetailsQueryResponseSchema,
    // A query only reads: replaying it is harmless.
    retry: 'idempotent',
  });
}

/**
 * Every page of a user details query, merged per user. Pages may hold fewer rows than `pageSize` (Genesys
 * de-duplicates statuses spanning midnight), so the end is found from `totalHits` or an empty page, bounded by
 * `maxPages` (default 50). Records repeated across pages are de-duplicated.
 */
export async function queryAllUserDetails(
  http: GenesysHttp,
  body: UserDetailsQuery,
  options: { pageSize?: number; maxPages?: number } = {},
): Promise<GenesysResult<AnalyticsUserDetail[]>> {
  const startedAt = Date.now();
  const pageSize = options.pageSize ?? body.paging?.pageSize ?? 100;
  const maxPages = options.maxPages ?? 50;
  const parts: GenesysResult<unknown>[] = [];
  const merged = new Map<string, AnalyticsUserDetail>();
  for (let pageNumber = 1; pageNumber <= maxPages; pageNumber += 1) {
    const page = await queryUserDetails(http, { ...body, paging: { pageSize, pageNumber } });
    parts.push(page);
    const rows = page.data.userDetails ?? [];
    for (const row of rows) {
      merged.set(row.userId, mergeDetail(merged.get(row.userId), row));
    }
    const total = page.data.totalHits;
    if (rows.length === 0 || (total !== undefined && pageNumber * pageSize >= total)) {
      break;
    }
  }
  return combineResults([...merged.values()], parts, startedAt);
}

function mergeDetail(a: AnalyticsUserDetail | undefined, b: AnalyticsUserDetail): AnalyticsUserDetail {
  if (a === undefined) {
    return b;
  }
  return {
    ...a,
    primaryPresence: dedupe(
      [...(a.primaryPresence ?? []), ...(b.primaryPresence ?? [])],
      (r) => `${r.startTime}|${r.systemPresence ?? ''}|${r.organizationPresenceId ?? ''}`,
    ),
    routingStatus: dedupe(
      [...(a.routingStatus ?? []), ...(b.routingStatus ?? [])],
      (r) => `${r.startTime}|${r.routingStatus ?? ''}`,
    ),
  };
}

function dedupe<T>(rows: T[], key: (row: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const row of rows) {
    seen.set(key(row), row);
  }
  return [...seen.values()].sort((x, y) => key(x).localeCompare(key(y)));
}
