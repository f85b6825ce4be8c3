import { randomUUID } from 'node:crypto';
import type { RedisConnection } from '../redis';

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

/** A held lease: renew it while working, release it when done. */
export interface HeldLease {
  readonly key: string;
  readonly token: string;
  /** False once the lease was lost (expired and taken, or released). */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * A short exclusive lease in Redis (`SET NX PX` + compare-and-delete), used so that one run of a repeatable job
 * (a heartbeat sweep, the sync of one business unit, a follower tick, the scheduler registration) happens at a
 * time across every process. Expiry bounds the damage of a crashed holder; holders of long work renew.
 */
export class RedisLease {
  constructor(private readonly redis: RedisConnection) {}

  async tryAcquire(key: string, ttlMs: number): Promise<HeldLease | undefined> {
    const token = randomUUID();
    const ok = await this.redis.set(key, token, 'PX', ttlMs, 'NX');
    if (ok !== 'OK') {
      return undefined;
    }
    const redis = this.redis;
    return {
      key,
      token,
      async renew() {
        return (await redis.eval(RENEW, 1, key, token, String(ttlMs))) === 1;
      },
      async release() {
        await redis.eval(RELEASE, 1, key, token);
      },
    };
  }

  /**
   * Waits for the lease up to `waitMs`, retrying with a growing pause (25 ms → 500 ms); undefined when still held
   * by someone else after that.
   */
  async acquire(key: string, ttlMs: number, waitMs: number): Promise<HeldLease | undefined> {
    const deadline = Date.now() + waitMs;
    let pause = 25;
    for (;;) {
      const lease = await this.tryAcquire(key, ttlMs);
      if (lease !== undefined || Date.now() + pause > deadline) {
        return lease;
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 500);
    }
  }
}
