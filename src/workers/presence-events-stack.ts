import { hostname } from 'node:os';
import { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Component } from '../lifecycle';
import type { RedisConnection } from '../redis';
import { SegmentOutbox } from '../timetracking/segment-outbox';
import { SegmentStore } from '../timetracking/segment-store';
import { resolveTimesheetTimeZone, type BusinessUnitDirectory } from '../timetracking/time-zone';
import { TimesheetFiles } from '../timetracking/timesheet-files';
import { WebhookSink } from '../timetracking/webhook-sink';
import { PRESENCE_EVENTS_QUEUE } from './presence-events-queue';
import { PresenceEventsWorker, type PresenceEventsObserver } from './presence-events-worker';
import { TIME_EXPORT_DEAD_LETTER_QUEUE, TIME_EXPORT_QUEUE } from './time-export-queue';
import { TimeExportWorker, type TimeExportObserver } from './time-export-worker';

export type TimeTrackingConfig = Pick<
  Config,
  | 'QUEUE_PREFIX'
  | 'PRESENCE_EVENTS_CONCURRENCY'
  | 'TIMETRACKING_RETENTION_DAYS'
  | 'TIMESHEET_DIR'
  | 'TIMESHEET_FILES'
  | 'WEBHOOK_URL'
  | 'WEBHOOK_SECRET'
  | 'WEBHOOK_ATTEMPTS'
  | 'WEBHOOK_BACKOFF_MS'
  | 'WEBHOOK_TIMEOUT_MS'
  | 'WEBHOOK_BATCH_SIZE'
  | 'JOB_BACKOFF_MS'
  | 'JOB_KEEP_COMPLETED'
  | 'JOB_KEEP_COMPLETED_SECONDS'
  | 'JOB_KEEP_FAILED'
  | 'JOB_KEEP_FAILED_SECONDS'
  | 'TIMESHEET_TIME_ZONE'
  | 'WFM_BUSINESS_UNIT_IDS'
>;

export interface TimeTrackingWorkersDeps {
  config: TimeTrackingConfig;
  /** Worker-profile Redis connection (segment store, outbox and BullMQ). */
  connection: RedisConnection;
  logger: Logger;
  /**
   * IANA time zone of the timesheet days. Unset → resolved once, when first needed, by resolveTimesheetTimeZone
   * (TIMESHEET_TIME_ZONE, else the business unit's zone through `wfm`, else UTC).
   */
  timeZone?: string;
  /** The Genesys client, to read the business unit's time zone. */
  wfm?: BusinessUnitDirectory;
  now?: () => number;
  presenceEventsObserver?: PresenceEventsObserver;
  exportObserver?: TimeExportObserver;
  /** Delays that batch nearby changes (defaults: cut 500 ms, files 2 s). */
  cutDelayMs?: number;
  filesDelayMs?: number;
}

export interface TimeTrackingWorkers {
  /** Start in this order; the Lifecycle stops them in reverse (workers drain before the queues close). */
  components: Component[];
  store: SegmentStore;
  outbox: SegmentOutbox;
  presenceEventsQueue: Queue;
  timeExportQueue: Queue;
  deadLetterQueue: Queue;
}

/** Thrown when the webhook is configured without its secret (an unsigned webhook is never sent). */
export function assertWebhookConfig(config: Pick<Config, 'WEBHOOK_URL' | 'WEBHOOK_SECRET'>): void {
  if (config.WEBHOOK_URL !== undefined && config.WEBHOOK_SECRET === undefined) {
    throw new Error('WEBHOOK_URL is set but WEBHOOK_SECRET is not: webhook deliveries must be signed');
  }
}

/**
 * Builds the `worker`-role part of time tracking: the presence-events worker (transitions → segments → outbox)
 * and the time-export worker (outbox → webhook batches and daily files), with their queues.
 */
export function createTimeTrackingWorkers(deps: TimeTrackingWorkersDeps): TimeTrackingWorkers {
  const { config, connection, logger } = deps;
  assertWebhookConfig(config);
  const prefix = config.QUEUE_PREFIX;
  const queueOptions = { connection, prefix };
  const presenceEventsQueue = new Queue(PRESENCE_EVENTS_QUEUE, queueOptions);
  const timeExportQueue = new Queue(TIME_EXPORT_QUEUE, queueOptions);
  const deadLetterQueue = new Queue(TIME_EXPORT_DEAD_LETTER_QUEUE, queueOptions);
  for (const q of [presenceEventsQueue, timeExportQueue, deadLetterQueue]) {
    q.on('error', (err) => logger.error({ err, queue: q.name }, 'queue error'));
  }
  const store = new SegmentStore(connection, {
    prefix,
    retentionMs: config.TIMETRACKING_RETENTION_DAYS * 86_400_000,
    ...(deps.now === undefined ? {} : { now: deps.now }),
  });
  const outbox = new SegmentOutbox(connection, { prefix, consumer: `${hostname()}:${process.pid}` });
  const webhook =
    config.WEBHOOK_URL === undefined || config.WEBHOOK_SECRET === undefined
      ? undefined
      : new WebhookSink({
          url: config.WEBHOOK_URL,
          secret: config.WEBHOOK_SECRET,
          timeoutMs: config.WEBHOOK_TIMEOUT_MS,
        });
  const files = config.TIMESHEET_FILES
    ? {
        sink: new TimesheetFiles(store, {
          dir: config.TIMESHEET_DIR,
          ...(deps.now === undefined ? {} : { now: deps.now }),
        }),
        timeZone: deps.timeZone ?? (() => resolveTimesheetTimeZone(config, deps.wfm, logger)),
      }
    : undefined;
  const queues: Component = {
    name: 'time-tracking-queues',
    start: async () => undefined,
    stop: async () => {
      await Promise.all([presenceEventsQueue.close(), timeExportQueue.close(), deadLetterQueue.close()]);
    },
  };
  const exportWorker = new TimeExportWorker({
    connection,
    config,
    queue: timeExportQueue,
    deadLetterQueue,
    outbox,
    ...(webhook === undefined ? {} : { webhook }),
    ...(files === undefined ? {} : { files }),
    logger: logger.child({ component: 'time-export' }),
    ...(deps.filesDelayMs === undefined ? {} : { filesDelayMs: deps.filesDelayMs }),
    ...(deps.now === undefined ? {} : { now: deps.now }),
    ...(deps.exportObserver === undefined ? {} : { observer: deps.exportObserver }),
  });
  const eventsWorker = new PresenceEventsWorker({
    connection,
    config,
    store,
    outbox,
    exportQueue: timeExportQueue,
    logger: logger.child({ component: 'presence-events' }),
    ...(deps.cutDelayMs === undefined ? {} : { cutDelayMs: deps.cutDelayMs }),
    ...(deps.presenceEventsObserver === undefined ? {} : { observer: deps.presenceEventsObserver }),
  });
  return {
    components: [queues, exportWorker, eventsWorker],
    store,
    outbox,
    presenceEventsQueue,
    timeExportQueue,
    deadLetterQueue,
  };
}
