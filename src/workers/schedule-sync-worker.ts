import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Component } from '../lifecycle';
import type { RedisConnection } from '../redis';
import { handleSweepError, type SkippedRun } from './scheduler-job-errors';
import { SCHEDULE_SYNC_QUEUE } from './scheduler-spec';
import { scheduleSyncJobSchema } from './schedule-sync-job';
import type { ScheduleSync, ScheduleSyncReport } from './schedule-sync-service';

export interface ScheduleSyncWorkerDeps {
  /** Worker-profile connection (`maxRetriesPerRequest: null`); BullMQ duplicates it for blocking reads. */
  connection: RedisConnection;
  /** `QUEUE_PREFIX`. */
  prefix: string;
  sync: Pick<ScheduleSync, 'syncBusinessUnit'>;
  logger: Logger;
  /** Business units synced at once by this process (default 2). */
  concurrency?: number;
  /** `BREAKER_RESET_MS`: wait when the breaker is open. */
  breakerResetMs: number;
}

/** Consumes the `schedule-sync` queue: one job = one business unit synced into the schedule cache. */
export class ScheduleSyncWorker implements Component {
  readonly name = 'schedule-sync-worker';
  private worker: Worker | undefined;

  constructor(private readonly deps: ScheduleSyncWorkerDeps) {}

  async start(): Promise<void> {
    const log = this.deps.logger.child({ queue: SCHEDULE_SYNC_QUEUE });
    this.worker = new Worker(SCHEDULE_SYNC_QUEUE, (job, token) => this.process(job, token), {
      connection: this.deps.connection,
      prefix: this.deps.prefix,
      concurrency: this.deps.concurrency ?? 2,
      // A search may wait SCHEDULE_SEARCH_WAIT_MS for an async result: keep the lock well past that.
      lockDuration: 120_000,
    });
    this.worker.on('error', (err) => log.error({ err }, 'schedule-sync worker error'));
    this.worker.on('failed', (job, err) =>
      log.warn({ err, jobId: job?.id, attemptsMade: job?.attemptsMade }, 'schedule sync failed'),
    );
    await this.worker.waitUntilReady();
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    this.worker = undefined;
  }

  private async process(job: Job, token: string | undefined): Promise<ScheduleSyncReport | SkippedRun> {
    const parsed = scheduleSyncJobSchema.safeParse(job.data);
    if (!parsed.success) {
      throw new UnrecoverableError(
        `JOB_INVALID_PAYLOAD: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
      );
    }
    try {
      return await this.deps.sync.syncBusinessUnit(parsed.data.businessUnitId, parsed.data.reason);
    } catch (err) {
      return handleSweepError(err, job, token, {
        onThrottle: 'delay',
        breakerResetMs: this.deps.breakerResetMs,
        defaultRateLimitMs: 3_000,
      });
    }
  }
}
