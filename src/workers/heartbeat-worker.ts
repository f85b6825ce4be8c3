import { type Job, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Component } from '../lifecycle';
import type { RedisConnection } from '../redis';
import type { HeartbeatReport, HeartbeatSweep } from './heartbeat-sweep';
import { handleSweepError, type SkippedRun } from './scheduler-job-errors';
import { HEARTBEAT_QUEUE } from './scheduler-spec';

export interface HeartbeatWorkerDeps {
  /** Worker-profile connection; BullMQ duplicates it for blocking reads. */
  connection: RedisConnection;
  /** `QUEUE_PREFIX`. */
  prefix: string;
  sweep: Pick<HeartbeatSweep, 'run'>;
  logger: Logger;
  /** `BREAKER_RESET_MS`. */
  breakerResetMs: number;
}

/**
 * Consumes the `heartbeat` queue, one sweep at a time per process (and one across processes: the sweep's lease).
 * A 429 or an open breaker skips the run instead of delaying it: the next sweep is at most a period away.
 */
export class HeartbeatWorker implements Component {
  readonly name = 'heartbeat-worker';
  private worker: Worker | undefined;

  constructor(private readonly deps: HeartbeatWorkerDeps) {}

  async start(): Promise<void> {
    const log = this.deps.logger.child({ queue: HEARTBEAT_QUEUE });
    this.worker = new Worker(HEARTBEAT_QUEUE, (job, token) => this.process(job, token), {
      connection: this.deps.connection,
      prefix: this.deps.prefix,
      concurrency: 1,
      lockDuration: 120_000,
    });
    this.worker.on('error', (err) => log.error({ err }, 'heartbeat worker error'));
    this.worker.on('failed', (job, err) => log.warn({ err, jobId: job?.id }, 'heartbeat sweep failed'));
    await this.worker.waitUntilReady();
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    this.worker = undefined;
  }

  private async process(job: Job, token: string | undefined): Promise<HeartbeatReport | SkippedRun> {
    try {
      return await this.deps.sweep.run(String(job.id));
    } catch (err) {
      return handleSweepError(err, job, token, {
        onThrottle: 'skip',
        breakerResetMs: this.deps.breakerResetMs,
        defaultRateLimitMs: 3_000,
      });
    }
  }
}
