import { AppError } from '../app-error';

/**
 * The Genesys client's error vocabulary. Callers branch on `error.code` (stable strings), never on the HTTP
 * library's errors: nothing from axios or opossum leaves `src/genesys`. An error carries what support needs
 * (HTTP status, the Genesys `code` of the ErrorBody, the `ININ-Correlation-Id`, method and templated route) and
 * never a token, a secret or request headers; its `cause` is a plain, sanitised error.
 */
export const GENESYS_ERROR_CODES = [
  'GENESYS_RATE_LIMITED',
  'GENESYS_BUDGET_EXHAUSTED',
  'GENESYS_AUTH',
  'GENESYS_FORBIDDEN',
  'GENESYS_CIRCUIT_OPEN',
  'GENESYS_NOT_FOUND',
  'GENESYS_BAD_REQUEST',
  'GENESYS_CONFLICT',
  'GENESYS_SERVER',
  'GENESYS_NETWORK',
  'GENESYS_TIMEOUT',
  'GENESYS_RESPONSE_INVALID',
  'GENESYS_NOT_APPLIED',
  'GENESYS_OPERATION_FAILED',
  'GENESYS_CONFIG',
  'GENESYS_STATE_UNAVAILABLE',
] as const;
export type GenesysErrorCode = (typeof GENESYS_ERROR_CODES)[number];

export interface GenesysErrorInfo {
  httpStatus?: number | undefined;
  /** `code` of the Genesys ErrorBody (`too.many.requests.retry.after`, `bad.credentials`…) or OAuth `error`. */
  genesysCode?: string | undefined;
  /** `ININ-Correlation-Id` of the failing response (quote it to Genesys support). */
  correlationId?: string | undefined;
  method?: string | undefined;
  /** Templated path, e.g. `/api/v2/users/{userId}/presences/purecloud`. */
  route?: string | undefined;
  /** How long to wait before calling again, where the error says so (429, budget, open breaker). */
  retryAfterMs?: number | undefined;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class GenesysError extends AppError {
  declare readonly code: GenesysErrorCode;
  readonly genesysCode: string | undefined;
  readonly correlationId: string | undefined;
  readonly method: string | undefined;
  readonly route: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: GenesysErrorCode, message: string, info: GenesysErrorInfo = {}) {
    super(code, message, { httpStatus: info.httpStatus, cause: info.cause, details: info.details });
    this.genesysCode = info.genesysCode;
    this.correlationId = info.correlationId;
    this.method = info.method;
    this.route = info.route;
    this.retryAfterMs = info.retryAfterMs;
  }
}

/** 429 from Genesys (after the in-request retries allowed); `retryAfterMs` from `Retry-After`. */
export class GenesysRateLimitedError extends GenesysError {
  declare readonly retryAfterMs: number;
  constructor(message: string, info: GenesysErrorInfo & { retryAfterMs: number }) {
    super('GENESYS_RATE_LIMITED', message, info);
  }
}

/** Our own shared rate budget (all processes) has no room within the allowed wait; no call was made. */
export class GenesysBudgetExhaustedError extends GenesysError {
  declare readonly retryAfterMs: number;
  constructor(message: string, info: GenesysErrorInfo & { retryAfterMs: number }) {
    super('GENESYS_BUDGET_EXHAUSTED', message, info);
  }
}

/** Bad client credentials, or a token refused even after one refresh (401). */
export class GenesysAuthError extends GenesysError {
  constructor(message: string, info: GenesysErrorInfo = {}) {
    super('GENESYS_AUTH', message, info);
  }
}

/** 403: the OAuth client's roles lack a permission (the message lists it). */
export class GenesysForbiddenError extends GenesysError {
  constructor(message: string, info: GenesysErrorInfo = {}) {
    super('GENESYS_FORBIDDEN', message, info);
  }
}

/** The circuit breaker is open: Genesys is failing, no call was made. */
export class GenesysCircuitOpenError extends GenesysError {
  constructor(message: string, info: GenesysErrorInfo = {}) {
    super('GENESYS_CIRCUIT_OPEN', message, info);
  }
}

export class GenesysNotFoundError extends GenesysError {
  constructor(message: string, info: GenesysErrorInfo = {}) {
    super('GENESYS_NOT_FOUND', message, info);
  }
}

/** 400 and other 4xx without a more specific class; also requests refused before sending (over a limit). */
export class GenesysBadRequestError extends GenesysError {
  constructor(message: string, info: GenesysErrorInfo = {}) {
    super('GENESYS_BAD_REQUEST', message, info);
  }
}

/** 409 (versioned entities only; presence has no versioning). */
export class GenesysConflictError extends GenesysError {
  constructor(message: string, info: GenesysErrorInfo = {}) {
    super('GENESYS_CONFLICT', message, info);
  }
}

/** 5xx after the in-request retries allowed. */
export class GenesysServerError extends GenesysError {
  constructor(message: string, info: GenesysErrorInfo = {}) {
    super('GENESYS_SERVER', message, info);
  }
}

/** No response: connection refused or reset, DNS, TLS. */
export class GenesysNetworkError extends GenesysError {
  constructor(message: string, info: GenesysErrorInfo = {}) {
    super('GENESYS_NETWORK', message, info);
  }
}

/** No response within the timeout (or no shared token within the wait). */
export class GenesysTimeoutError extends GenesysError {
  constructor(message: string, info: GenesysErrorInfo = {}) {
    super('GENESYS_TIMEOUT', message, info);
  }
}

/** A response did not match the schema we depend on: API drift. Not retryable. */
export class GenesysResponseInvalidError extends GenesysError {
  constructor(message: string, info: GenesysErrorInfo = {}) {
    super('GENESYS_RESPONSE_INVALID', message, info);
  }
}

/** A bulk write answered without applying the change for this user (missing from the answer, other presence). */
export class GenesysNotAppliedError extends GenesysError {
  constructor(message: string, info: GenesysErrorInfo = {}) {
    super('GENESYS_NOT_APPLIED', message, info);
  }
}

/** An asynchronous Genesys operation (WFM schedule search) ended `Error` / `Canceled`. */
export class GenesysOperationError extends GenesysError {
  constructor(message: string, info: GenesysErrorInfo = {}) {
    super('GENESYS_OPERATION_FAILED', message, info);
  }
}

/** The client cannot be built: unknown region, missing credentials. */
export class GenesysConfigError extends GenesysError {
  constructor(message: string, info: GenesysErrorInfo = {}) {
    super('GENESYS_CONFIG', message, info);
  }
}

/**
 * The shared state of the client (token cache, rate budget, in Redis) cannot be reached; nothing was sent to
 * Genesys. Not a Genesys failure: it does not count against the breaker.
 */
export class GenesysStateUnavailableError extends GenesysError {
  constructor(message: string, info: GenesysErrorInfo = {}) {
    super('GENESYS_STATE_UNAVAILABLE', message, info);
  }
}

const CODES: ReadonlySet<string> = new Set(GENESYS_ERROR_CODES);

/** True for every error raised by the Genesys client (branch on `code` afterwards). */
export function isGenesysError(value: unknown): value is GenesysError {
  return value instanceof Error && CODES.has((value as { code?: unknown }).code as string);
}

/** Codes that say "Genesys (or the path to it) is unhealthy": the only ones that count against the breaker. */
export const BREAKER_FAILURE_CODES: ReadonlySet<GenesysErrorCode> = new Set([
  'GENESYS_SERVER',
  'GENESYS_NETWORK',
  'GENESYS_TIMEOUT',
]);
