/**
 * Recognises errors that mean "a dependency (Redis, PostgreSQL, Genesys Cloud) is unreachable or refusing
 * work right now", so the API answers 503 with Retry-After instead of 500. Branches on stable codes and the
 * names ioredis gives its errors, never on stack traces.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/** Our own codes (src/genesys, src/http) that mean "try again later". */
const OUTAGE_CODES = new Set([
  'DEPENDENCY_UNAVAILABLE',
  'DEPENDENCY_TIMEOUT',
  'REDIS_UNAVAILABLE',
  'GENESYS_CIRCUIT_OPEN',
  'GENESYS_NETWORK',
  'GENESYS_TIMEOUT',
  'GENESYS_SERVER',
  'GENESYS_RATE_LIMITED',
  'GENESYS_BUDGET_EXHAUSTED',
  'GENESYS_AUTH',
]);

/** ioredis error names and messages that mean the connection is down (it has no codes for these). */
const REDIS_ERROR_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);
const REDIS_MESSAGES = [
  "Stream isn't writeable",
  'Connection is closed',
  'Command timed out',
  'Failed to refresh slots cache',
  'None of startup nodes is available',
  'LOADING',
  'MISCONF',
  'OOM command not allowed',
  'READONLY',
  'CLUSTERDOWN',
  'TRYAGAIN',
  // A Cluster command that kept meeting MOVED/closed connections during a failover.
  'Too many Cluster redirections',
];

export function isDependencyOutage(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 5) {
    return false;
  }
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (OUTAGE_CODES.has(code) || NETWORK_CODES.has(code))) {
    return true;
  }
  if (REDIS_ERROR_NAMES.has(err.name) || REDIS_MESSAGES.some((m) => err.message.startsWith(m))) {
    return true;
  }
  if (err instanceof AggregateError && err.errors.some((e) => isDependencyOutage(e, depth + 1))) {
    return true;
  }
  return isDependencyOutage(err.cause, depth + 1);
}

/** Seconds a client should wait before retrying, when the error carries a hint (e.g. a Genesys 429). */
export function retryAfterSeconds(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const ms = (e as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof ms === 'number' && Number.isFinite(ms) && ms > 0) {
      return Math.ceil(ms / 1000);
    }
  }
  return undefined;
}
