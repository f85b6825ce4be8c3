import { UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Component } from '../lifecycle';
import type { RedisConnection } from '../redis';
import { splitAtMidnight } from '../timetracking/day-split';
import type { SegmentOutbox } from '../timetracking/segment-outbox';
import type { TimesheetFiles } from '../timetracking/timesheet-files';
import { WebhookDeliveryError, type WebhookSink } from '../timetracking/webhook-sink';
import {
  CUT_JOB,
  FILES_JOB,
  filesJobOptions,
  filesJobSchema,
  requestCut,
  TIME_EXPORT_QUEUE,
  WEBHOOK_JOB,
  webhookJobOptions,
  webhookJobSchema,
  type TimeExportJobConfig,
} from './time-export-queue';

export interface TimeExportObserver {
  onDelivered?(batchId: string, segments: number): void;
  onDeadLettered?(batchId: string, reason: string): void;
  onFilesWritten?(date: string): void;
}

export interface TimeExportWorkerDeps {
  /** Worker-profile connection (BullMQ duplicates it for blocking reads). */
  connection: RedisConnection;
  config: TimeExportJobConfig & Pick<Config, 'QUEUE_PREFIX' | 'WEBHOOK_BATCH_SIZE'>;
  /** The time-export queue (the cut adds delivery jobs to it). */
  queue: Queue;
  deadLetterQueue: Pick<Queue, 'add'>;
  outbox: SegmentOutbox;
  /** The webhook sink; undefined when no webhook is configured. */
  webhook?: Pick<WebhookSink, 'deliver'>;
  /** The daily-files sink and the time zone of its days (or how to find it, once); undefined when disabled. */
  files?: { sink: Pick<TimesheetFiles, 'write'>; timeZone: string | (() => Promise<string>) };
  logger: Logger;
  concurrency?: number;
  /** Delay before a day's files are regenerated (changes in between share one run). */
  filesDelayMs?: number;
  /** Most batches cut by one cut job before it hands over to the next. */
  maxBatchesPerCut?: number;
  /** A cut is also asked for this often, so entries left by a cutter that died are reclaimed (default 60 s). */
  sweepEveryMs?: number;
  now?: () => number;
  observer?: TimeExportObserver;
}

/**
 * The `time-export` worker: cuts the segment outbox into batches, delivers each batch to the webhook (one signed
 * POST per batch, retried with back-off, dead-lettered after WEBHOOK_ATTEMPTS) and regenerates the daily files of
 * the days the batch touches.
 */
export class TimeExportWorker implements Component {
  readonly name = 'time-export-worker';
  private worker: Worker | undefined;
  private readonly now: () => number;
  private zone: Promise<string> | undefined;
  private sweep: NodeJS.Timeout | undefined;

