import { UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Component } from '../lifecycle';
import type { RedisConnection } from '../redis';
import type { SegmentOutbox } from '../timetracking/segment-outbox';
import type { RecordResult, SegmentStore } from '../timetracking/segment-store';
import { transitionSchema, type Transition } from '../timetracking/transition';
import { PRESENCE_EVENTS_QUEUE } from './presence-events-queue';
import { requestCut, type TimeExportJobConfig } from './time-export-queue';

export interface PresenceEventsObserver {
  onRecorded?(transition: Transition, result: RecordResult): void;
}

export interface PresenceEventsWorkerDeps {
  connection: RedisConnection;
  config: TimeExportJobConfig & Pick<Config, 'QUEUE_PREFIX' | 'PRESENCE_EVENTS_CONCURRENCY'>;
  store: Pick<SegmentStore, 'record'>;
  outbox: Pick<SegmentOutbox, 'append'>;
  /** The time-export queue: changed segments ask for a cut. */
  exportQueue: Pick<Queue, 'add'>;
  logger: Logger;
  /** Delay of the cut after a change, so nearby changes share one batch. */
  cutDelayMs?: number;
  observer?: PresenceEventsObserver;
}

/**
 * The `presence-events` worker: records each observed transition in the segment store (idempotent, any order) and
 * puts the segments it closed or corrected into the export outbox. A retried job re-emits its segments, since its
 * first attempt may have recorded the transition and died before the outbox write.
 */
export class PresenceEventsWorker implements Component {
  readonly name = 'presence-events-worker';
  private worker: Worker | undefined;

  constructor(private readonly deps: PresenceEventsWorkerDeps) {}

  async start(): Promise<void> {
    const { deps } = this;
    this.worker = new Worker(PRESENCE_EVENTS_QUEUE, (job) => this.process(job), {
      connection: deps.connection,
      prefix: deps.config.QUEUE_PREFIX,
      concurrency: deps.config.PRESENCE_EVENTS_CONCURRENCY,
    });
    this.worker.on('error', (err) =>
      deps.logger.error({ err, queue: PRESENCE_EVENTS_QUEUE }, 'presence-events worker error'),
    );
    this.worker.on('failed', (job, err) =>
      deps.logger.warn({ err, queue: PRESENCE_EVENTS_QUEUE, jobId: job?.id }, 'presence-events job failed'),
    );
    await this.worker.waitUntilReady();
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    this.worker = undefined;
  }

  private async process(job: Job): Promise<string> {
    const parsed = transitionSchema.safeParse(job.data);
    if (!parsed.success) {
      throw new UnrecoverableError(
        `invalid presence-events payload: ${parsed.error.issues[0]?.message ?? ''}`,
      );
    }
    const transition = parsed.data;
    const result = await this.deps.store.record(transition, { reemit: (job.attemptsStarted ?? 1) > 1 });
    if (result.changed.length > 0) {
      await this.deps.outbox.append(result.changed);
      await requestCut(this.deps.exportQueue, this.deps.config, this.deps.cutDelayMs ?? 500);
    }
    if (result.status === 'conflict') {
      this.deps.logger.warn(
        { queue: PRESENCE_EVENTS_QUEUE, jobId: job.id, userId: transition.userId, kind: transition.kind },
        'transition disagrees with the one already recorded at the same instant; kept the first',
      );
    }
    this.deps.observer?.onRecorded?.(transition, result);
    return result.status;
  }
}
