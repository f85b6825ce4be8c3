import type { Logger } from 'pino';
import type { AuditEmitter } from '../audit/audit-event';
import { AUDIT_QUEUE, auditJobRetention } from '../audit/audit-queue';
import { AuditQueueEmitter } from '../audit/audit-queue-emitter';
import { createAuditStore } from '../audit/create-audit-store';
import type { Config } from '../config';
import { createGenesysClient, type GenesysClient } from '../genesys';
import { ApiKeyRing } from '../http/api-keys';
import { buildHttpApp } from '../http/build-http-app';
import { buildOpsApp } from '../http/build-ops-app';
import { HttpServer } from '../http/http-server';
import type { PresenceIngress } from '../http/presence-ingress';
import type { ReadinessCheck } from '../http/readiness';
import { breakerReadiness, redisReadiness, tokenReadiness } from '../http/readiness-checks';
import { PresenceProducer } from '../jobs/presence-producer';
import { PRESENCE_CHANGE_QUEUE } from '../jobs/queue-names';
import type { Component } from '../lifecycle';
import { createLogger } from '../logger';
import { createMetrics, type Metrics } from '../metrics';
import { ANALYTICS_BACKFILL_QUEUE } from '../workers/analytics-backfill-queue';
import { analyticsBackfillSchedulerProvider } from '../workers/analytics-backfill-scheduler';
import { AnalyticsBackfillWorker } from '../workers/analytics-backfill-worker';
import { AuditWorker } from '../workers/audit-worker';
import { PRESENCE_EVENTS_QUEUE } from '../workers/presence-events-queue';
import { createTimeTrackingWorkers } from '../workers/presence-events-stack';
import { loadPresencePolicy } from '../workers/presence-policy-file';
import { GenesysScheduleSource } from '../workers/presence-schedule-source';
import { PresenceWorker } from '../workers/presence-worker';
import { createSweeps } from '../workers/scheduler-sweeps';
import { StreamRole } from '../workers/stream-role';
import {
  auditWorkerObserver,
  backfillObserver,
  genesysObserver,
  presenceEventsObserver,
  presencePipelineObserver,
  producerObserver,
  streamObserver,
  sweepsObserver,
  timeExportObserver,
} from './observers';
import { packageVersion } from './package-version';
import { presenceIngressAdapter } from './presence-ingress-adapter';
import { QUEUE_NAMES } from './queue-names';
import { QueueSet } from './queue-set';
import { RedisConnections } from './redis-connections';
import { ROLES, type Role } from './roles';
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

/**
 * The composition root (STYLE.md §1): builds the shared dependencies once — logger, metrics, the two Redis
 * connections, one `Queue` per name, the Genesys client, the audit emitter and store, the producer — and hands
 * them to the components of the requested roles, in start order:
 *
 *   redis → queues → genesys client → audit worker → presence / events / export workers → stream → scheduler → http
 *
 * Stopping runs the reverse: HTTP stops taking requests first, workers drain, Redis closes last.
 */
