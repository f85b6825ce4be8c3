/**
 * Which in-request retries a call may make (pure; the transport feeds it every failed attempt).
 *
 * - `idempotent`: reads and writes whose replay is harmless (GET, HEAD, subscription PUT/POST, query POSTs):
 *   429 honouring `Retry-After`, 500/502/503/504, network errors and timeouts.
 * - `rate-limit-only`: calls whose blind replay is not safe (presence PATCH, bulk presence PUT, channel
 *   creation): only 429, which Genesys answers before doing anything. A 5xx or a lost connection may have
 *   applied the change, so the caller (the presence worker, with its stale-write guard) decides.
 * - `none`: never.
 */
export type RetryMode = 'idempotent' | 'rate-limit-only' | 'none';

export interface RetryPolicy {
  /** Retries after the first attempt (`GENESYS_RETRIES`). */
  retries: number;
  /** Longest `Retry-After` waited for inside a request (`GENESYS_MAX_RETRY_AFTER_MS`); longer → error. */
  maxRetryAfterMs: number;
  /** Used when a 429 carries no `Retry-After` (the .NET SDK's `retryAfterDefaultMs`). */
  defaultRetryAfterMs: number;
  /** First backoff of 5xx/network retries; doubles per retry, with jitter (50–100 %). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Timeout of one attempt (`GENESYS_TIMEOUT_MS`). */
  timeoutMs: number;
  /** Longest total time of one call, retries and waits included (`GENESYS_CALL_BUDGET_MS`). */
  callBudgetMs: number;
}

export interface FailedAttempt {
  mode: RetryMode;
  /** HTTP status; undefined when no response came. */
  status: number | undefined;
  /** Node/axios error code when no response came (`ECONNRESET`, `ETIMEDOUT`, `ERR_CANCELED`…). */
  errorCode: string | undefined;
  /** Wait the server asked for (`Retry-After`), if any. */
  retryAfterMs: number | undefined;
  /** Retries already made for this call (0 before the first retry). */
  retriesDone: number;
  /** Time since the call started. */
  elapsedMs: number;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: string };

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

/** Connection-level failures worth one more try on an idempotent call (as undici's retry handler lists). */
export const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ENOTFOUND',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'EPIPE',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNABORTED',
  'ERR_NETWORK',
  'UND_ERR_SOCKET',
]);

export function decideRetry(
  attempt: FailedAttempt,
  policy: RetryPolicy,
  random: () => number = Math.random,
): RetryDecision {
  if (attempt.mode === 'none') {
    return { retry: false, reason: 'call is never retried' };
  }
  if (attempt.retriesDone >= policy.retries) {
    return { retry: false, reason: 'retries exhausted' };
  }
  let delayMs: number;
  if (attempt.status === 429) {
    const wait = attempt.retryAfterMs ?? policy.defaultRetryAfterMs;
    if (wait > policy.maxRetryAfterMs) {
      return { retry: false, reason: `Retry-After ${wait} ms is above the in-request limit` };
    }
    delayMs = wait;
  } else {
    if (attempt.mode !== 'idempotent') {
      return { retry: false, reason: 'only 429 is retried for this call' };
    }
    if (attempt.status !== undefined) {
      if (!RETRYABLE_STATUSES.has(attempt.status)) {
        return { retry: false, reason: `status ${attempt.status} is not retryable` };
      }
    } else if (attempt.errorCode === undefined || !RETRYABLE_NETWORK_CODES.has(attempt.errorCode)) {
      return { retry: false, reason: `error ${attempt.errorCode ?? 'unknown'} is not retryable` };
    }
    const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt.retriesDone);
    delayMs = Math.round(backoff * (0.5 + random() / 2));
    if (attempt.retryAfterMs !== undefined) {
      if (attempt.retryAfterMs > policy.maxRetryAfterMs) {
        return {
          retry: false,
          reason: `Retry-After ${attempt.retryAfterMs} ms is above the in-request limit`,
        };
      }
      delayMs = Math.max(delayMs, attempt.retryAfterMs);
    }
  }
  if (attempt.elapsedMs + delayMs + policy.timeoutMs > policy.callBudgetMs) {
    return { retry: false, reason: 'another attempt would exceed the call budget' };
  }
  return { retry: true, delayMs };
}
