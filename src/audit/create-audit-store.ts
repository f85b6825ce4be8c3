import type { Logger } from 'pino';
import type { Config } from '../config';
import type { AuditStore } from './audit-store';
import { JsonlAuditStore } from './jsonl-audit-store';
import { PostgresAuditStore } from './postgres-audit-store';

export type AuditStoreConfig = Pick<Config, 'AUDIT_DATABASE_URL' | 'AUDIT_DATABASE_SCHEMA' | 'AUDIT_DIR'>;

/**
 * The configured audit store: PostgreSQL when AUDIT_DATABASE_URL is set, else JSONL files under AUDIT_DIR.
 * `readOnly` opens it for verify/export (no migrations, no crash repair) while a worker may be writing.
 * The caller calls `open()` (the audit worker does in `start()`).
 */
export function createAuditStore(
  config: AuditStoreConfig,
  logger: Pick<Logger, 'info' | 'warn' | 'error'>,
  options: { readOnly?: boolean } = {},
): AuditStore {
  if (config.AUDIT_DATABASE_URL !== undefined) {
    return new PostgresAuditStore({
      connectionString: config.AUDIT_DATABASE_URL,
      schema: config.AUDIT_DATABASE_SCHEMA,
      logger,
      readOnly: options.readOnly,
    });
  }
  return new JsonlAuditStore({ dir: config.AUDIT_DIR, logger, readOnly: options.readOnly });
}
