import type { JobsOptions } from 'bullmq';
import { MicroBatcher, type Settled } from '../pipeline/micro-batcher';
import { auditEventSchema, type AuditEmitter, type AuditEvent } from './audit-event';
import { AuditError } from './audit-errors';
import {
  AUDIT_BATCH_JOB_NAME,
  AUDIT_JOB_NAME,
  auditBatchJobId,
  auditJobId,
  DEFAULT_AUDIT_JOB_RETENTION,
  type AuditJobRetention,
} from './audit-queue';

/** The data of a job on the `audit` queue: one event (the single-event form) or a batch. */
export type AuditJobData = AuditEvent | { events: AuditEvent[] };

/** What the emitter needs of the `audit` BullMQ Queue (a `Queue` satisfies it). */
export interface AuditQueueLike {
  addBulk(jobs: { name: string; data: AuditJobData; opts?: JobsOptions }[]): Promise<unknown>;
}

export interface AuditQueueEmitterOptions {
  /**
   * Collect the events of concurrent emit calls for up to this long and add them as one batch job (0 = no
   * collecting: one job per call). Each call still resolves only once the job carrying its events was added.
   */
  batchWindowMs?: number;
  /** A collected batch is sent at once when it holds the events of this many calls. */
  maxBatchCalls?: number;
}

/** What the service uses: a few ms of collecting turns the outcome events of concurrent jobs into one job. */
export const SERVICE_AUDIT_EMIT_BATCHING: Required<AuditQueueEmitterOptions> = {
  batchWindowMs: 2,
  maxBatchCalls: 64,
};

/**
 * Sends audit events to the `audit` queue, validated against `auditEventSchema` (nothing else, such as a token,
 * can ride along; an invalid event refuses its own call only). One call adds one job: a lone event as a
 * single-event job (job id = event id), several as one batch job (job id = digest of the event ids, in order), so
 * a retried identical emit adds nothing twice while the job is kept. With `batchWindowMs`, the events of calls
 * made within the window go out together as one batch job, in call order. Finished jobs are removed by the
 * retention given. Construct with the one `audit` Queue of the process.
 */
export class AuditQueueEmitter implements AuditEmitter {
  private readonly batcher: MicroBatcher<AuditEvent[], void> | undefined;

  constructor(
    private readonly queue: AuditQueueLike,
    private readonly retention: AuditJobRetention = DEFAULT_AUDIT_JOB_RETENTION,
    options: AuditQueueEmitterOptions = {},
  ) {
    const windowMs = options.batchWindowMs ?? 0;
    if (windowMs > 0) {
      this.batcher = new MicroBatcher<AuditEvent[], void>({
        windowMs,
        // Counted in calls; a call of the presence pipeline carries one or two events.
        maxSize: Math.max(1, options.maxBatchCalls ?? SERVICE_AUDIT_EMIT_BATCHING.maxBatchCalls),
        flush: async (calls) => {
          await this.add(calls.flat());
          return calls.map((): Settled<void> => ({ ok: true, value: undefined }));
        },
      });
    }
  }

  async emit(events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) {
      return;
    }
    const parsed = events.map((event, index) => {
      const result = auditEventSchema.safeParse(event);
      if (!result.success) {
        // Name the fields only: values may be personal data.
        const problems = result.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`);
        throw new AuditError(
          'AUDIT_INVALID_EVENT',
          `audit event #${index} is invalid: ${problems.join('; ')}`,
          {
            details: { problems },
          },
        );
      }
      return result.data;
    });
    await (this.batcher === undefined ? this.add(parsed) : this.batcher.add(parsed));
  }

  /** Sends what is being collected now and waits until every job collected so far was added (or failed). */
  async flush(): Promise<void> {
    await this.batcher?.drain();
  }

  private async add(events: AuditEvent[]): Promise<void> {
    const opts = {
      removeOnComplete: this.retention.removeOnComplete,
      removeOnFail: this.retention.removeOnFail,
    };
    const [only] = events;
    const job =
      events.length === 1 && only !== undefined
        ? { name: AUDIT_JOB_NAME, data: only, opts: { ...opts, jobId: auditJobId(only.eventId) } }
        : {
            name: AUDIT_BATCH_JOB_NAME,
            data: { events },
            opts: { ...opts, jobId: auditBatchJobId(events.map((e) => e.eventId)) },
          };
    await this.queue.addBulk([job]);
  }
}
