import { deriveSeed, SeededRandom } from './seeded-random';

export type WfmSearchMode = 'inline' | 'async' | 'download' | 'stuck';
export type ServerErrorStatus = 500 | 502 | 503 | 504;

/** Switchable faults; every field can be changed at run time through the admin API. */
export interface EmulatorFaults {
  /** Added to every API and login response, in real milliseconds. */
  latencyMs: number;
  /** Fraction (0..1) of API/login calls answered with `errorStatus` (seeded, so reproducible). */
  errorRatio: number;
  errorStatus: ServerErrorStatus;
  /** While on, every authenticated API call is answered 429 with `Retry-After: stormRetryAfterSeconds`. */
  rateLimitStorm: boolean;
  stormRetryAfterSeconds: number;
  /**
   * How `agentschedules/search` answers: `inline` (Complete + result), `async` (Processing, then a
   * notification with a downloadUrl), `download` (Complete + downloadUrl), `stuck` (Processing, never completes).
   */
  wfmSearchMode: WfmSearchMode;
}

/** A scripted failure for the next `count` matching calls (e.g. "503 then 200", "reset the connection once"). */
export interface ScriptedFailure {
  count: number;
  /** `status`: answer with this status and its real ErrorBody; `reset`: destroy the connection, no response. */
  kind: 'status' | 'reset';
  /** For `status`: 400, 401, 403, 404, 429, 500, 502, 503 or 504. Default 503. */
  status?: number;
  /** For 429: the `Retry-After` value; default 1. */
  retryAfterSeconds?: number;
  /** Only calls with this HTTP method (e.g. `PATCH`). */
  method?: string;
  /** Only calls whose path (without query) starts with this, e.g. `/api/v2/users/presences/bulk`. */
  pathPrefix?: string;
}

export function defaultFaults(latencyMs: number): EmulatorFaults {
  return {
    latencyMs,
    errorRatio: 0,
    errorStatus: 503,
    rateLimitStorm: false,
    stormRetryAfterSeconds: 1,
    wfmSearchMode: 'inline',
  };
}

/** Current faults plus the queue of scripted failures. */
export class FaultState {
  current: EmulatorFaults;
  private scripted: ScriptedFailure[] = [];
  private rng: SeededRandom;

  constructor(
    private readonly initialLatencyMs: number,
    private readonly seed: number,
  ) {
    this.current = defaultFaults(initialLatencyMs);
    this.rng = new SeededRandom(deriveSeed(seed, 'faults'));
  }

  set(partial: Partial<EmulatorFaults>): EmulatorFaults {
    const next = { ...this.current, ...definedOnly(partial) };
    validateFaults(next);
    this.current = next;
    return { ...next };
  }

  addScripted(failure: ScriptedFailure): void {
    if (!Number.isInteger(failure.count) || failure.count < 1) {
      throw new RangeError('scripted failure count must be a positive integer');
    }
    if (
      failure.kind === 'status' &&
      failure.status !== undefined &&
      (failure.status < 400 || failure.status > 599)
    ) {
      throw new RangeError('scripted failure status must be 400..599');
    }
    this.scripted.push({ ...failure });
  }

  /** Consumes one matching scripted failure, if any. */
  takeScripted(method: string, path: string): ScriptedFailure | undefined {
    if (this.scripted.length === 0) {
      return undefined;
    }
    const index = this.scripted.findIndex(
      (f) =>
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (f.pathPrefix === undefined || path.startsWith(f.pathPrefix)),
    );
    if (index < 0) {
      return undefined;
    }
    const failure = this.scripted[index]!;
    failure.count -= 1;
    if (failure.count === 0) {
      this.scripted.splice(index, 1);
    }
    return failure;
  }

  pendingScripted(): ScriptedFailure[] {
    return this.scripted.map((f) => ({ ...f }));
  }

  /** true when this call should get a random server error. */
  rollServerError(): boolean {
    return this.current.errorRatio > 0 && this.rng.next() < this.current.errorRatio;
  }

  reset(): void {
    this.current = defaultFaults(this.initialLatencyMs);
    this.scripted = [];
    this.rng = new SeededRandom(deriveSeed(this.seed, 'faults'));
  }
}

function definedOnly<T extends object>(partial: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function validateFaults(f: EmulatorFaults): void {
  if (!(f.latencyMs >= 0 && f.latencyMs <= 600_000)) {
    throw new RangeError('latencyMs must be 0..600000');
  }
  if (!(f.errorRatio >= 0 && f.errorRatio <= 1)) {
    throw new RangeError('errorRatio must be 0..1');
  }
  if (![500, 502, 503, 504].includes(f.errorStatus)) {
    throw new RangeError('errorStatus must be 500, 502, 503 or 504');
  }
  if (!(Number.isInteger(f.stormRetryAfterSeconds) && f.stormRetryAfterSeconds >= 0)) {
    throw new RangeError('stormRetryAfterSeconds must be a non-negative integer');
  }
  if (typeof f.rateLimitStorm !== 'boolean') {
    throw new RangeError('rateLimitStorm must be a boolean');
  }
  if (!['inline', 'async', 'download', 'stuck'].includes(f.wfmSearchMode)) {
    throw new RangeError('wfmSearchMode must be inline, async, download or stuck');
  }
}
