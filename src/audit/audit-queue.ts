import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../config';
import { auditEventSchema, type AuditEvent } from './audit-event';

/** The BullMQ queue the audit worker consumes (ARCHITECTURE.md §3). */
export const AUDIT_QUEUE = 'audit';
/** Name of a single-event job on the audit queue; its data is one `AuditEvent`. */
export const AUDIT_JOB_NAME = 'audit-event';
/** Name of a batch job on the audit queue; its data is `{ events: AuditEvent[] }`, in chain order. */
export const AUDIT_BATCH_JOB_NAME = 'audit-batch';

/** The data of a batch job (ARCHITECTURE.md §3: the `audit` queue carries audit record batches). */
export const auditBatchSchema = z.object({ events: z.array(auditEventSchema).min(1) }).strict();

/** The events an audit job carries, or the problems that make it unreadable (field paths only, never values). */
export type AuditJobEvents = { ok: true; events: AuditEvent[] } | { ok: false; problems: string[] };

/**
 * Reads an audit job's data in either form: a batch `{ events: [...] }`, or one bare event (the only form before
 * batches, still accepted so jobs queued across an upgrade are written).
 */
export function eventsOfAuditJob(data: unknown): AuditJobEvents {
  const isBatch = typeof data === 'object' && data !== null && 'events' in data;
  if (isBatch) {
    const batch = auditBatchSchema.safeParse(data);
    return batch.success
      ? { ok: true, events: batch.data.events }
      : { ok: false, problems: problemsOf(batch.error) };
  }
  const single = auditEventSchema.safeParse(data);
  return single.success
    ? { ok: true, events: [single.data] }
    : { ok: false, problems: problemsOf(single.error) };
}

function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`);
}

const SAFE_JOB_ID = /^[A-Za-z0-9._~-]{1,128}$/;

/**
 * The job id of an event: the eventId itself, so BullMQ ignores a second add of the same event while the first
 * job is kept. BullMQ refuses integer-like ids and ids with ':'; such event ids map to a stable digest instead.
 */
export function auditJobId(eventId: string): string {
  if (SAFE_JOB_ID.test(eventId) && !/^\d+$/.test(eventId)) {
    return eventId;
  }
  return `evt-${createHash('sha256').update(eventId).digest('hex').slice(0, 40)}`;
}

/**
 * The job id of a batch: a digest of its event ids in order, so a retried identical emit adds nothing twice while
 * the first job is kept. Events that reach the queue twice in different batches are harmless: the audit worker
 * writes an event id once (it skips ids already in the store).
 */
export function auditBatchJobId(eventIds: readonly string[]): string {
  return `batch-${createHash('sha256').update(JSON.stringify(eventIds)).digest('hex').slice(0, 40)}`;
}

export interface AuditJobRetention {
  readonly removeOnComplete: { age: number; count: number };
  readonly removeOnFail: { age: number; count: number };
}

/** Finished audit jobs are only delivery receipts (the store is the record): keep them as the queue settings say. */
export function auditJobRetention(
  config: Pick<
    Config,
    'JOB_KEEP_COMPLETED' | 'JOB_KEEP_COMPLETED_SECONDS' | 'JOB_KEEP_FAILED' | 'JOB_KEEP_FAILED_SECONDS'
  >,
): AuditJobRetention {
  return {
    removeOnComplete: { age: config.JOB_KEEP_COMPLETED_SECONDS, count: config.JOB_KEEP_COMPLETED },
    removeOnFail: { age: config.JOB_KEEP_FAILED_SECONDS, count: config.JOB_KEEP_FAILED },
  };
}

export const DEFAULT_AUDIT_JOB_RETENTION: AuditJobRetention = {
  removeOnComplete: { age: 86_400, count: 1_000 },
  removeOnFail: { age: 604_800, count: 10_000 },
};
