import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Config } from './config';

export type RedisConnection = Redis | Cluster;

/**
 * Two connection profiles (STYLE.md §7): producers fail fast when Redis is away (`enableOfflineQueue: false`,
 * few retries) so an HTTP caller gets a 503 at once; workers wait for Redis forever (`maxRetriesPerRequest: null`,
 * as BullMQ requires for blocking connections).
 */
export type RedisProfile = 'producer' | 'worker';

function profileOptions(profile: RedisProfile): RedisOptions {
  return profile === 'producer'
    ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000 }
    : { enableOfflineQueue: true, maxRetriesPerRequest: null };
}

export function createRedis(
  config: Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>,
  profile: RedisProfile,
  connectionName = `presence-worker:${profile}`,
): RedisConnection {
  const options: RedisOptions = { ...profileOptions(profile), connectionName };
  if (config.REDIS_CLUSTER_NODES.length > 0) {
    const nodes = config.REDIS_CLUSTER_NODES.map((hostPort) => {
      const [host, port] = hostPort.split(':');
      return { host: host ?? '127.0.0.1', port: Number(port ?? 6379) };
    });
    return new Cluster(nodes, {
      redisOptions: options,
      enableOfflineQueue: options.enableOfflineQueue ?? true,
      clusterRetryStrategy: (times) => Math.min(100 * times, 2_000),
    });
  }
  return new Redis(config.REDIS_URL, options);
}

/** Closes a connection politely, falling back to disconnect if QUIT cannot be sent. */
export async function closeRedis(connection: RedisConnection): Promise<void> {
  if (connection.status === 'end') {
    return;
  }
  try {
    await connection.quit();
  } catch {
    connection.disconnect();
  }
}
