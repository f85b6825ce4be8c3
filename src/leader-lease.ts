import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Component } from './lifecycle';
import type { RedisConnection } from './redis';

/**
 * Acquire: SET NX PX, then a fencing token from a counter that only ever grows. KEYS: lease, fence counter (one
 * hash tag, one slot). ARGV: owner id, ttl ms. Returns the token, or nil when someone else holds the lease.
 */
const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local token = redis.call('INCR', KEYS[2])
  redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
  return token
end
return false
`;
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Keys of a named lease: `<prefix>:{leader:<name>}:lease` and its fencing counter. */
export function leaderKeys(prefix: string, name: string): { lease: string; fence: string } {
  const base = `${prefix.replace(/[{}]/g, '')}:{leader:${name}}`;
  return { lease: `${base}:lease`, fence: `${base}:fence` };
}

/**
 * A leader lease in Redis with a fencing token. Whoever holds the lease is the leader until it lapses; every new
 * holder gets a strictly larger token, so a store that remembers the largest token it has seen can refuse the
 * writes of a former leader that has not noticed it lost the lease (a long GC pause, a partition).
 */
export class LeaderLease {
  readonly ownerId: string;
  private readonly keys: { lease: string; fence: string };

  constructor(
    private readonly redis: RedisConnection,
    private readonly options: { prefix: string; name: string; ttlMs: number; ownerId?: string },
  ) {
    this.ownerId = options.ownerId ?? randomUUID();
    this.keys = leaderKeys(options.prefix, options.name);
  }

  /** The fencing token when the lease was free and is now ours, else undefined. */
  async tryAcquire(): Promise<number | undefined> {
    const token = await this.redis.eval(
      ACQUIRE,
      2,
      this.keys.lease,
      this.keys.fence,
      this.ownerId,
      String(this.options.ttlMs),
    );
    return token === null || token === undefined ? undefined : Number(token);
  }

  /** Extends our lease; false when it is no longer ours. */
  async renew(token: number): Promise<boolean> {
    const ok = await this.redis.eval(
      RENEW,
      1,
      this.keys.lease,
      `${this.ownerId}|${token}`,
      String(this.options.ttlMs),
    );
    return ok === 1;
  }

  async release(token: number): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.keys.lease, `${this.ownerId}|${token}`);
  }

  /** Who holds the lease now, if anyone. */
  async holder(): Promise<{ ownerId: string; token: number } | undefined> {
    const value = await this.redis.get(this.keys.lease);
    if (value === null) {
      return undefined;
    }
    const at = value.lastIndexOf('|');
    return { ownerId: value.slice(0, at), token: Number(value.slice(at + 1)) };
  }
}

/** A Redis call that does not answer in time counts as failed (a worker connection would wait forever). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`leader lease: Redis did not answer within ${ms} ms`)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface LeaderElectorOptions {
  /** The lease's time to live; renewed every third of it, polled by standbys every quarter of it. */
  ttlMs: number;
  /** Starts the leader's work; it runs until `onDemoted`. A throw gives the lease up and retries later. */
  onElected(token: number): Promise<void>;
  /** Stops the leader's work at once (lease lost, Redis unreachable past the lease, or stopping). */
  onDemoted(reason: 'lost' | 'unreachable' | 'stopping' | 'failed'): Promise<void>;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  now?: () => number;
}

/**
 * Runs `onElected` in exactly one process at a time: standbys poll the lease, the leader renews it and demotes
 * itself as soon as a renewal fails or it cannot reach Redis for longer than the lease could still be valid.
 */
export class LeaderElector implements Component {
  readonly name = 'leader-elector';
  private timer: NodeJS.Timeout | undefined;
  private token: number | undefined;
  private lastRenewedAt = 0;
  private running = false;
  private busy: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(
    private readonly lease: LeaderLease,
    private readonly options: LeaderElectorOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get isLeader(): boolean {
    return this.token !== undefined;
  }

  get fencingToken(): number | undefined {
    return this.token;
  }

  async start(): Promise<void> {
    this.running = true;
    await this.tick();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    await this.busy;
    const token = this.token;
    if (token !== undefined) {
      await this.demote('stopping');
      await this.lease.release(token).catch((err: unknown) => {
        this.options.logger.warn({ err }, 'could not release the leader lease; it will lapse');
      });
    }
  }

  private schedule(ms: number): void {
    if (!this.running) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tick();
    }, ms);
    this.timer.unref?.();
  }

  private tick(): Promise<void> {
    this.busy = this.busy.then(() => this.step());
    return this.busy;
  }

  private async step(): Promise<void> {
    if (!this.running) {
      return;
    }
    const { ttlMs, logger } = this.options;
    if (this.token === undefined) {
      let token: number | undefined;
      try {
        token = await withTimeout(this.lease.tryAcquire(), ttlMs / 3);
      } catch (err) {
        logger.warn({ err }, 'leader lease: Redis unreachable while standing by');
      }
      if (token !== undefined && this.running) {
        this.token = token;
        this.lastRenewedAt = this.now();
        logger.info({ fencingToken: token, ownerId: this.lease.ownerId }, 'elected leader');
        try {
          await this.options.onElected(token);
        } catch (err) {
          logger.error({ err }, 'leader work failed to start; giving the lease up');
          await this.demote('failed');
          await this.lease.release(token).catch(() => undefined);
          this.schedule(ttlMs);
          return;
        }
        this.schedule(Math.floor(ttlMs / 3));
        return;
      }
      this.schedule(Math.floor(ttlMs / 4));
      return;
    }
    const token = this.token;
    try {
      if (await withTimeout(this.lease.renew(token), ttlMs / 3)) {
        this.lastRenewedAt = this.now();
      } else {
        logger.warn({ fencingToken: token }, 'leader lease lost');
        await this.demote('lost');
      }
    } catch (err) {
      // Our lease may still be valid until lastRenewedAt + ttl; stop well before that.
      if (this.now() - this.lastRenewedAt > (ttlMs * 2) / 3) {
        logger.error({ err, fencingToken: token }, 'Redis unreachable for most of the lease; stepping down');
        await this.demote('unreachable');
      } else {
        logger.warn({ err }, 'leader lease renewal failed; retrying');
      }
    }
    this.schedule(this.token === undefined ? Math.floor(ttlMs / 4) : Math.floor(ttlMs / 3));
  }

  private async demote(reason: 'lost' | 'unreachable' | 'stopping' | 'failed'): Promise<void> {
    if (this.token === undefined) {
      return;
    }
    this.token = undefined;
    try {
      await this.options.onDemoted(reason);
    } catch (err) {
      this.options.logger.error({ err }, 'leader work failed to stop cleanly');
    }
  }
}
