import type { JobsOptions, Queue } from 'bullmq';
import { z } from 'zod';
import type { Config } from '../config';

/** Analytics backfill of the segments: after stream gaps, and on a schedule. */
export const ANALYTICS_BACKFILL_QUEUE = 'analytics-backfill';
/** A job for explicit agents and interval (a stream gap, or one chunk of a scheduled run). */
export const BACKFILL_RANGE_JOB = 'range';
/** The scheduled job: fans out into range jobs for every managed agent over the last period. */
export const BACKFILL_SCHEDULED_JOB = 'scheduled';

export const MAX_USERS_PER_BACKFILL_JOB = 100;

export const backfillRangeJobSchema = z.object({
  userIds: z.array(z.string().min(1).max(128)).min(1).max(MAX_USERS_PER_BACKFILL_JOB),
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  reason: z.enum(['gap', 'scheduled', 'startup', 'manual']),
});
export type BackfillRangeJob = z.infer<typeof backfillRangeJobSchema>;

export type BackfillJobConfig = Pick<
  Config,
  | 'BACKFILL_USERS_PER_QUERY'
  | 'JOB_BACKOFF_MS'
  | 'JOB_KEEP_COMPLETED'
  | 'JOB_KEEP_COMPLETED_SECONDS'
  | 'JOB_KEEP_FAILED'
  | 'JOB_KEEP_FAILED_SECONDS'
>;

export function backfillJobOptions(config: BackfillJobConfig): JobsOptions {
  return {
    attempts: 8,
    backoff: { type: 'exponential', delay: Math.max(config.JOB_BACKOFF_MS, 1_000) },
    removeOnComplete: { count: config.JOB_KEEP_COMPLETED, age: config.JOB_KEEP_COMPLETED_SECONDS },
    removeOnFail: { count: config.JOB_KEEP_FAILED, age: config.JOB_KEEP_FAILED_SECONDS },
  };
}

/**
 * Queues the backfill of [fromMs, toMs) for these agents, `BACKFILL_USERS_PER_QUERY` agents per job (one analytics
 * query filters on all of a job's agents).
 */
export async function requestBackfill(
  queue: Pick<Queue, 'addBulk'>,
  config: BackfillJobConfig,
  request: { userIds: readonly string[]; fromMs: number; toMs: number; reason: BackfillRangeJob['reason'] },
): Promise<number> {
  if (request.userIds.length === 0 || !(request.toMs > request.fromMs)) {
    return 0;
  }
  const size = Math.min(config.BACKFILL_USERS_PER_QUERY, MAX_USERS_PER_BACKFILL_JOB);
  const jobs = [];
  for (let i = 0; i < request.userIds.length; i += size) {
    const data: BackfillRangeJob = {
      userIds: request.userIds.slice(i, i + size),
      from: new Date(request.fromMs).toISOString(),
      to: new Date(request.toMs).toISOString(),
      reason: request.reason,
    };
    jobs.push({ name: BACKFILL_RANGE_JOB, data, opts: backfillJobOptions(config) });
  }
  await queue.addBulk(jobs);
  return jobs.length;
}
