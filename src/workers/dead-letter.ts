import type { Queue } from 'bullmq';

/** What a dead-lettered presence-change job leaves for operators: ids and the reason, no payload text. */
export interface DeadLetterEntry {
  queue: string;
  jobId?: string | undefined;
  requestId?: string | undefined;
  userId?: string | undefined;
  version?: number | undefined;
  /** Stable error code (`GENESYS_BAD_REQUEST`, `JOB_INVALID_PAYLOAD`, …). */
  code: string;
  reason: string;
  attemptsMade: number;
  failedAt: string;
}

export interface DeadLetterSink {
  send(entry: DeadLetterEntry): Promise<void>;
}

/**
 * The dead-letter queue (`presence-change-dead-letter`): one job per failed presence-change job, id = the failed
 * job's id (sending twice adds nothing). It has no worker: operators read it in Bull Board or with
 * `presence-worker dead-letter list`, and re-drive with `presence-worker dead-letter redrive`
 * (src/cli/dead-letter-command.ts). Entries are kept 30 days.
 */
export class DeadLetterQueue implements DeadLetterSink {
  constructor(private readonly queue: Pick<Queue, 'add'>) {}

  async send(entry: DeadLetterEntry): Promise<void> {
    await this.queue.add('dead-letter', entry, {
      ...(entry.jobId === undefined ? {} : { jobId: `dl-${entry.jobId}` }),
      removeOnComplete: true,
      removeOnFail: { age: 30 * 86_400 },
    });
  }
}
