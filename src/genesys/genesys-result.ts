/**
 * What every Genesys client call returns: the parsed data plus what the audit trail needs about the HTTP
 * exchange(s) behind it. Convention (kept by every method):
 *
 * - `status` / `correlationId`: of the last HTTP call made (the `ININ-Correlation-Id` to quote to Genesys support);
 * - `latencyMs`: wall time of the whole method, retries and waits included;
 * - `calls`: one record per logical HTTP call (a bulk method split into chunks, or a paged listing, makes several);
 *   each logical call may have needed several attempts (`attempts`).
 *
 * Errors carry the same facts (`GenesysError.correlationId`, `httpStatus`, `route`).
 */
export interface CallRecord {
  method: string;
  /** Templated path, e.g. `/api/v2/users/{userId}/presences/purecloud`. */
  route: string;
  status: number;
  correlationId: string | undefined;
  latencyMs: number;
  attempts: number;
}

export interface GenesysResult<T> {
  data: T;
  status: number;
  correlationId: string | undefined;
  latencyMs: number;
  calls: readonly CallRecord[];
}

/** Combines the results of several calls made by one method into one result with `data`. */
export function combineResults<T>(
  data: T,
  parts: readonly GenesysResult<unknown>[],
  startedAt: number,
  now: number = Date.now(),
): GenesysResult<T> {
  const calls = parts.flatMap((p) => p.calls);
  const last = calls[calls.length - 1];
  return {
    data,
    status: last?.status ?? 0,
    correlationId: last?.correlationId,
    latencyMs: now - startedAt,
    calls,
  };
}

/** A result with other data but the same call facts. */
export function mapResult<T, U>(result: GenesysResult<T>, fn: (data: T) => U): GenesysResult<U> {
  return { ...result, data: fn(result.data) };
}
