import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The local Redis of the benchmarks: `REDIS_URL` or 127.0.0.1:6379 (loopback only). */
export function benchRedisUrl(): string {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1' && host !== '[::1]') {
    throw new Error(`benchmarks run against a loopback Redis only (REDIS_URL host is ${host})`);
  }
  return url;
}

/** A fresh key prefix per run (`bench-<name>-<hex>`): nothing is shared with other runs, tests or the service. */
export function benchPrefix(name: string): string {
  return `bench-${name}-${randomBytes(4).toString('hex')}`;
}

/** A worker-profile connection (waits for Redis; BullMQ needs `maxRetriesPerRequest: null`). */
export function benchRedis(name = 'bench'): Redis {
  return new Redis(benchRedisUrl(), { maxRetriesPerRequest: null, connectionName: name });
}

/**
 * Deletes every key starting with `prefix` (SCAN + UNLINK; never FLUSHALL the shared server). Keys of agents carry
 * the prefix without braces (`<prefix>:{agent:<id>}:…`) and queues `<prefix>:<queue>:…`: both match.
 */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 2000);
    cursor = next;
    if (keys.length > 0) {
      deleted += await redis.unlink(...keys);
    }
  } while (cursor !== '0');
  return deleted;
}
