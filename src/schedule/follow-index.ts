import { stripHashTag } from '../jobs/keys';
import type { RedisConnection } from '../redis';

/** One activity boundary of a followed agent, as indexed for the follower. */
export interface IndexedBoundary {
  businessUnitId: string;
  userId: string;
  /** Epoch ms. */
  at: number;
}

/**
 * The schedule follower's index of upcoming activity boundaries: one sorted set per business unit (score = the
 * boundary instant, member = `<userId>|<instant>`), rebuilt atomically by each schedule sync for the agents that
 * follow their schedule, plus the follower's cursor (the instant up to which boundaries were handled). A tick
 * then reads only the boundaries that fall due, not every agent's timeline.
 */
export class FollowIndex {
  private readonly base: string;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
  ) {
    this.base = stripHashTag(prefix);
  }

  /** Per BU key; temp and final key share a hash tag so the swap is one cluster slot. */
  private key(businessUnitId: string, suffix = ''): string {
    return `${this.base}:{follow:${businessUnitId}}:boundaries${suffix}`;
  }

  private get registryKey(): string {
    return `${this.base}:follow:business-units`;
  }

  private get cursorKey(): string {
    return `${this.base}:follow:cursor`;
  }

  /**
   * Replaces the BU's boundaries (atomically: a tick sees the old set or the new one). The set expires with the
   * timelines it was built from, so a business unit no longer synced stops being followed.
   */
  async replace(
    businessUnitId: string,
    boundaries: ReadonlyArray<{ userId: string; at: number }>,
    ttlMs: number,
  ): Promise<void> {
    const next = this.key(businessUnitId, ':next');
    const tx = this.redis.multi().del(next);
    for (let i = 0; i < boundaries.length; i += 1_000) {
      const args: Array<string | number> = [];
      for (const b of boundaries.slice(i, i + 1_000)) {
        args.push(b.at, `${b.userId}|${b.at}`);
      }
      tx.zadd(next, ...args);
    }
    if (boundaries.length > 0) {
      tx.rename(next, this.key(businessUnitId));
      tx.pexpire(this.key(businessUnitId), Math.max(1, Math.round(ttlMs)));
    } else {
      tx.del(this.key(businessUnitId));
    }
    await tx.exec();
    await this.redis.sadd(this.registryKey, businessUnitId);
  }

  async businessUnits(): Promise<string[]> {
    return (await this.redis.smembers(this.registryKey)).sort();
  }

  /** Boundaries with `after < at <= upTo`, every BU, sorted by instant. */
  async due(after: number, upTo: number): Promise<IndexedBoundary[]> {
    const out: IndexedBoundary[] = [];
    for (const businessUnitId of await this.businessUnits()) {
      const members = await this.redis.zrangebyscore(this.key(businessUnitId), `(${after}`, upTo);
      for (const member of members) {
        const sep = member.lastIndexOf('|');
        out.push({ businessUnitId, userId: member.slice(0, sep), at: Number(member.slice(sep + 1)) });
      }
    }
    return out.sort((a, b) => a.at - b.at || a.userId.localeCompare(b.userId));
  }

  /** The first boundary strictly after `after`, any BU. */
  async next(after: number): Promise<number | undefined> {
    let best: number | undefined;
    for (const businessUnitId of await this.businessUnits()) {
      const [, score] = await this.redis.zrangebyscore(
        this.key(businessUnitId),
        `(${after}`,
        '+inf',
        'WITHSCORES',
        'LIMIT',
        0,
        1,
      );
      if (score !== undefined && (best === undefined || Number(score) < best)) {
        best = Number(score);
      }
    }
    return best;
  }

  async cursor(): Promise<number | undefined> {
    const raw = await this.redis.get(this.cursorKey);
    return raw === null ? undefined : Number(raw);
  }

  async setCursor(at: number): Promise<void> {
    await this.redis.set(this.cursorKey, String(at));
  }
}
