import type { JobsOptions } from 'bullmq';
import { z } from 'zod';
import type { Config } from '../config';
import { USER_ID_PATTERN } from './presence-change-request';

/**
 * The presence-change job: ids only. The desired state lives in the agent's Redis hash; the job says "version N
 * of this agent is waiting". No free text, no personal data, no secrets.
 */
export const presenceChangeJobSchema = z
  .object({
    userId: z.string().regex(USER_ID_PATTERN),
    version: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    requestId: z.string().min(1).max(128),
  })
  .strict();
export type PresenceChangeJob = z.infer<typeof presenceChangeJobSchema>;

/** The job name (one name per queue; the queue is `presence-change`). */
export const PRESENCE_CHANGE_JOB_NAME = 'presence-change';

export type PresenceJobConfig = Pick<
  Config,
  | 'JOB_ATTEMPTS'
  | 'JOB_BACKOFF_MS'
  | 'JOB_KEEP_COMPLETED'
  | 'JOB_KEEP_COMPLETED_SECONDS'
  | 'JOB_KEEP_FAILED'
  | 'JOB_KEEP_FAILED_SECONDS'
>;

/**
 * Options of every presence-change job: the job id is the request id (so re-adding the job of a request, as the
 * outbox recovery does, is a no-op while the job exists), exponential retries, and retention by count and age.
 */
export function presenceChangeJobOptions(
  config: PresenceJobConfig,
  requestId: string,
  delayMs: number,
): JobsOptions {
  return {
    jobId: requestId,
    attempts: config.JOB_ATTEMPTS,
    backoff: { type: 'exponential', delay: config.JOB_BACKOFF_MS },
    removeOnComplete: { count: config.JOB_KEEP_COMPLETED, age: config.JOB_KEEP_COMPLETED_SECONDS },
    removeOnFail: { count: config.JOB_KEEP_FAILED, age: config.JOB_KEEP_FAILED_SECONDS },
    ...(delayMs > 0 ? { delay: delayMs } : {}),
  };
}
