import type { Logger } from 'pino';
import { stripHashTag } from '../jobs/keys';
import type { RedisConnection } from '../redis';
import { RedisLease } from './redis-lease';

/** The directory call the roster makes (the Genesys client satisfies it). */
export interface UserDirectory {
  listAllUsers(options?: {
    pageSize?: number;
    state?: 'active' | 'inactive' | 'deleted' | 'any';
  }): Promise<{ data: ReadonlyArray<{ id: string }> }>;
}

export interface AgentRosterOptions {
  redis: RedisConnection;
  prefix: string;
  /** `MANAGED_USER_IDS`: when non-empty, the roster is exactly this list and Genesys is never asked. */
  managedUserIds: readonly string[];
  directory: UserDirectory;
  /** `ROSTER_REFRESH_MS`: age after which the shared list of all users is read again. */
  refreshMs: number;
  logger: Pick<Logger, 'info' | 'warn'>;
  now?: () => number;
}

/** Largest page Genesys serves for `GET /api/v2/users`. */
const PAGE_SIZE = 500;

/**
 * The agents the service manages: `MANAGED_USER_IDS`, or every active user of the org. The org-wide list is read
 * with `listAllUsers` (10 calls for 5,000 users) by one process at a time, kept in a Redis set shared by every
 * process and refreshed after `ROSTER_REFRESH_MS`, so a heartbeat sweep costs its bulk GETs and nothing else.
 */
export class AgentRoster {
  private readonly now: () => number;
  private readonly lease: RedisLease;
  private readonly base: string;

  constructor(private readonly options: AgentRosterOptions) {
    this.now = options.now ?? Date.now;
    this.lease = new RedisLease(options.redis);
    // One hash tag for the roster keys, so the swap below stays in one cluster slot.
    this.base = `${stripHashTag(options.prefix)}:{roster}`;
  }

  /** True when the roster is the configured list (no directory calls). */
  get isExplicit(): boolean {
    return this.options.managedUserIds.length > 0;
  }

  /** The managed agent ids, sorted. Refreshes the shared list first when it is missing or too old. */
  async list(): Promise<string[]> {
    if (this.isExplicit) {
      return [...new Set(this.options.managedUserIds)].sort();
    }
    const [members, refreshedAt] = await Promise.all([
      this.options.redis.smembers(`${this.base}:agents`),
      this.options.redis.get(`${this.base}:refreshed-at`),
    ]);
    const fresh = refreshedAt !== null && this.now() - Number(refreshedAt) < this.options.refreshMs;
    if (fresh && members.length > 0) {
      return members.sort();
    }
    const refreshed = await this.refresh(members.length === 0);
    return (refreshed ?? members).sort();
  }

  /**
   * Reads every active user from Genesys and replaces the shared set. Another process refreshing at the same time
   * wins: `undefined` is returned (the caller keeps the current list), unless `wait` asks to wait for its result.
   */
  async refresh(wait = false): Promise<string[] | undefined> {
    const leaseKey = `${this.base}:lease`;
    const lease = wait
      ? await this.lease.acquire(leaseKey, 120_000, 60_000)
      : await this.lease.tryAcquire(leaseKey, 120_000);
    if (lease === undefined) {
      return undefined;
    }
    try {
      if (wait) {
        // Someone may have refreshed while we waited for the lease.
        const refreshedAt = await this.options.redis.get(`${this.base}:refreshed-at`);
        if (refreshedAt !== null && this.now() - Number(refreshedAt) < this.options.refreshMs) {
          const members = await this.options.redis.smembers(`${this.base}:agents`);
          if (members.length > 0) {
            return members;
          }
        }
      }
      const users = await this.options.directory.listAllUsers({ pageSize: PAGE_SIZE, state: 'active' });
      const ids = [...new Set(users.data.map((u) => u.id))];
      const next = `${this.base}:agents:next`;
      const tx = this.options.redis.multi().del(next);
      for (let i = 0; i < ids.length; i += 1_000) {
        tx.sadd(next, ...ids.slice(i, i + 1_000));
      }
      if (ids.length > 0) {
        tx.rename(next, `${this.base}:agents`);
      } else {
        tx.del(`${this.base}:agents`);
      }
      tx.set(`${this.base}:refreshed-at`, String(this.now()));
      await tx.exec();
      this.options.logger.info({ agents: ids.length }, 'managed agent roster refreshed');
      return ids;
    } finally {
      await lease.release();
    }
  }
}
