import type { Redis } from 'ioredis';
import type { Captured } from './chaos-secrets';

/**
 * Every value under `prefix*` on one Redis as text (hashes, strings, lists, sets, sorted sets and streams —
 * BullMQ job data, events, agent state, request records), one `Captured` per key, for the secret scan.
 */
export async function dumpKeys(redis: Redis, prefix: string): Promise<Captured[]> {
  const out: Captured[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      let values: unknown;
      switch (type) {
        case 'hash':
          values = await redis.hgetall(key);
          break;
        case 'string':
          values = await redis.get(key);
          break;
        case 'list':
          values = await redis.lrange(key, 0, -1);
          break;
        case 'set':
          values = await redis.smembers(key);
          break;
        case 'zset':
          values = await redis.zrange(key, 0, -1);
          break;
        case 'stream':
          values = await redis.xrange(key, '-', '+');
          break;
        default:
          values = undefined;
      }
      out.push({ where: `redis ${type} ${key}`, text: JSON.stringify(values) ?? '' });
    }
  } while (cursor !== '0');
  return out;
}
