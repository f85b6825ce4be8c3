import type { JobsOptions, Queue } from 'bullmq';
import type { Config } from '../config';
import { transitionId, type Transition } from '../timetracking/transition';

/** One observed transition per job (from the stream leader or the analytics backfill). */
export const PRESENCE_EVENTS_QUEUE = 'presence-events';
export const PRESENCE_EVENT_JOB_NAME = 'transition';

export type PresenceEventsJobConfig = Pick<
  Config,
  | 'JOB_BACKOFF_MS'
  | 'JOB_KEEP_COMPLETED'
  | 'JOB_KEEP_COMPLETED_SECONDS'
  | 'JOB_KEEP_FAILED'
  | 'JOB_KEEP_FAILED_SECONDS'
>;

/**
 * Job id = the transition's id, so the same transition queued twice while the first job is kept is added once;
 * the segment store de-duplicates for good. Retried on Redis errors only (recording is idempotent).
 */
export function presenceEventJobOptions(config: PresenceEventsJobConfig, t: Transition): JobsOptions {
  return {
    jobId: transitionId(t),
    attempts: 10,
    backoff: { type: 'exponential', delay: config.JOB_BACKOFF_MS },
    removeOnComplete: { count: config.JOB_KEEP_COMPLETED, age: config.JOB_KEEP_COMPLETED_SECONDS },
    removeOnFail: { count: config.JOB_KEEP_FAILED, age: config.JOB_KEEP_FAILED_SECONDS },
  };
}

/** Queues transitions as presence-events jobs (bulk, in chunks). */
export async function enqueueTransitions(
  queue: Pick<Queue, 'addBulk'>,
  config: PresenceEventsJobConfig,
  transitions: readonly Transition[],
): Promise<void> {
  for (let i = 0; i < transitions.length; i += 500) {
    await queue.addBulk(
      transitions.slice(i, i + 500).map((t) => ({
        name: PRESENCE_EVENT_JOB_NAME,
        data: t,
        opts: presenceEventJobOptions(config, t),
      })),
    );
  }
}