export async function buildService(config: Config, options: BuildServiceOptions): Promise<Service> {
  const roles = options.roles;
  const has = (role: Role): boolean => roles.includes(role);
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL });
  const role = roles.length === ROLES.length ? 'all' : roles.join(',');
  const metrics = options.metrics ?? createMetrics({ defaultLabels: { role } });

  // Shared dependencies ------------------------------------------------------------------------------------
  const redis = new RedisConnections(config, logger, options.redisConnectTimeoutMs);
  const queues = new QueueSet(redis.producer, config.QUEUE_PREFIX, logger);
  const components: Component[] = [redis, queues];
  const policy = await loadPresencePolicy(config.POLICY_FILE);

  // The Genesys client waits for Redis (shared token, budget) in background roles and fails fast in an
  // api-only process, where a caller is waiting.
  const backgroundOnly = !has('api') || has('worker') || has('stream') || has('scheduler');
  const genesys: GenesysClient = createGenesysClient({
    config,
    redis: backgroundOnly ? redis.worker : redis.producer,
    logger,
    observer: genesysObserver(metrics),
  });
  components.push(genesys);

  const audit: AuditEmitter = new AuditQueueEmitter(queues.get(AUDIT_QUEUE), auditJobRetention(config));
  const producer = new PresenceProducer({
    redis: redis.producer,
    queue: queues.get(PRESENCE_CHANGE_QUEUE),
    resolver: genesys,
    audit,
    config,
    logger,
    privilegedSources: policy.privilegedSources,
    observer: producerObserver(metrics),
  });

  // Heartbeat, schedule sync and follower: workers in the worker role, their job schedulers in the scheduler role.
  const sweeps =
    has('worker') || has('scheduler') || has('stream')
      ? createSweeps({
          config,
          connection: redis.worker,
          queue: (name) => queues.get(name),
          genesys,
          producer,
          audit,
          policy,
          logger,
          observer: sweepsObserver(metrics),
        })
      : undefined;

  // worker role --------------------------------------------------------------------------------------------
  if (has('worker')) {
    components.push(
      new AuditWorker(
        {
          connection: redis.worker,
          prefix: config.QUEUE_PREFIX,
          store: createAuditStore(config, logger),
          logger,
          observer: auditWorkerObserver(metrics),
        },
        { batchSize: config.AUDIT_BATCH_SIZE, leaseMs: config.AUDIT_WRITER_LEASE_MS },
      ),
    );
    components.push(
      new PresenceWorker({
        config,
        connection: redis.worker,
        genesys,
        schedule: new GenesysScheduleSource({
          redis: redis.worker,
          prefix: config.QUEUE_PREFIX,
          wfm: genesys,
          ttlSeconds: config.SCHEDULE_CACHE_TTL_SECONDS,
          defaultBusinessUnitId:
            config.WFM_BUSINESS_UNIT_IDS.length === 1 ? config.WFM_BUSINESS_UNIT_IDS[0] : undefined,
          logger,
        }),
        policy,
        audit,
        logger,
        observer: presencePipelineObserver(metrics),
      }),
    );
    const timeTracking = createTimeTrackingWorkers({
      config,
      connection: redis.worker,
      logger,
      timeZone: config.TIMESHEET_TIME_ZONE ?? 'UTC',
      presenceEventsObserver: presenceEventsObserver(metrics),
      exportObserver: timeExportObserver(metrics),
    });
    for (const q of [
      timeTracking.presenceEventsQueue,
      timeTracking.timeExportQueue,
      timeTracking.deadLetterQueue,
    ]) {
      queues.adopt(q);
    }
    components.push(...timeTracking.components);
    components.push(...(sweeps?.workers ?? []));
    if (sweeps !== undefined) {
      components.push(
        new AnalyticsBackfillWorker({
          connection: redis.worker,
          config,
          analytics: genesys,
          roster: sweeps.roster,
          queue: queues.get(ANALYTICS_BACKFILL_QUEUE),
          presenceEventsQueue: queues.get(PRESENCE_EVENTS_QUEUE),
          logger: logger.child({ component: 'analytics-backfill' }),
          observer: backfillObserver(metrics),
        }),
      );
    }
  }

  // stream and scheduler roles -----------------------------------------------------------------------------
  if (has('stream') && sweeps !== undefined) {
    components.push(
      new StreamRole({
        config,
        connection: redis.worker,
        genesys,
        roster: sweeps.roster,
        presenceEventsQueue: queues.get(PRESENCE_EVENTS_QUEUE),
        backfillQueue: queues.get(ANALYTICS_BACKFILL_QUEUE),
        logger: logger.child({ component: 'stream' }),
        observer: streamObserver(metrics),
      }),
    );
  }
  if (has('scheduler') && sweeps !== undefined) {
    components.push(sweeps.schedulerRole([analyticsBackfillSchedulerProvider(config)]));
  }

  // Every queue exists in every process (Bull Board and queue metrics show them whatever runs here).
  for (const name of QUEUE_NAMES) {
    queues.get(name);
  }

  // api role (or the metrics-only server) — started last, stopped first ------------------------------------
  const readiness: ReadinessCheck[] = [
    redisReadiness(redis.producer),
    breakerReadiness(() => genesys.breakerState),
    tokenReadiness(() => genesys.getToken()),
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
      ingress:
        options.ingress ??
        presenceIngressAdapter({ producer, redis: redis.producer, prefix: config.QUEUE_PREFIX }),
      queues: queues.all(),
      readiness,
      bodyLimitBytes: config.HTTP_BODY_LIMIT_BYTES,
      bullBoardReadOnly: config.BULL_BOARD_READ_ONLY,
      version: packageVersion(),
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
    httpUrl: () => {
      try {
        return http?.url;
      } catch {
        return undefined;
      }
    },
  });
}
