import { isAxiosError } from 'axios';
import {
  GenesysAuthError,
  GenesysBadRequestError,
  GenesysCircuitOpenError,
  GenesysConflictError,
  GenesysError,
  type GenesysErrorInfo,
  GenesysForbiddenError,
  GenesysNetworkError,
  GenesysNotFoundError,
  GenesysRateLimitedError,
  GenesysServerError,
  GenesysTimeoutError,
  isGenesysError,
} from './errors';
import { parseRetryAfter } from './retry-after';
import { errorBodySchema, oauthErrorSchema } from './schemas';

export interface ErrorContext {
  method: string;
  route: string;
  /** Used for a 429 without `Retry-After`. */
  defaultRetryAfterMs?: number;
  /** Wait left before a half-open trial, for `GENESYS_CIRCUIT_OPEN`. */
  breakerRetryAfterMs?: number;
}

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);

/**
 * The one place where axios and opossum errors become {@link GenesysError}s. Nothing of the original error
 * survives except its code and message: no request config, no headers (the Authorization header), no body.
 */
export function toGenesysError(err: unknown, ctx: ErrorContext): GenesysError {
  if (isGenesysError(err)) {
    return err;
  }
  const where = `${ctx.method} ${ctx.route}`;
  const base: GenesysErrorInfo = { method: ctx.method, route: ctx.route };

  if (isAxiosError(err)) {
    const response = err.response;
    if (response === undefined) {
      const cause = sanitizedCause(err.code, err.message);
      if (err.code !== undefined && TIMEOUT_CODES.has(err.code)) {
        return new GenesysTimeoutError(`${where}: no response in time (${err.code})`, { ...base, cause });
      }
      return new GenesysNetworkError(`${where}: ${err.code ?? 'network error'}: ${err.message}`, {
        ...base,
        cause,
      });
    }
    return fromResponse(response.status, response.headers as Record<string, unknown>, response.data, ctx);
  }

  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'EOPENBREAKER') {
    return new GenesysCircuitOpenError(`${where}: circuit breaker open, Genesys calls are paused`, {
      ...base,
      retryAfterMs: ctx.breakerRetryAfterMs,
    });
  }
  if (code === 'ESHUTDOWN') {
    return new GenesysCircuitOpenError(`${where}: the Genesys client is shut down`, base);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new GenesysNetworkError(`${where}: ${message}`, {
    ...base,
    cause: sanitizedCause(typeof code === 'string' ? code : undefined, message),
  });
}

/** Maps an HTTP error answer (status, headers, parsed body) to the error class for that status. */
export function fromResponse(
  status: number,
  headers: Record<string, unknown>,
  data: unknown,
  ctx: ErrorContext,
): GenesysError {
  const body = errorBodySchema.safeParse(data);
  const oauth = oauthErrorSchema.safeParse(data);
  const genesysCode = body.success && body.data.code !== undefined ? body.data.code : oauth.data?.error;
  const text =
    (body.success ? body.data.message : undefined) ??
    oauth.data?.error_description ??
    oauth.data?.description ??
    `HTTP ${status}`;
  const correlationHeader = headers['inin-correlation-id'];
  const correlationId =
    typeof correlationHeader === 'string'
      ? correlationHeader
      : body.success
        ? body.data.contextId
        : undefined;
  const info: GenesysErrorInfo = {
    method: ctx.method,
    route: ctx.route,
    httpStatus: status,
    genesysCode,
    correlationId,
  };
  const message = `${ctx.method} ${ctx.route} → ${status}${genesysCode === undefined ? '' : ` ${genesysCode}`}: ${text}`;

  if (status === 429) {
    const retryAfterMs =
      parseRetryAfter(headers['retry-after'], body.success ? body.data.message : undefined) ??
      ctx.defaultRetryAfterMs ??
      3_000;
    return new GenesysRateLimitedError(message, { ...info, retryAfterMs });
  }
  if (status === 401 || (oauth.success && (status === 400 || status === 403))) {
    return new GenesysAuthError(message, info);
  }
  if (status === 403) {
    return new GenesysForbiddenError(message, info);
  }
  if (status === 404) {
    return new GenesysNotFoundError(message, info);
  }
  if (status === 409) {
    return new GenesysConflictError(message, info);
  }
  if (status >= 500) {
    return new GenesysServerError(message, info);
  }
  return new GenesysBadRequestError(message, info);
}

function sanitizedCause(code: string | undefined, message: string): Error {
  const cause = new Error(message);
  cause.name = 'TransportError';
  if (code !== undefined) {
    (cause as Error & { code?: string }).code = code;
  }
  return cause;
}
