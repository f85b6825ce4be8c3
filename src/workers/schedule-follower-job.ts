import type { JobsOptions } from 'bullmq';
import type { SchedulerSpecProvider } from './scheduler-spec';
import { SCHEDULE_FOLLOW_QUEUE } from './scheduler-spec';

/** The periodic tick (job scheduler) and the one-off job at a boundary (delayed until `boundary - lead`). */
export const FOLLOW_TICK_JOB_NAME = 'follow-tick';
export const FOLLOW_BOUNDARY_JOB_NAME = 'follow-boundary';
export const FOLLOW_SCHEDULER_ID = 'schedule-follow';

/** Two attempts: the cursor makes a lost tick harmless (the next one covers its span). */
export const SCHEDULE_FOLLOW_JOB_OPTIONS = {
  attempts: 2,
  backoff: { type: 'fixed', delay: 1_000 },
  removeOnComplete: { count: 200, age: 86_400 },
  removeOnFail: { count: 1_000, age: 7 * 86_400 },
} as const satisfies JobsOptions;

/** Job id of the wake-up job of one boundary (no `:` in BullMQ custom ids). */
export function followBoundaryJobId(boundaryMs: number): string {
  return `follow-boundary-${boundaryMs}`;
}

/**
 * The follower's job scheduler (`FOLLOW_TICK_MS`); none when no agent follows their schedule (the provider then
 * removes a scheduler left by an earlier configuration).
 */
export function scheduleFollowSchedulerProvider(options: {
  tickMs: number;
  enabled: boolean;
}): SchedulerSpecProvider {
  return {
    name: 'schedule-follow',
    queueNames: [SCHEDULE_FOLLOW_QUEUE],
    specs: async () =>
      options.enabled
        ? [
            {
              queueName: SCHEDULE_FOLLOW_QUEUE,
              schedulerId: FOLLOW_SCHEDULER_ID,
              everyMs: options.tickMs,
              jobName: FOLLOW_TICK_JOB_NAME,
              data: {},
              jobOptions: SCHEDULE_FOLLOW_JOB_OPTIONS,
            },
          ]
        : [],
  };
}
