import { createHash } from 'node:crypto';
import type { RedisConnection } from './redis';

/**
 * A Lua script run with EVALSHA, falling back to EVAL when the server does not know it yet (NOSCRIPT after a
 * restart or on another cluster node). Works on a plain connection and on a Cluster without defining commands on
 * the shared connection object.
 */
export class RedisScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(
    redis: RedisConnection,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (err instanceof Error && err.message.includes('NOSCRIPT')) {
        return redis.eval(this.source, keys.length, ...keys, ...args);
      }
      throw err;
    }
  }
}
