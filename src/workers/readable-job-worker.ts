import { Worker, type Job, type JobJson } from 'bullmq';

/** What a job's data becomes when the stored bytes are not JSON (see {@link ReadableJobWorker}). */
export interface UnreadableJobData {
  readonly unreadableJobData: string;
}

export function isUnreadableJobData(data: unknown): data is UnreadableJobData {
  return (
    typeof data === 'object' &&
    data !== null &&
    typeof (data as { unreadableJobData?: unknown }).unreadableJobData === 'string'
  );
}

/**
 * A BullMQ `Worker` that hands jobs whose stored data is not JSON to the processor instead of failing before it.
 *
 * BullMQ parses `job.data` while fetching the job; if the bytes in Redis are not JSON the parse throws inside the
 * worker's fetch loop: the job stays active without a processor, stalls, is retried and stalls again until BullMQ
 * fails it with "job stalled more than allowable limit" — never reaching the dead-letter queue, and looking like a
 * crash. Here the data is replaced by `{ unreadableJobData: <why> }`, which the processor's payload validation
 * refuses like any other invalid payload (dead letter, `UnrecoverableError`).
 */
export class ReadableJobWorker<DataType = unknown, ResultType = unknown> extends Worker<
  DataType,
  ResultType
> {
  protected override createJob(data: JobJson, jobId: string): Job<DataType, ResultType, string> {
    try {
      return super.createJob(data, jobId);
    } catch (err) {
      const why = `job data is not valid JSON (${err instanceof Error ? err.name : 'parse error'})`;
      return super.createJob({ ...data, data: JSON.stringify({ unreadableJobData: why }) }, jobId);
    }
  }
}