  constructor(private readonly deps: TimeExportWorkerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The timesheet time zone, resolved once (a failed resolution is retried by the next job). */
  private timeZone(files: NonNullable<TimeExportWorkerDeps['files']>): Promise<string> {
    const zone = files.timeZone;
    if (typeof zone === 'string') {
      return Promise.resolve(zone);
    }
    this.zone ??= zone().catch((err: unknown) => {
      this.zone = undefined;
      throw err;
    });
    return this.zone;
  }

  async start(): Promise<void> {
    const { deps } = this;
    this.worker = new Worker(TIME_EXPORT_QUEUE, (job) => this.process(job), {
      connection: deps.connection,
      prefix: deps.config.QUEUE_PREFIX,
      concurrency: deps.concurrency ?? 4,
    });
    this.worker.on('error', (err) =>
      deps.logger.error({ err, queue: TIME_EXPORT_QUEUE }, 'time-export worker error'),
    );
    this.worker.on('failed', (job, err) =>
      deps.logger.warn(
        { err, queue: TIME_EXPORT_QUEUE, jobId: job?.id, attemptsMade: job?.attemptsMade },
        'time-export job failed',
      ),
    );
    await this.worker.waitUntilReady();
    // Pick up whatever a previous run left in the outbox, and keep doing so.
    await requestCut(deps.queue, deps.config, 0);
    this.sweep = setInterval(() => {
      requestCut(deps.queue, deps.config, 0).catch((err: unknown) =>
        deps.logger.warn({ err, queue: TIME_EXPORT_QUEUE }, 'could not ask for an outbox cut'),
      );
    }, deps.sweepEveryMs ?? 60_000);
    this.sweep.unref?.();
  }

  async stop(): Promise<void> {
    if (this.sweep !== undefined) {
      clearInterval(this.sweep);
      this.sweep = undefined;
    }
    await this.worker?.close();
    this.worker = undefined;
  }

  private async process(job: Job): Promise<void> {
    switch (job.name) {
      case CUT_JOB:
        return this.cut();
      case WEBHOOK_JOB:
        return this.deliverWebhook(job);
      case FILES_JOB:
        return this.writeFiles(job);
      default:
        throw new UnrecoverableError(`unknown time-export job "${job.name}"`);
    }
  }

  private async cut(): Promise<void> {
    const { deps } = this;
    const maxBatches = deps.maxBatchesPerCut ?? 20;
    for (let i = 0; i < maxBatches; i += 1) {
      const batch = await deps.outbox.take(deps.config.WEBHOOK_BATCH_SIZE);
      if (batch === undefined) {
        return;
      }
      if (deps.webhook !== undefined && batch.segments.length > 0) {
        await deps.queue.add(
          WEBHOOK_JOB,
          { batchId: batch.batchId, segments: batch.segments },
          webhookJobOptions(deps.config, batch.batchId),
        );
      }
      if (deps.files !== undefined) {
        const timeZone = await this.timeZone(deps.files);
        const dates = new Set<string>();
        for (const s of batch.segments) {
          for (const piece of splitAtMidnight(s, timeZone, this.now())) {
            dates.add(piece.date);
          }
        }
        for (const date of dates) {
          await deps.queue.add(
            FILES_JOB,
            { date },
            filesJobOptions(deps.config, date, deps.filesDelayMs ?? 2_000),
          );
        }
      }
      await deps.outbox.done(batch.entryIds);
    }
    // More than one cut's worth waiting: queue the next cut (it starts when this one completes).
    await requestCut(deps.queue, deps.config, 0);
  }

  private async deliverWebhook(job: Job): Promise<void> {
    const { deps } = this;
    const parsed = webhookJobSchema.safeParse(job.data);
    if (!parsed.success) {
      await this.deadLetter(job, 'invalid payload');
      throw new UnrecoverableError('invalid webhook job payload');
    }
    if (deps.webhook === undefined) {
      throw new UnrecoverableError('no webhook configured');
    }
    try {
      await deps.webhook.deliver(parsed.data);
    } catch (err) {
      const permanent = err instanceof WebhookDeliveryError && err.permanent;
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (permanent || lastAttempt) {
        const reason = err instanceof Error ? err.message : String(err);
        await this.deadLetter(job, reason);
        throw new UnrecoverableError(`webhook batch ${parsed.data.batchId} dead-lettered: ${reason}`);
      }
      throw err;
    }
    deps.observer?.onDelivered?.(parsed.data.batchId, parsed.data.segments.length);
  }

  private async deadLetter(job: Job, reason: string): Promise<void> {
    const batchId = typeof job.data?.batchId === 'string' ? (job.data.batchId as string) : String(job.id);
    await this.deps.deadLetterQueue.add(
      'webhook-batch',
      {
        ...job.data,
        reason,
        attemptsMade: job.attemptsMade + 1,
        failedAt: new Date(this.now()).toISOString(),
      },
      { jobId: batchId, removeOnComplete: false, removeOnFail: false },
    );
    this.deps.logger.error(
      { queue: TIME_EXPORT_QUEUE, jobId: job.id, batchId, reason },
      'webhook batch dead-lettered',
    );
    this.deps.observer?.onDeadLettered?.(batchId, reason);
  }

  private async writeFiles(job: Job): Promise<void> {
    const { deps } = this;
    const parsed = filesJobSchema.safeParse(job.data);
    if (!parsed.success) {
      throw new UnrecoverableError('invalid write-files job payload');
    }
    if (deps.files === undefined) {
      return;
    }
    await deps.files.sink.write(parsed.data.date, await this.timeZone(deps.files));
    deps.observer?.onFilesWritten?.(parsed.data.date);
  }
}
