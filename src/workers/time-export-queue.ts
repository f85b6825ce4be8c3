import type { JobsOptions, Queue } from 'bullmq';
import { z } from 'zod';
import type { Config } from '../config';
import { segmentSchema } from '../timetracking/segment';

/** Export of segments to the sinks. */
export const TIME_EXPORT_QUEUE = 'time-export';
/** Webhook batches that failed for good (attempts exhausted or a permanent 4xx), with the reason. */
export const TIME_EXPORT_DEAD_LETTER_QUEUE = 'time-export-dead-letter';

/** Job names of the time-export queue. */
export const CUT_JOB = 'cut';
export const WEBHOOK_JOB = 'deliver-webhook';
export const FILES_JOB = 'write-files';

export const webhookJobSchema = z.object({
  batchId: z.string().min(1),
  segments: z.array(segmentSchema).min(1),
});
export type WebhookJob = z.infer<typeof webhookJobSchema>;

export const filesJobSchema = z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) });
export type FilesJob = z.infer<typeof filesJobSchema>;

export type TimeExportJobConfig = Pick<
  Config,
  | 'WEBHOOK_ATTEMPTS'
  | 'WEBHOOK_BACKOFF_MS'
  | 'JOB_KEEP_COMPLETED'
  | 'JOB_KEEP_COMPLETED_SECONDS'
  | 'JOB_KEEP_FAILED'
  | 'JOB_KEEP_FAILED_SECONDS'
>;

function retention(config: TimeExportJobConfig): Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> {
  return {
    removeOnComplete: { count: config.JOB_KEEP_COMPLETED, age: config.JOB_KEEP_COMPLETED_SECONDS },
    removeOnFail: { count: config.JOB_KEEP_FAILED, age: config.JOB_KEEP_FAILED_SECONDS },
  };
}

/**
 * Asks for the outbox to be cut into batches after `delayMs` (so a burst of segments shares batches). At most one
 * cut runs at a time and at most one more waits (`keepLastIfActive`).
 */
export async function requestCut(
  queue: Pick<Queue, 'add'>,
  config: TimeExportJobConfig,
  delayMs: number,
): Promise<void> {
  await queue.add(
    CUT_JOB,
    {},
    {
      deduplication: { id: 'cut', keepLastIfActive: true },
      delay: delayMs,
      attempts: 5,
      backoff: { type: 'exponential', delay: 1_000 },
      ...retention(config),
    },
  );
}

/** Webhook delivery: job id = batch id (a re-cut batch is not queued twice), attempts and back-off from config. */
export function webhookJobOptions(config: TimeExportJobConfig, batchId: string): JobsOptions {
  return {
    jobId: batchId,
    attempts: config.WEBHOOK_ATTEMPTS,
    backoff: { type: 'exponential', delay: config.WEBHOOK_BACKOFF_MS },
    ...retention(config),
  };
}

/** Regenerates a day's files after `delayMs`; one run at a time per day, at most one more waiting. */
export function filesJobOptions(config: TimeExportJobConfig, date: string, delayMs: number): JobsOptions {
  return {
    deduplication: { id: `files-${date}`, keepLastIfActive: true },
    delay: delayMs,
    attempts: 5,
    backoff: { type: 'exponential', delay: 1_000 },
    ...retention(config),
  };
}
