import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  /** Time between checks; it bounds the error of the end time measured (default 10 ms). */
  pollMs?: number;
  timeoutMs: number;
  /** Named in the timeout error. */
  what: string;
  /** Called on each check that is not yet done (progress output). */
  onPending?: (elapsedMs: number) => void;
}

/**
 * Checks `done()` every `pollMs` until it is true and returns the `performance.now()` of that check. A benchmark
 * measures a whole pipeline across processes, where no single event says "everything is finished"; the poll
 * interval is the resolution of the measured end time (10 ms against runs of seconds).
 */
export async function waitUntil(
  done: () => Promise<boolean> | boolean,
  options: WaitOptions,
): Promise<number> {
  const pollMs = options.pollMs ?? 10;
  const started = performance.now();
  for (;;) {
    if (await done()) {
      return performance.now();
    }
    const elapsed = performance.now() - started;
    if (elapsed > options.timeoutMs) {
      throw new Error(`timed out after ${Math.round(elapsed)} ms waiting for ${options.what}`);
    }
    options.onPending?.(elapsed);
    await delay(pollMs);
  }
}

/** What a queue still holds that is not finished (BullMQ 6 states). */
export const UNFINISHED_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

export interface CountingQueue {
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
}

/** Jobs not yet finished on `queue` (waiting, active, delayed, prioritized, waiting for children). */
export async function unfinishedJobs(queue: CountingQueue): Promise<number> {
  const counts = await queue.getJobCounts(...UNFINISHED_STATES);
  return UNFINISHED_STATES.reduce((sum, state) => sum + (counts[state] ?? 0), 0);
}
