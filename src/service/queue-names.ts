import { AUDIT_QUEUE } from '../audit/audit-queue';
import { PRESENCE_CHANGE_QUEUE, PRESENCE_DEAD_LETTER_QUEUE } from '../jobs/queue-names';
import { ANALYTICS_BACKFILL_QUEUE } from '../workers/analytics-backfill-queue';
import { PRESENCE_EVENTS_QUEUE } from '../workers/presence-events-queue';
import { HEARTBEAT_QUEUE, SCHEDULE_FOLLOW_QUEUE, SCHEDULE_SYNC_QUEUE } from '../workers/scheduler-spec';
import { TIME_EXPORT_DEAD_LETTER_QUEUE, TIME_EXPORT_QUEUE } from '../workers/time-export-queue';

/**
 * Every BullMQ queue of the service (each owner exports its name). All are created at start-up in every
 * process, so Bull Board and the queue metrics show them whichever roles run here.
 */
export const QUEUE_NAMES: readonly string[] = [
  PRESENCE_CHANGE_QUEUE,
  PRESENCE_DEAD_LETTER_QUEUE,
  AUDIT_QUEUE,
  HEARTBEAT_QUEUE,
  SCHEDULE_SYNC_QUEUE,
  SCHEDULE_FOLLOW_QUEUE,
  PRESENCE_EVENTS_QUEUE,
  TIME_EXPORT_QUEUE,
  TIME_EXPORT_DEAD_LETTER_QUEUE,
  ANALYTICS_BACKFILL_QUEUE,
];
