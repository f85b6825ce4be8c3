/**
 * The Genesys Cloud `ErrorBody` (genesys-api.md §2) and the error the emulator's handlers throw to produce one.
 * `contextId` always equals the response's `ININ-Correlation-Id`.
 */
export interface ErrorDetail {
  errorCode?: string;
  fieldName?: string;
  entityId?: string;
  entityName?: string;
}

export interface ErrorBody {
  message: string;
  code: string;
  status: number;
  contextId: string;
  details: ErrorDetail[];
  errors: ErrorBody[];
  messageWithParams?: string;
  messageParams?: Record<string, string>;
  entityId?: string;
  entityName?: string;
  limit?: { key: string; namespace: string; value: number };
}

export class EmulatorHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Partial<Omit<ErrorBody, 'message' | 'code' | 'status' | 'contextId'>> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'EmulatorHttpError';
  }

  toBody(contextId: string): ErrorBody {
    return {
      message: this.message,
      code: this.code,
      status: this.status,
      contextId,
      details: [],
      errors: [],
      ...this.extra,
    };
  }
}

export const badRequest = (message: string, extra?: EmulatorHttpError['extra']): EmulatorHttpError =>
  new EmulatorHttpError(400, 'bad.request', message, extra);

export const notFound = (message = 'The requested resource was not found.'): EmulatorHttpError =>
  new EmulatorHttpError(404, 'not.found', message);

export const authenticationRequired = (): EmulatorHttpError =>
  new EmulatorHttpError(
    401,
    'authentication.required',
    'No authentication bearer token specified in authorization header.',
  );

export const badCredentials = (): EmulatorHttpError =>
  new EmulatorHttpError(401, 'bad.credentials', 'Invalid login credentials.');

/** The normalised 429 (DF-429): exactly `message, code, status, contextId, details, errors` plus `Retry-After`. */
export function tooManyRequests(retryAfterSeconds: number): EmulatorHttpError {
  return new EmulatorHttpError(
    429,
    'too.many.requests.retry.after',
    `Rate limit exceeded the maximum. Retry the request in [${retryAfterSeconds}] seconds`,
    {},
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

const SERVER_ERRORS: Record<number, { code: string; message: string }> = {
  500: { code: 'internal.server.error', message: 'The server encountered an unexpected condition.' },
  502: { code: 'bad.gateway', message: 'The server received an invalid response from an upstream server.' },
  503: { code: 'service.unavailable', message: 'Service is currently unavailable.' },
  504: { code: 'request.timeout', message: 'The request timed out.' },
};

export function serverError(status: number): EmulatorHttpError {
  const known = SERVER_ERRORS[status] ?? { code: 'internal.server.error', message: 'Server error.' };
  return new EmulatorHttpError(status, known.code, known.message);
}
