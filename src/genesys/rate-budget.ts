import { randomBytes } from 'node:crypto';
import type { RedisConnection } from '../redis';
import { GenesysBudgetExhaustedError } from './errors';
import { RedisScript } from '../redis-script';
import { genesysKey } from './redis-keys';

/** Answer of the shared budget: go now, or wait this long first. */
export type BudgetDecision = { ok: true; remaining: number } | { ok: false; retryAfterMs: number };

export interface RateBudgetOptions {
  redis: RedisConnection;
  /** Service key prefix (`QUEUE_PREFIX`). */
  prefix: string;
  /** Budget name; one per OAuth client (Genesys counts per token), default `default`. */
  scope?: string;
  /** Calls allowed per rolling window (`GENESYS_RATE_BUDGET_PER_MINUTE`). */
  limit: number;
  windowMs?: number;
  /** Test clock in ms; by default the Redis server's clock, which every process shares. */
  now?: () => number;
}

/*
 * Sliding log: a sorted set of call timestamps over the last window, plus a "paused until" key set when Genesys
 * answers 429. ARGV: n, limit, windowMs, consume (1|0), member id, now (or '' for the server clock).
 * Returns {1, remaining} or {0, waitMs}; {-1, 0} when n can never fit.
 */
const BUDGET_SCRIPT = new RedisScript(`
local log, pauseKey = KEYS[1], KEYS[2]
local n, limit, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local consume, member = ARGV[4] == '1', ARGV[5]
local now = tonumber(ARGV[6])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
if n > limit then return {-1, 0} end
local pausedUntil = tonumber(redis.call('GET', pauseKey) or '0')
if pausedUntil > now then return {0, pausedUntil - now} end
redis.call('ZREMRANGEBYSCORE', log, '-inf', now - window)
local count = redis.call('ZCARD', log)
if count + n <= limit then
  if consume then
    for i = 1, n do redis.call('ZADD', log, now, member .. ':' .. i) end
    redis.call('PEXPIRE', log, window)
    return {1, limit - count - n}
  end
  return {1, limit - count}
end
local idx = count + n - limit - 1
local entry = redis.call('ZRANGE', log, idx, idx, 'WITHSCORES')
local wait = tonumber(entry[2]) + window - now
if wait < 1 then wait = 1 end
return {0, wait}
`);

/*
 * Extends the pause to `now + ms` (never shortens it). ARGV: ms, now (or '').
 */
const PAUSE_SCRIPT = new RedisScript(`
local now = tonumber(ARGV[2])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local untilMs = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilMs > current then
  redis.call('SET', KEYS[1], untilMs, 'PX', tonumber(ARGV[1]))
end
return untilMs
`);

/**
 * The global budget of Genesys calls shared by every process through Redis (a rolling minute, atomic in Lua),
 * so the service slows itself down before Genesys answers 429. The Genesys client takes one unit per HTTP
 * attempt itself; workers call {@link peek} (or the client's `checkBudget`) before taking work, and turn a
 * `retryAfterMs` into a queue rate limit instead of calling.
 */
export class RateBudget {
  readonly limit: number;
  readonly windowMs: number;
  private readonly logKey: string;
  private readonly pauseKey: string;

  constructor(private readonly options: RateBudgetOptions) {
    this.limit = options.limit;
    this.windowMs = options.windowMs ?? 60_000;
    const scope = options.scope ?? 'default';
    this.logKey = genesysKey(options.prefix, `budget:${scope}`, 'log');
    this.pauseKey = genesysKey(options.prefix, `budget:${scope}`, 'pause');
  }

  /** Takes `n` units if they fit now; otherwise says how long until they would. */
  tryAcquire(n = 1): Promise<BudgetDecision> {
    return this.run(n, true);
  }

  /** Would `n` units fit now? Takes nothing. */
  peek(n = 1): Promise<BudgetDecision> {
    return this.run(n, false);
  }

  /**
   * Takes `n` units, waiting while the wait stays within `maxWaitMs` in total; otherwise throws
   * `GENESYS_BUDGET_EXHAUSTED` with the remaining wait (no unit taken). Resolves with the time waited.
   */
  async acquire(n: number, maxWaitMs: number): Promise<number> {
    const started = Date.now();
    for (;;) {
      const decision = await this.tryAcquire(n);
      if (decision.ok) {
        return Date.now() - started;
      }
      const waited = Date.now() - started;
      if (waited + decision.retryAfterMs > maxWaitMs) {
        throw new GenesysBudgetExhaustedError(
          `shared Genesys rate budget (${this.limit}/${this.windowMs} ms) exhausted; next slot in ${decision.retryAfterMs} ms`,
          { retryAfterMs: decision.retryAfterMs },
        );
      }
      await delay(decision.retryAfterMs);
    }
  }

  /** Nobody takes a unit for `ms` (Genesys said 429 + Retry-After: every process backs off together). */
  async pause(ms: number): Promise<void> {
    if (ms <= 0) {
      return;
    }
    await PAUSE_SCRIPT.run(this.options.redis, [this.pauseKey], [Math.ceil(ms), this.clockArg()]);
  }

  private async run(n: number, consume: boolean): Promise<BudgetDecision> {
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError('budget units must be a positive integer');
    }
    const member = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
    const reply = (await BUDGET_SCRIPT.run(
      this.options.redis,
      [this.logKey, this.pauseKey],
      [n, this.limit, this.windowMs, consume ? '1' : '0', member, this.clockArg()],
    )) as [number, number];
    const [status, value] = reply;
    if (status === 1) {
      return { ok: true, remaining: value };
    }
    if (status === -1) {
      throw new RangeError(`${n} units can never fit a budget of ${this.limit}`);
    }
    return { ok: false, retryAfterMs: value };
  }

  private clockArg(): string {
    return this.options.now === undefined ? '' : String(Math.floor(this.options.now()));
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
