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

/**
 * How a Cluster client rides out a master failover (the replica takes over after `cluster-node-timeout`, a few
 * seconds). Until then a command for the dead master's slots meets a closed connection, a MOVED back to the dead
 * node from the other nodes, or CLUSTERDOWN; ioredis retries each after a delay and counts it against
 * `maxRedirections`. The defaults (16 redirections, 100 ms apart) give up after ~1.6 s with "Too many Cluster
 * redirections"; these keep retrying for ~10 s, longer than a failover takes, and refresh the slot map sooner.
 * A caller with a deadline (the HTTP API: 5 s, then 503) still answers on time.
 */
export const CLUSTER_FAILOVER_OPTIONS = {
  maxRedirections: 64,
  retryDelayOnFailover: 300,
  retryDelayOnClusterDown: 300,
  retryDelayOnTryAgain: 100,
  retryDelayOnMoved: 50,
  slotsRefreshTimeout: 2_000,
  slotsRefreshInterval: 5_000,
  clusterRetryStrategy: (times: number): number => Math.min(100 * times, 2_000),
} as const;

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
      ...CLUSTER_FAILOVER_OPTIONS,
      redisOptions: options,
      enableOfflineQueue: options.enableOfflineQueue ?? true,
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
