import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { canonicalJson } from '../../src/audit/canonical-json';
import { dayFileName } from '../../src/audit/jsonl-files';
import type { AuditRecord } from '../../src/audit/audit-record';
import type { AuditAppendOptions, AuditStore } from '../../src/audit/audit-store';
import { JsonlAuditStore } from '../../src/audit/jsonl-audit-store';
import { PostgresAuditStore } from '../../src/audit/postgres-audit-store';
import { createLogger } from '../../src/logger';
import { AuditWorker } from '../../src/workers/audit-worker';

/**
 * An audit worker process that crashes on cue: `after-append` stores its first batch and then stops answering
 * before acknowledging any job; `torn` writes part of its first batch (ending in half a line) and stops. The parent
 * SIGKILLs it as soon as it reports either.
 */
function env(name: string): string {
  const value = process.env[name];
  if (value === undefined) {
    throw new Error(`${name} is not set`);
  }
  return value;
}
const mode = env('CRASH_MODE') as 'after-append' | 'torn';
const logger = createLogger({ level: 'silent' });
const real: AuditStore =
  env('STORE') === 'postgres'
    ? new PostgresAuditStore({ connectionString: env('DATABASE_URL'), schema: env('SCHEMA'), logger })
    : new JsonlAuditStore({ dir: env('AUDIT_DIR'), logger });

const hang = (): Promise<never> => new Promise<never>(() => undefined);

const crashing: AuditStore = Object.assign(Object.create(real) as AuditStore, {
  async append(records: readonly AuditRecord[], options?: AuditAppendOptions): Promise<void> {
    const first = records[0] as AuditRecord;
    if (mode === 'torn') {
      const keep = Math.floor(records.length / 2);
      const lines = records.slice(0, keep).map((r) => `${canonicalJson(r)}\n`);
      const half = canonicalJson(records[keep]);
      await appendFile(
        join(env('AUDIT_DIR'), dayFileName(first.recordedAt)),
        lines.join('') + half.slice(0, half.length / 2),
      );
      process.send?.({ crashed: 'torn', written: keep });
      return hang();
    }
    await real.append(records, options);
    process.send?.({ crashed: 'after-append', written: records.length });
    return hang();
  },
});

const redis = new Redis(env('REDIS_URL'), { maxRetriesPerRequest: null });
const worker = new AuditWorker(
  { connection: redis, prefix: env('PREFIX'), store: crashing, logger },
  { batchSize: Number(env('BATCH')), leaseMs: 1_000, lockDurationMs: 1_000, stalledIntervalMs: 300 },
);
worker.start().then(
  () => process.send?.({ started: true }),
  (err: unknown) => {
    process.stderr.write(`child failed to start: ${String(err)}\n`);
    process.exit(1);
  },
);
