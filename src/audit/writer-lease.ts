import { LeaderLease } from '../leader-lease';
import type { RedisConnection } from '../redis';

/**
 * The single-writer lease of the audit chain, on the shared `LeaderLease` (Redis SET NX PX + a fencing token from
 * a counter that only grows, keys `<prefix>:{leader:audit-writer}:*`). It also tracks locally until when the lease
 * is safely ours, so a write never starts as it runs out. The stores refuse appends carrying a token lower than
 * one they have seen, so a writer that stalls past its lease cannot fork the chain after another took over.
 */
export class WriterLease {
  private readonly lease: LeaderLease;
  private token: number | undefined;
  private validUntil = 0;

  constructor(
    redis: RedisConnection,
    prefix: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lease = new LeaderLease(redis, { prefix, name: 'audit-writer', ttlMs });
  }

  get owner(): string {
    return this.lease.ownerId;
  }

  /** The fencing token while the lease is safely held; undefined otherwise. */
  get fencingToken(): number | undefined {
    return this.isHeld() ? this.token : undefined;
  }

  /** Held, with a margin of a fifth of the ttl. */
  isHeld(): boolean {
    return this.token !== undefined && this.now() < this.validUntil - this.ttlMs / 5;
  }

  /** Tries once; returns the fencing token when this process now holds the lease. */
  async tryAcquire(): Promise<number | undefined> {
    const started = this.now();
    const token = await this.lease.tryAcquire();
    if (token !== undefined) {
      this.token = token;
      this.validUntil = started + this.ttlMs;
    }
    return token;
  }

  /** Extends the lease; false when it was lost (expired and maybe taken by another process). */
  async renew(): Promise<boolean> {
    const token = this.token;
    if (token === undefined) {
      return false;
    }
    const started = this.now();
    if (await this.lease.renew(token)) {
      this.validUntil = started + this.ttlMs;
      return true;
    }
    this.lost();
    return false;
  }

  /** Forget the lease locally (it was lost or fenced). */
  lost(): void {
    this.token = undefined;
    this.validUntil = 0;
  }

  async release(): Promise<void> {
    const token = this.token;
    this.lost();
    if (token !== undefined) {
      await this.lease.release(token);
    }
  }
}
