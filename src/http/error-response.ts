import { isDependencyOutage, retryAfterSeconds } from './dependency-outage';

/** One thing wrong with a request: where (`body.presence`, `header.if-match`, `path.userId`) and what. */
export interface Problem {
  path: string;
  message: string;
}

/** The body of every error answer. `code` is stable; `message` is for people. */
export interface ErrorBody {
  code: string;
  message: string;
  problems?: Problem[];
  currentVersion?: number;
  traceId?: string;
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

/**
 * Our stable error codes → HTTP status. Codes raised by the pipeline (VALIDATION_FAILED, VERSION_CONFLICT,
 * IDEMPOTENCY_MISMATCH, UNKNOWN_PRESENCE), by this layer, and by fastify itself for transport problems.
 */
const STATUS_BY_CODE: Record<string, number> = {
  VALIDATION_FAILED: 400,
  UNKNOWN_PRESENCE: 400,
  JOB_INVALID_PAYLOAD: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  FORCE_NOT_PERMITTED: 403,
  NOT_FOUND: 404,
  VERSION_CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  IDEMPOTENCY_MISMATCH: 422,
  FST_ERR_CTP_INVALID_JSON_BODY: 400,
  FST_ERR_CTP_EMPTY_JSON_BODY: 400,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 400,
  FST_ERR_VALIDATION: 400,
  FST_BASIC_AUTH_MISSING_OR_BAD_AUTHORIZATION_HEADER: 401,
  FST_ERR_NOT_FOUND: 404,
  FST_ERR_CTP_BODY_TOO_LARGE: 413,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 415,
  FST_ERR_CTP_INVALID_TYPE: 415,
};

/** Fastify transport codes get a readable code of ours, so clients never see framework names. */
const RENAMED: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
  FST_BASIC_AUTH_MISSING_OR_BAD_AUTHORIZATION_HEADER: 'UNAUTHENTICATED',
  FST_ERR_NOT_FOUND: 'NOT_FOUND',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

const RETRY_AFTER_DEFAULT_SECONDS = 5;

/**
 * Turns any thrown value into the answer the client gets. Pure: the caller logs. A dependency outage is
 * a 503 with Retry-After, never a 500; only a genuine bug is a 500, and its message is not shown.
 */
export function toErrorResponse(err: unknown): ErrorResponse {
  const e = err instanceof Error ? err : new Error(String(err));
  const rawCode = (e as { code?: unknown }).code;
  const code = typeof rawCode === 'string' ? rawCode : undefined;
  const details = (e as { details?: unknown }).details;
  const mapped = code === undefined ? undefined : STATUS_BY_CODE[code];

  if (mapped !== undefined && code !== undefined) {
    const body: ErrorBody = { code: RENAMED[code] ?? code, message: publicMessage(e, mapped) };
    const problems = problemsOf(e, details);
    if (problems.length > 0) {
      body.problems = problems;
    } else if (mapped === 400 && body.code === 'VALIDATION_FAILED') {
      body.problems = [{ path: 'body', message: e.message }];
    }
    const currentVersion = currentVersionOf(e, details);
    if (currentVersion !== undefined) {
      body.currentVersion = currentVersion;
    }
    const headers: Record<string, string> = {};
    if (currentVersion !== undefined && mapped === 409) {
      headers.etag = `"${currentVersion}"`;
    }
    return { status: mapped, body, headers };
  }

  if (isDependencyOutage(e)) {
    const seconds = retryAfterSeconds(e) ?? RETRY_AFTER_DEFAULT_SECONDS;
    return {
      status: 503,
      body: {
        code: 'DEPENDENCY_UNAVAILABLE',
        message: 'A dependency of the service is unavailable; retry later.',
      },
      headers: { 'retry-after': String(seconds) },
    };
  }

  if (code !== undefined && code.startsWith('GENESYS_')) {
    return {
      status: 502,
      body: { code: 'UPSTREAM_ERROR', message: 'Genesys Cloud refused the call made for this request.' },
      headers: {},
    };
  }

  // One of our errors with its own 4xx status (AppError.httpStatus) keeps its code and status.
  const httpStatus = (e as { httpStatus?: unknown }).httpStatus;
  if (code !== undefined && typeof httpStatus === 'number' && httpStatus >= 400 && httpStatus < 500) {
    return { status: httpStatus, body: { code, message: e.message }, headers: {} };
  }

  // A fastify or plugin error with an explicit 4xx status (e.g. a malformed URL) keeps its status.
  const statusCode = (e as { statusCode?: unknown }).statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return {
      status: statusCode,
      body: {
        code: code !== undefined ? (RENAMED[code] ?? 'BAD_REQUEST') : 'BAD_REQUEST',
        message: e.message,
      },
      headers: {},
    };
  }

  return {
    status: 500,
    body: { code: 'INTERNAL', message: 'Internal error; it has been logged.' },
    headers: {},
  };
}

function publicMessage(e: Error, status: number): string {
  switch (status) {
    case 413:
      return 'Request body is larger than the limit.';
    case 415:
      return 'Content-Type must be application/json.';
    default:
      return e.message;
  }
}

function problemsOf(e: Error, details: unknown): Problem[] {
  const raw =
    (e as { problems?: unknown }).problems ??
    (isRecord(details) ? (details.problems ?? details.issues) : undefined);
  if (!Array.isArray(raw)) {
    return [];
  }
  return raw.map((p): Problem => {
    if (typeof p === 'string') {
      const at = p.indexOf(': ');
      return at > 0 ? { path: p.slice(0, at), message: p.slice(at + 2) } : { path: 'body', message: p };
    }
    if (isRecord(p)) {
      const path = Array.isArray(p.path) ? p.path.join('.') : typeof p.path === 'string' ? p.path : 'body';
      return { path: path === '' ? 'body' : path, message: String(p.message ?? 'invalid') };
    }
    return { path: 'body', message: String(p) };
  });
}

function currentVersionOf(e: Error, details: unknown): number | undefined {
  const v =
    (e as { currentVersion?: unknown }).currentVersion ??
    (isRecord(details) ? details.currentVersion : undefined);
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
