import { createHash } from 'node:crypto';
import type { Config } from '../config';

/** The BullMQ queue the audit worker consumes (ARCHITECTURE.md §3). */
export const AUDIT_QUEUE = 'audit';
/** Name of every job on the audit queue; its data is one `AuditEvent`. */
export const AUDIT_JOB_NAME = 'audit-event';

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
