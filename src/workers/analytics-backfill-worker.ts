import { DelayedError, RateLimitError, UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { UserDetailsQuery } from '../genesys';
import type { Component } from '../lifecycle';
import { errorFacts, jobActionForError } from '../policy/job-outcome';
import type { RedisConnection } from '../redis';
import {
  splitInterval,
  transitionsFromAnalytics,
  type AnalyticsUserDetailLike,
} from '../timetracking/analytics-transitions';
import {
  ANALYTICS_BACKFILL_QUEUE,
  BACKFILL_RANGE_JOB,
  BACKFILL_SCHEDULED_JOB,
  backfillRangeJobSchema,
  requestBackfill,
  type BackfillJobConfig,
  type BackfillRangeJob,
} from './analytics-backfill-queue';
import { enqueueTransitions, type PresenceEventsJobConfig } from './presence-events-queue';

/** The analytics call the backfill makes (the `GenesysClient` method of the same name). */
export interface BackfillAnalytics {
  queryAllUserDetails(
    body: UserDetailsQuery,
    options?: { pageSize?: number; maxPages?: number },
  ): Promise<{ data: readonly AnalyticsUserDetailLike[] }>;
}

export interface BackfillObserver {
  onBackfilled?(job: BackfillRangeJob, transitions: number): void;
}

export interface AnalyticsBackfillWorkerDeps {
  connection: RedisConnection;
  config: BackfillJobConfig &
    PresenceEventsJobConfig &
    Pick<Config, 'QUEUE_PREFIX' | 'BACKFILL_EVERY_MS' | 'BACKFILL_MARGIN_MS' | 'BREAKER_RESET_MS'>;
  analytics: BackfillAnalytics;
  /** The managed agents (the scheduled run backfills all of them). */
  roster: { list(): Promise<readonly string[]> };
  /** The analytics-backfill queue (fan-out of scheduled runs, queue-wide rate limit on 429). */
  queue: Queue;
  presenceEventsQueue: Pick<Queue, 'addBulk'>;
  logger: Logger;
  /** Genesys' clock (the scheduled window ends now). */
  now?: () => number;
  /** Records per analytics page (default 100). */
  pageSize?: number;
  observer?: BackfillObserver;
}

/** Analytics interval cap with a user filter (genesys-api.md §6.1). */
const MAX_INTERVAL_MS = 31 * 86_400_000;

/**
 * The `analytics-backfill` worker: queries `POST /api/v2/analytics/users/details/query` for a set of agents over
 * an interval (split at the 31-day cap, every page read) and queues every presence and routing-status record as a
 * transition. Recording is idempotent, so overlapping backfills and the stream merge into the same segments.
 */
export class AnalyticsBackfillWorker implements Component {
  readonly name = 'analytics-backfill-worker';
  private worker: Worker | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: AnalyticsBackfillWorkerDeps) {
    this.now = deps.now ?? Date.now;
  }

  async start(): Promise<void> {
    const { deps } = this;
    this.worker = new Worker(ANALYTICS_BACKFILL_QUEUE, (job, token) => this.process(job, token), {
      connection: deps.connection,
      prefix: deps.config.QUEUE_PREFIX,
      concurrency: 2,
    });
    this.worker.on('error', (err) =>
      deps.logger.error({ err, queue: ANALYTICS_BACKFILL_QUEUE }, 'analytics-backfill worker error'),
    );
    this.worker.on('failed', (job, err) =>
      deps.logger.warn(
        { err, queue: ANALYTICS_BACKFILL_QUEUE, jobId: job?.id },
        'analytics-backfill job failed',
      ),
    );
    await this.worker.waitUntilReady();
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    this.worker = undefined;
  }

  private async process(job: Job, token: string | undefined): Promise<number> {
    if (job.name === BACKFILL_SCHEDULED_JOB) {
      return this.fanOut();
    }
    if (job.name !== BACKFILL_RANGE_JOB) {
      throw new UnrecoverableError(`unknown analytics-backfill job "${job.name}"`);
    }
    const parsed = backfillRangeJobSchema.safeParse(job.data);
    if (!parsed.success) {
      throw new UnrecoverableError(
        `invalid analytics-backfill payload: ${parsed.error.issues[0]?.message ?? ''}`,
      );
    }
    try {
      return await this.backfill(parsed.data);
    } catch (err) {
      return this.onError(job, token, err);
    }
  }

  /** The scheduled run: every managed agent over the last period plus the margin. */
  private async fanOut(): Promise<number> {
    const { config } = this.deps;
    const users = await this.deps.roster.list();
    const toMs = this.now();
    return requestBackfill(this.deps.queue, config, {
      userIds: users,
      fromMs: toMs - config.BACKFILL_EVERY_MS - config.BACKFILL_MARGIN_MS,
      toMs,
      reason: 'scheduled',
    });
  }

  private async backfill(job: BackfillRangeJob): Promise<number> {
    const fromMs = Date.parse(job.from);
    // Not capped at now: a record starting exactly now would fall outside an interval ending now.
    const toMs = Date.parse(job.to);
    let count = 0;
    for (const part of splitInterval(fromMs, toMs, MAX_INTERVAL_MS)) {
      const body: UserDetailsQuery = {
        interval: `${new Date(part.fromMs).toISOString()}/${new Date(part.toMs).toISOString()}`,
        userFilters: [
          { type: 'or', predicates: job.userIds.map((id) => ({ dimension: 'userId', value: id })) },
        ],
        order: 'asc',
        paging: { pageSize: this.deps.pageSize ?? 100, pageNumber: 1 },
      };
      const details = await this.deps.analytics.queryAllUserDetails(body, {
        pageSize: this.deps.pageSize ?? 100,
      });
      const transitions = transitionsFromAnalytics(details.data);
      await enqueueTransitions(this.deps.presenceEventsQueue, this.deps.config, transitions);
      count += transitions.length;
    }
    this.deps.logger.debug(
      {
        queue: ANALYTICS_BACKFILL_QUEUE,
        users: job.userIds.length,
        from: job.from,
        to: job.to,
        transitions: count,
      },
      'backfilled',
    );
    this.deps.observer?.onBackfilled?.(job, count);
    return count;
  }

  private async onError(job: Job, token: string | undefined, err: unknown): Promise<never> {
    const action = jobActionForError(err, {
      attemptsMade: job.attemptsMade,
      attempts: job.opts.attempts ?? 1,
      breakerResetMs: this.deps.config.BREAKER_RESET_MS,
      defaultRateLimitMs: 3_000,
    });
    const log = this.deps.logger;
    switch (action.kind) {
      case 'rate-limit':
        log.warn(
          { queue: ANALYTICS_BACKFILL_QUEUE, waitMs: action.delayMs },
          'Genesys rate limit: pausing backfill',
        );
        await this.deps.queue.rateLimit(action.delayMs);
        throw new RateLimitError();
      case 'delay':
        await job.moveToDelayed(Date.now() + action.delayMs, token);
        throw new DelayedError();
      case 'retry':
        throw err;
      case 'fail':
        log.error(
          {
            queue: ANALYTICS_BACKFILL_QUEUE,
            jobId: job.id,
            code: errorFacts(err).code,
            reason: action.reason,
          },
          'analytics backfill failed for good',
        );
        throw new UnrecoverableError(`${action.code}: ${action.reason}`);
    }
  }
}
