import type { JobsOptions } from 'bullmq';
import { auditEventSchema, type AuditEmitter, type AuditEvent } from './audit-event';
import { AuditError } from './audit-errors';
import {
  AUDIT_JOB_NAME,
  auditJobId,
  DEFAULT_AUDIT_JOB_RETENTION,
  type AuditJobRetention,
} from './audit-queue';

/** What the emitter needs of the `audit` BullMQ Queue (a `Queue` satisfies it). */
export interface AuditQueueLike {
  addBulk(jobs: { name: string; data: AuditEvent; opts?: JobsOptions }[]): Promise<unknown>;
}

/**
 * Sends audit events to the `audit` queue: validated against `auditEventSchema` (nothing else, such as a token,
 * can ride along), one `addBulk` per call, job id = event id so a retried emit adds nothing twice while the job is
 * kept, finished jobs removed by the retention given. Construct with the one `audit` Queue of the process.
 */
export class AuditQueueEmitter implements AuditEmitter {
  constructor(
    private readonly queue: AuditQueueLike,
    private readonly retention: AuditJobRetention = DEFAULT_AUDIT_JOB_RETENTION,
  ) {}

  async emit(events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) {
      return;
    }
    const jobs = events.map((event, index) => {
      const parsed = auditEventSchema.safeParse(event);
      if (!parsed.success) {
        // Name the fields only: values may be personal data.
        const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`);
        throw new AuditError(
          'AUDIT_INVALID_EVENT',
          `audit event #${index} is invalid: ${problems.join('; ')}`,
          {
            details: { problems },
          },
        );
      }
      return {
        name: AUDIT_JOB_NAME,
        data: parsed.data,
        opts: {
          jobId: auditJobId(parsed.data.eventId),
          removeOnComplete: this.retention.removeOnComplete,
          removeOnFail: this.retention.removeOnFail,
        },
      };
    });
    await this.queue.addBulk(jobs);
  }
}
