import { Queue, type Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { AuditEmitter } from '../audit/audit-event';
import type { Config } from '../config';
import type { Component } from '../lifecycle';
import { AgentStateStore } from '../jobs/agent-state-store';
import { EnqueuePublisher } from '../jobs/enqueue-publisher';
import type { PresenceJobConfig } from '../jobs/presence-change-job';
import { PRESENCE_CHANGE_QUEUE, PRESENCE_DEAD_LETTER_QUEUE } from '../jobs/queue-names';
import { PresenceApplier } from '../pipeline/presence-applier';
import type { PresenceApi } from '../pipeline/presence-api';
import type { PresencePolicy } from '../policy/presence-policy';
import type { RedisConnection } from '../redis';
import type { ScheduleSource } from '../schedule/agent-timeline';
import { DeadLetterQueue } from './dead-letter';
import { PresenceLeaseKeeper } from './presence-lease-keeper';
import type { PresencePipelineObserver } from './presence-observer';
import { PresenceProcessor, type PresenceJobResult } from './presence-processor';
import { ReadableJobWorker } from './readable-job-worker';

export type PresenceWorkerConfig = PresenceJobConfig &
  Pick<
    Config,
    | 'QUEUE_PREFIX'
    | 'WORKER_CONCURRENCY'
    | 'BATCH_WINDOW_MS'
    | 'BATCH_MAX_USERS'
    | 'AGENT_LEASE_MS'
    | 'JOB_LOCK_MS'
    | 'REQUEST_TTL_SECONDS'
    | 'OBSERVED_PRESENCE_MAX_AGE_MS'
    | 'BREAKER_RESET_MS'
    | 'OUTBOX_RECOVERY_AFTER_MS'
    | 'SHUTDOWN_TIMEOUT_MS'
  >;

/** The `Queue` objects the worker adds to (outbox recovery, rate limits) and dead-letters into. */
export interface PresenceWorkerQueues {
  presenceChange: Queue;
  deadLetter: Queue;
}

export interface PresenceWorkerDeps {
  config: PresenceWorkerConfig;
  /** Worker-profile connection (`maxRetriesPerRequest: null`); BullMQ duplicates it for its blocking reads. */
  connection: RedisConnection;
  /** The Genesys client (or anything with the same presence calls and budget check). */
  genesys: PresenceApi;
  schedule: ScheduleSource;
  policy: PresencePolicy;
  audit: AuditEmitter;
  logger: Logger;
  observer?: PresencePipelineObserver | undefined;
  /**
   * The composition root's `presence-change` and `presence-change-dead-letter` queues (one `Queue` per name per
   * process), left open by `stop()`. Absent → the worker creates its own on the worker connection and closes them.
   */
  queues?: PresenceWorkerQueues | undefined;
  /** Distinguishes several workers in one process in logs. */
  name?: string;
  now?: () => number;
}

/**
 * The presence-change worker: a BullMQ `Worker` on `presence-change` (concurrency `WORKER_CONCURRENCY`) running
 * {@link PresenceProcessor}, with its micro-batching applier, lease keeper, dead-letter queue and the periodic
 * outbox recovery. `stop()` drains: no new jobs, active ones finish (bounded by `SHUTDOWN_TIMEOUT_MS`), pending
 * batches flush, then the queues it created close. The Redis connection (and queues given) belong to the caller.
 */
export class PresenceWorker implements Component {
  readonly name: string;
  private worker: Worker<unknown, PresenceJobResult> | undefined;
  /** Queues created by this worker (closed on stop); empty when the caller gave them. */
  private ownQueues: Queue[] = [];
  private recoveryTimer: NodeJS.Timeout | undefined;
  private recovering: Promise<unknown> | undefined;
  private readonly applier: PresenceApplier;
  private readonly leases: PresenceLeaseKeeper;
  private readonly store: AgentStateStore;
  private readonly logger: Logger;

  constructor(private readonly deps: PresenceWorkerDeps) {
    this.name = deps.name ?? 'presence-worker';
    this.logger = deps.logger.child({ component: this.name, queue: PRESENCE_CHANGE_QUEUE });
    const { config } = deps;
    this.store = new AgentStateStore(deps.connection, config.QUEUE_PREFIX);
    this.applier = new PresenceApplier(deps.genesys, {
      windowMs: config.BATCH_WINDOW_MS,
      maxUsers: config.BATCH_MAX_USERS,
      observer: deps.observer,
      now: deps.now,
    });
    this.leases = new PresenceLeaseKeeper(this.store, config.AGENT_LEASE_MS, this.logger);
  }

  async start(): Promise<void> {
    const { config, connection } = this.deps;
    const prefix = config.QUEUE_PREFIX;
    const { presenceChange: queue, deadLetter: deadLetterQueue } = this.deps.queues ?? this.createQueues();

    const processor = new PresenceProcessor({
      store: this.store,
      applier: this.applier,
      schedule: this.deps.schedule,
      policy: this.deps.policy,
      audit: this.deps.audit,
      deadLetter: new DeadLetterQueue(deadLetterQueue),
      leases: this.leases,
      rateLimit: (ms) => queue.rateLimit(ms),
      settings: {
        leaseMs: config.AGENT_LEASE_MS,
        requestTtlMs: config.REQUEST_TTL_SECONDS * 1000,
        observedMaxAgeMs: config.OBSERVED_PRESENCE_MAX_AGE_MS,
        breakerResetMs: config.BREAKER_RESET_MS,
        defaultRateLimitMs: 3_000,
      },
      logger: this.logger,
      observer: this.deps.observer,
      now: this.deps.now,
    });

    const worker = new ReadableJobWorker<unknown, PresenceJobResult>(
      PRESENCE_CHANGE_QUEUE,
      (job, token) => processor.process(job, token),
      {
        connection,
        prefix,
        concurrency: config.WORKER_CONCURRENCY,
        // A limiter must be configured for manual queue rate limits (429, budget) to hold jobs back; this one
        // never limits by itself.
        limiter: { max: 1_000_000, duration: 1_000 },
        lockDuration: Math.max(config.JOB_LOCK_MS, config.AGENT_LEASE_MS),
        stalledInterval: config.JOB_LOCK_MS,
        // A job whose worker dies under it is run again (claim, lease and the once-only finalize make that safe).
        // One that stalls more often than this is failed by BullMQ without calling the processor;
        // `onDeferredFailure` below records its request as failed (JOB_STALLED) first.
        maxStalledCount: 3,
        autorun: false,
      },
    );
    worker.onDeferredFailure = (job, reason) => processor.failStalled(job, reason);
    worker.on('error', (err) => this.logger.error({ err }, 'presence worker error'));
    worker.on('failed', (job, err) =>
      this.logger.debug({ jobId: job?.id, err: { message: err.message } }, 'presence-change job failed'),
    );
    this.worker = worker;
    this.leases.start();
    void worker.run();
    await worker.waitUntilReady();

    const publisher = new EnqueuePublisher({
      redis: connection,
      queue,
      audit: this.deps.audit,
      config,
      logger: this.logger,
      observer: this.deps.observer,
      now: this.deps.now,
    });
    const every = Math.max(500, Math.floor(config.OUTBOX_RECOVERY_AFTER_MS / 2));
    this.recoveryTimer = setInterval(() => {
      this.recovering ??= publisher
        .recoverOutbox(config.OUTBOX_RECOVERY_AFTER_MS)
        .catch((err: unknown) => this.logger.warn({ err }, 'outbox recovery failed'))
        .finally(() => {
          this.recovering = undefined;
        });
    }, every);
    this.recoveryTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.recoveryTimer !== undefined) {
      clearInterval(this.recoveryTimer);
      this.recoveryTimer = undefined;
    }
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.deps.config.SHUTDOWN_TIMEOUT_MS);
      });
      const result = await Promise.race([worker.close().then(() => 'closed' as const), timedOut]);
      clearTimeout(timer);
      if (result === 'timeout') {
        this.logger.warn('presence worker did not drain in time; closing forcibly (jobs will be retried)');
        await worker.close(true);
      }
    }
    await this.applier.drain();
    await this.recovering;
    this.leases.stop();
    const own = this.ownQueues;
    this.ownQueues = [];
    await Promise.all(own.map((q) => q.close()));
  }

  private createQueues(): PresenceWorkerQueues {
    const { config, connection } = this.deps;
    const prefix = config.QUEUE_PREFIX;
    const presenceChange = new Queue(PRESENCE_CHANGE_QUEUE, { connection, prefix });
    const deadLetter = new Queue(PRESENCE_DEAD_LETTER_QUEUE, { connection, prefix });
    presenceChange.on('error', (err) => this.logger.error({ err }, 'presence-change queue error'));
    deadLetter.on('error', (err) => this.logger.error({ err }, 'dead-letter queue error'));
    this.ownQueues = [presenceChange, deadLetter];
    return { presenceChange, deadLetter };
  }
}
