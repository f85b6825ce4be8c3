import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * Redis for integration tests: `REDIS_URL` when set (CI and this machine: the local server), else the local
 * default. A testcontainers Redis can be pointed at through REDIS_URL by a global setup where Docker works.
 */
export function testRedisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** A fresh prefix per test so tests never share keys or queues. */
export function uniquePrefix(name: string): string {
  return `t-${name}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under the prefix (SCAN, never FLUSHALL on the shared server). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) {
      await redis.unlink(...keys);
    }
  } while (cursor !== '0');
}

export function testRedis(): Redis {
  return new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
}
