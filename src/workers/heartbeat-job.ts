import type { JobsOptions, Queue } from 'bullmq';
import type { SchedulerSpecProvider } from './scheduler-spec';
import { HEARTBEAT_QUEUE } from './scheduler-spec';

export const HEARTBEAT_JOB_NAME = 'heartbeat-sweep';
export const HEARTBEAT_SCHEDULER_ID = 'heartbeat';

/**
 * One attempt: a failed sweep is not retried, the next one comes within `HEARTBEAT_EVERY_MS` (a retry would
 * only add reads while Genesys is struggling).
 */
export const HEARTBEAT_JOB_OPTIONS = {
  attempts: 1,
  removeOnComplete: { count: 200, age: 86_400 },
  removeOnFail: { count: 1_000, age: 7 * 86_400 },
} as const satisfies JobsOptions;

/** The heartbeat's job scheduler: one sweep every `HEARTBEAT_EVERY_MS`. */
export function heartbeatSchedulerProvider(everyMs: number): SchedulerSpecProvider {
  return {
    name: 'heartbeat',
    queueNames: [HEARTBEAT_QUEUE],
    specs: async () => [
      {
        queueName: HEARTBEAT_QUEUE,
        schedulerId: HEARTBEAT_SCHEDULER_ID,
        everyMs,
        jobName: HEARTBEAT_JOB_NAME,
        data: {},
        jobOptions: HEARTBEAT_JOB_OPTIONS,
      },
    ],
  };
}

/** Asks for a sweep now; absorbed while another requested sweep is waiting or running. Returns its job id. */
export async function requestHeartbeatSweep(queue: Pick<Queue, 'add'>): Promise<string> {
  const job = await queue.add(
    HEARTBEAT_JOB_NAME,
    {},
    { ...HEARTBEAT_JOB_OPTIONS, deduplication: { id: 'heartbeat-request' } },
  );
  return String(job.id);
}
