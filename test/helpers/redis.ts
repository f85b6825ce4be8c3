import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * Redis for integration tests: `REDIS_URL` when set (CI and this machine: the local server), else the local
 * default. Where a Docker engine answers, test/helpers/global-setup.ts starts one with testcontainers and sets REDIS_URL.
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

/**
 * A connection the caller owns: quit it in afterEach/afterAll. A BullMQ Queue, Worker or QueueEvents given it never
 * closes it (QueueEvents and a Worker's blocking reads even use a duplicate, leaving this one idle but open), and an
 * open connection keeps jest from exiting: never write `connection: testRedis()` inline.
 */
export function testRedis(): Redis {
  return new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
}
