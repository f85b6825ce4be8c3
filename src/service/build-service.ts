import type { Logger } from 'pino';
import type { Config } from '../config';
import { ApiKeyRing } from '../http/api-keys';
import { buildHttpApp } from '../http/build-http-app';
import { buildOpsApp } from '../http/build-ops-app';
import { HttpServer } from '../http/http-server';
import type { PresenceIngress } from '../http/presence-ingress';
import type { ReadinessCheck } from '../http/readiness';
import { breakerReadiness, redisReadiness } from '../http/readiness-checks';
import type { Component } from '../lifecycle';
import { createLogger } from '../logger';
import { createMetrics, type Metrics } from '../metrics';
import { QueueSet } from './queue-set';
import { RedisConnections } from './redis-connections';
import type { Role } from './roles';
import { Service } from './service';

export interface BuildServiceOptions {
  roles: readonly Role[];
  logger?: Logger;
  metrics?: Metrics;
  /** Replaces the pipeline's producer behind the HTTP API (tests). */
  ingress?: PresenceIngress;
  /** How long start-up waits for Redis (default 10,000 ms). */
  redisConnectTimeoutMs?: number;
}

const PACKAGE_VERSION = '0.1.0';

/**
 * The composition root (STYLE.md §1): builds config-driven dependencies once — logger, metrics, the two
 * Redis connections, one `Queue` per name, the Genesys client, the audit emitter and store — and hands
 * them to the components of the requested roles, in start order:
 *
 *   redis → queues → audit worker → presence / events / export workers → stream → scheduler → http
 *
 * Stopping runs the reverse: HTTP stops taking requests first, Redis closes last.
 */
export async function buildService(config: Config, options: BuildServiceOptions): Promise<Service> {
  const roles = options.roles;
  const has = (role: Role): boolean => roles.includes(role);
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL });
  const metrics = options.metrics ?? createMetrics({ defaultLabels: { role: roles.join(',') } });
  const missing: string[] = [];

  const redis = new RedisConnections(config, logger, options.redisConnectTimeoutMs);
  const queues = new QueueSet(redis.producer, config.QUEUE_PREFIX, logger);
  const components: Component[] = [redis, queues];

  const readiness: ReadinessCheck[] = [
    redisReadiness(redis.producer),
    breakerReadiness(() => metrics.breaker),
  ];

  let http: HttpServer | undefined;
  if (has('api')) {
    const keys = ApiKeyRing.fromJson(config.API_KEYS);
    if (keys.size === 0) {
      logger.warn('API_KEYS is empty: every /v1 request and Bull Board login will be refused');
    }
    metrics.watchQueues(queues.all());
    const app = await buildHttpApp({
      logger,
      metrics,
      keys,
      ingress: options.ingress,
      queues: queues.all(),
      readiness,
      bodyLimitBytes: config.HTTP_BODY_LIMIT_BYTES,
      bullBoardReadOnly: config.BULL_BOARD_READ_ONLY,
      version: PACKAGE_VERSION,
    });
    http = new HttpServer(app, { host: config.HTTP_HOST, port: config.HTTP_PORT });
  } else if (config.METRICS_PORT !== undefined) {
    const app = await buildOpsApp({ logger, metrics, readiness });
    http = new HttpServer(app, { host: config.HTTP_HOST, port: config.METRICS_PORT });
  }
  if (http !== undefined) {
    components.push(http);
  }

  return new Service({
    config,
    logger,
    metrics,
    roles,
    queues,
    components,
    missing,
    httpUrl: () => {
      try {
        return http?.url;
      } catch {
        return undefined;
      }
    },
  });
}
