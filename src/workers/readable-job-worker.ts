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
  /**
   * Called before BullMQ fails, without running the processor, a job it has marked for failure (in BullMQ 6 a job
   * that stalled more than `maxStalledCount` times comes back once with `deferredFailure` set). The handler records
   * what the job's own failure path would have recorded. If it throws, the job is left active and unlocked: it
   * stalls again and comes back, so the record is not skipped.
   */
  onDeferredFailure: ((job: Job<DataType, ResultType, string>, reason: string) => Promise<void>) | undefined;

  override async processJob(
    job: Job<DataType, ResultType, string>,
    token: string,
    fetchNextCallback?: () => boolean,
  ): Promise<void | Job<DataType, ResultType, string>> {
    const reason = job.deferredFailure;
    if (typeof reason === 'string' && reason !== '' && this.onDeferredFailure !== undefined) {
      try {
        await this.onDeferredFailure(job, reason);
      } catch (err) {
        this.emit('error', err instanceof Error ? err : new Error(String(err)));
        return undefined;
      }
    }
    return super.processJob(job, token, fetchNextCallback);
  }

  protected override createJob(data: JobJson, jobId: string): Job<DataType, ResultType, string> {
    try {
      return super.createJob(data, jobId);
    } catch (err) {
      const why = `job data is not valid JSON (${err instanceof Error ? err.name : 'parse error'})`;
      return super.createJob({ ...data, data: JSON.stringify({ unreadableJobData: why }) }, jobId);
    }
  }
}
