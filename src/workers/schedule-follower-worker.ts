import { type Job, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Component } from '../lifecycle';
import type { RedisConnection } from '../redis';
import { handleSweepError, type SkippedRun } from './scheduler-job-errors';
import { SCHEDULE_FOLLOW_QUEUE } from './scheduler-spec';
import type { FollowReport, ScheduleFollower } from './schedule-follower';

export interface ScheduleFollowerWorkerDeps {
  /** Worker-profile connection; BullMQ duplicates it for blocking reads. */
  connection: RedisConnection;
  /** `QUEUE_PREFIX`. */
  prefix: string;
  follower: Pick<ScheduleFollower, 'tick'>;
  logger: Logger;
  /** `BREAKER_RESET_MS`. */
  breakerResetMs: number;
}

/** Consumes the `schedule-follow` queue: ticks and boundary wake-ups both run one follower tick. */
export class ScheduleFollowerWorker implements Component {
  readonly name = 'schedule-follower-worker';
  private worker: Worker | undefined;

  constructor(private readonly deps: ScheduleFollowerWorkerDeps) {}

  async start(): Promise<void> {
    const log = this.deps.logger.child({ queue: SCHEDULE_FOLLOW_QUEUE });
    this.worker = new Worker(SCHEDULE_FOLLOW_QUEUE, (job, token) => this.process(job, token), {
      connection: this.deps.connection,
      prefix: this.deps.prefix,
      concurrency: 1,
    });
    this.worker.on('error', (err) => log.error({ err }, 'schedule-follower worker error'));
    this.worker.on('failed', (job, err) =>
      log.warn({ err, jobId: job?.id }, 'schedule follower tick failed'),
    );
    await this.worker.waitUntilReady();
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    this.worker = undefined;
  }

  private async process(job: Job, token: string | undefined): Promise<FollowReport | SkippedRun> {
    try {
      return await this.deps.follower.tick();
    } catch (err) {
      return handleSweepError(err, job, token, {
        onThrottle: 'skip',
        breakerResetMs: this.deps.breakerResetMs,
        defaultRateLimitMs: 1_000,
      });
    }
  }
}
