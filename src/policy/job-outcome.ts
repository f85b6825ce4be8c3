/**
 * The one place that turns an error met while processing a presence-change job into what BullMQ should do
 * (STYLE.md §4). Branches on stable error codes, never on classes.
 *
 * | error | action |
 * |---|---|
 * | `GENESYS_RATE_LIMITED` (429), `GENESYS_BUDGET_EXHAUSTED` (shared budget) | `rate-limit`: the whole queue waits `retryAfterMs`; no attempt used |
 * | `GENESYS_CIRCUIT_OPEN` | `delay` until the breaker half-opens; not a failure |
 * | `GENESYS_SERVER`, `GENESYS_NETWORK`, `GENESYS_TIMEOUT`, `GENESYS_AUTH` (401 after a token refresh), `GENESYS_NOT_APPLIED` (a bulk write skipped the user), `GENESYS_CONFLICT`, unknown errors (Redis, bugs) | `retry` (attempts + exponential backoff); on the last attempt `fail` |
 * | `GENESYS_BAD_REQUEST`, `GENESYS_NOT_FOUND`, `GENESYS_FORBIDDEN`, other 4xx, `GENESYS_RESPONSE_INVALID` (API drift), `GENESYS_CONFIG`, `JOB_INVALID_PAYLOAD`, `AGENT_STATE_MISSING` | `fail` now, dead-lettered |
 */

export type JobAction =
  | { kind: 'rate-limit'; delayMs: number }
  | { kind: 'delay'; delayMs: number }
  | { kind: 'retry'; code: string }
  | { kind: 'fail'; code: string; reason: string };

export interface ErrorFacts {
  code: string;
  httpStatus?: number | undefined;
  retryAfterMs?: number | undefined;
  message: string;
}

export interface JobAttemptContext {
  /** Attempts already used before this one (BullMQ `job.attemptsMade`). */
  attemptsMade: number;
  /** Attempts allowed (`job.opts.attempts`). */
  attempts: number;
  /** Wait when the breaker gives no half-open time. */
  breakerResetMs: number;
  /** Wait when a 429 carries no Retry-After. */
  defaultRateLimitMs: number;
}

const RATE_LIMIT = new Set(['GENESYS_RATE_LIMITED', 'GENESYS_BUDGET_EXHAUSTED']);
const DELAY = new Set(['GENESYS_CIRCUIT_OPEN']);
const RETRY = new Set([
  'GENESYS_SERVER',
  'GENESYS_NETWORK',
  'GENESYS_TIMEOUT',
  'GENESYS_AUTH',
  'GENESYS_NOT_APPLIED',
  'GENESYS_CONFLICT',
]);
const PERMANENT = new Set([
  'GENESYS_BAD_REQUEST',
  'GENESYS_NOT_FOUND',
  'GENESYS_FORBIDDEN',
  'GENESYS_RESPONSE_INVALID',
  'GENESYS_CONFIG',
  'JOB_INVALID_PAYLOAD',
  'AGENT_STATE_MISSING',
]);

const MAX_WAIT_MS = 10 * 60_000;

function clampWait(ms: number | undefined, fallback: number): number {
  const value = ms === undefined || !Number.isFinite(ms) || ms <= 0 ? fallback : ms;
  return Math.min(Math.max(Math.ceil(value), 50), MAX_WAIT_MS);
}

/** Reads `code`, `httpStatus`, `retryAfterMs` from any thrown value. */
export function errorFacts(err: unknown): ErrorFacts {
  if (typeof err !== 'object' || err === null) {
    return { code: 'UNKNOWN', message: String(err) };
  }
  const e = err as { code?: unknown; httpStatus?: unknown; retryAfterMs?: unknown; message?: unknown };
  return {
    code: typeof e.code === 'string' ? e.code : 'UNKNOWN',
    httpStatus: typeof e.httpStatus === 'number' ? e.httpStatus : undefined,
    retryAfterMs: typeof e.retryAfterMs === 'number' ? e.retryAfterMs : undefined,
    message: typeof e.message === 'string' ? e.message : 'error',
  };
}

export function jobActionForError(err: unknown, ctx: JobAttemptContext): JobAction {
  const facts = errorFacts(err);
  if (RATE_LIMIT.has(facts.code) || facts.httpStatus === 429) {
    return { kind: 'rate-limit', delayMs: clampWait(facts.retryAfterMs, ctx.defaultRateLimitMs) };
  }
  if (DELAY.has(facts.code)) {
    return { kind: 'delay', delayMs: clampWait(facts.retryAfterMs, ctx.breakerResetMs) };
  }
  const permanent =
    PERMANENT.has(facts.code) ||
    (!RETRY.has(facts.code) &&
      facts.httpStatus !== undefined &&
      facts.httpStatus >= 400 &&
      facts.httpStatus < 500 &&
      facts.httpStatus !== 408);
  if (permanent) {
    return { kind: 'fail', code: facts.code, reason: facts.message };
  }
  if (ctx.attemptsMade + 1 >= ctx.attempts) {
    return {
      kind: 'fail',
      code: facts.code,
      reason: `attempts exhausted (${ctx.attempts}): ${facts.message}`,
    };
  }
  return { kind: 'retry', code: facts.code };
}
