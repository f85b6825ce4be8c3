import { AppError, type AppErrorOptions } from '../app-error';

/**
 * The audit trail's error codes. Callers branch on `code`:
 * - `AUDIT_INVALID_EVENT`: an event does not match `auditEventSchema` (never retried).
 * - `AUDIT_STORE_UNAVAILABLE`: the store could not be reached or written; the batch is retried.
 * - `AUDIT_CHAIN_CONFLICT`: the batch does not continue the stored chain (another writer appended); re-read the head.
 * - `AUDIT_FENCED`: a writer with a newer fencing token has written; this writer must stop.
 * - `AUDIT_STORE_CORRUPT`: the store holds something that is not a record where one must be; needs an operator.
 * - `AUDIT_RECORD_UNREADABLE`: a stored record cannot be parsed (verify reports it as a broken record).
 * - `AUDIT_CHECKPOINT_INVALID`: a checkpoint's signature does not match, or no key is configured to check it.
 * - `AUDIT_RETENTION_REFUSED`: retention was asked for something it will not do (see the message).
 */
export type AuditErrorCode =
  | 'AUDIT_INVALID_EVENT'
  | 'AUDIT_STORE_UNAVAILABLE'
  | 'AUDIT_CHAIN_CONFLICT'
  | 'AUDIT_FENCED'
  | 'AUDIT_STORE_CORRUPT'
  | 'AUDIT_RECORD_UNREADABLE'
  | 'AUDIT_CHECKPOINT_INVALID'
  | 'AUDIT_RETENTION_REFUSED';

export class AuditError extends AppError {
  declare readonly code: AuditErrorCode;

  constructor(code: AuditErrorCode, message: string, options: AppErrorOptions = {}) {
    super(code, message, options);
  }
}

export function isAuditError(value: unknown, code?: AuditErrorCode): value is AuditError {
  return (
    value instanceof Error &&
    typeof (value as { code?: unknown }).code === 'string' &&
    (code === undefined || (value as unknown as { code: string }).code === code)
  );
}
