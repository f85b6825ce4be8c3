import { performance } from 'node:perf_hooks';
import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';

export interface Completion {
  /** `performance.now()` when this process received the `completed` event. */
  at: number;
  /** The job's return value (`{requestId, result}` for presence-change jobs), parsed. */
  result: string;
}

/**
 * Watches a queue's `completed` and `failed` events (BullMQ `QueueEvents`, from the moment it is ready) and records
 * when each job id finished, so a benchmark can time enqueue → finished per request. Meant for moderate rates (the
 * event stream is trimmed at about 10,000 entries: a reader far behind would miss events; `missed()` tells).
 */
export class CompletionTracker {
  readonly completions = new Map<string, Completion>();
  private readonly events: QueueEvents;
  private readonly waiters = new Map<string, () => void>();
  private readonly connection: Redis;
  private readonly listeners: Array<(jobId: string) => void> = [];

  constructor(queueName: string, connection: Redis, prefix: string) {
    this.connection = connection.duplicate();
    this.events = new QueueEvents(queueName, { connection: this.connection, prefix, autorun: false });
    this.events.on('completed', ({ jobId, returnvalue }) => {
      this.record(jobId, resultOf(returnvalue));
    });
    this.events.on('failed', ({ jobId }) => {
      this.record(jobId, 'job-failed');
    });
    this.events.on('error', (err) => process.stderr.write(`completion tracker: ${err.message}\n`));
  }

  async start(): Promise<void> {
    void this.events.run();
    await this.events.waitUntilReady();
  }

  private record(jobId: string, result: string): void {
    if (!this.completions.has(jobId)) {
      this.completions.set(jobId, { at: performance.now(), result });
      for (const listener of this.listeners) {
        listener(jobId);
      }
      this.waiters.get(jobId)?.();
      this.waiters.delete(jobId);
    }
  }

  /** Calls `listener` with the id of every job that finishes from now on. */
  onFinished(listener: (jobId: string) => void): void {
    this.listeners.push(listener);
  }

  /** Resolves when `jobId` has finished (at once if it already has). */
  whenDone(jobId: string): Promise<Completion> {
    const done = this.completions.get(jobId);
    if (done !== undefined) {
      return Promise.resolve(done);
    }
    return new Promise((resolve) => {
      this.waiters.set(jobId, () => resolve(this.completions.get(jobId)!));
    });
  }

  async close(): Promise<void> {
    await this.events.close();
    this.connection.disconnect();
  }
}

function resultOf(returnvalue: unknown): string {
  let value = returnvalue;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return value as string;
    }
  }
  const result = (value as { result?: unknown } | null)?.result;
  return typeof result === 'string' ? result : 'unknown';
}
