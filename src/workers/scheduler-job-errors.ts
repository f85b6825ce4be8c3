import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { errorFacts, jobActionForError } from '../policy/job-outcome';

export interface SweepErrorOptions {
  /** `delay`: move the job to delayed until the limit lifts (no attempt used); `skip`: end this run quietly. */
  onThrottle: 'delay' | 'skip';
  breakerResetMs: number;
  defaultRateLimitMs: number;
  now?: () => number;
}

/** Thrown-away run of a repeatable job: the next scheduled run does the work. */
export interface SkippedRun {
  skipped: string;
}

/**
 * Turns an error of a sweep job (heartbeat, schedule sync, follower tick) into what BullMQ should do, with the
 * pipeline's one error table (`jobActionForError`): a 429, the shared budget or an open breaker → the job waits
 * (or, for the heartbeat, this run is skipped: the next one comes within a minute); 5xx / network → rethrown
 * for attempts + back-off; permanent errors → `UnrecoverableError`.
 */
export async function handleSweepError(
  err: unknown,
  job: Job,
  token: string | undefined,
  options: SweepErrorOptions,
): Promise<SkippedRun> {
  const action = jobActionForError(err, {
    attemptsMade: job.attemptsMade,
    attempts: job.opts.attempts ?? 1,
    breakerResetMs: options.breakerResetMs,
    defaultRateLimitMs: options.defaultRateLimitMs,
  });
  switch (action.kind) {
    case 'rate-limit':
    case 'delay':
      if (options.onThrottle === 'skip' || token === undefined) {
        return { skipped: `${errorFacts(err).code}: waiting ${action.delayMs} ms` };
      }
      await job.moveToDelayed((options.now ?? Date.now)() + action.delayMs, token);
      throw new DelayedError();
    case 'retry':
      throw err;
    case 'fail':
      throw new UnrecoverableError(`${action.code}: ${action.reason}`);
  }
}
