/**
 * The project's error vocabulary: every error the service raises on purpose carries a stable `code`
 * that callers branch on (never `instanceof` across module boundaries), an optional HTTP status and a cause.
 */
export interface AppErrorOptions {
  httpStatus?: number;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly code: string;
  readonly httpStatus: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.httpStatus = options.httpStatus;
    this.details = options.details;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof Error && typeof (value as { code?: unknown }).code === 'string';
}
