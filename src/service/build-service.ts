import type { Logger } from 'pino';
import type { AuditEmitter } from '../audit/audit-event';
import { AUDIT_QUEUE, auditJobRetention } from '../audit/audit-queue';
import { AuditQueueEmitter, SERVICE_AUDIT_EMIT_BATCHING } from '../audit/audit-queue-emitter';
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
import { PRESENCE_EVENTS_QUEUE } from '../workers/presence-events-queue';
import { loadPresencePolicy } from '../workers/presence-policy-file';
import { createSweeps } from '../workers/scheduler-sweeps';
import { StreamRole } from '../workers/stream-role';
import { StreamWfmEvents } from '../workers/stream-wfm-events';
import { genesysObserver, producerObserver, streamObserver, sweepsObserver } from './observers';
import { packageVersion } from './package-version';
import { presenceIngressAdapter } from './presence-ingress-adapter';
import { QUEUE_NAMES } from './queue-names';
import { QueueSet } from './queue-set';
import { RedisConnections } from './redis-connections';
import { ROLES, type Role } from './roles';
import { Service } from './service';
import { workerRoleComponents } from './worker-role';

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

  // What can be refused before anything connects: the policy file and the API keys.
  const policy = await loadPresencePolicy(config.POLICY_FILE);
  const keys = has('api') ? ApiKeyRing.fromJson(config.API_KEYS) : undefined;

  // Shared dependencies ------------------------------------------------------------------------------------
  const redis = new RedisConnections(config, logger, options.redisConnectTimeoutMs);
  const queues = new QueueSet(redis.producer, config.QUEUE_PREFIX, logger);
  try {
    return await assemble();
  } catch (err) {
    // Nothing started yet, so the lifecycle will not clean up: close what was opened, or the process hangs.
    await queues.stop();
    redis.disconnect();
    throw err;
  }

  async function assemble(): Promise<Service> {
    const components: Component[] = [redis, queues];

    // The Genesys client waits for Redis (shared token, budget) in background roles and fails fast in an
    // api-only process, where a caller is waiting.
    const background = !has('api') || has('worker') || has('stream') || has('scheduler');
    const genesys: GenesysClient = createGenesysClient({
      config,
      redis: background ? redis.worker : redis.producer,
      logger,
      observer: genesysObserver(metrics),
    });
    components.push(genesys);

    const audit: AuditEmitter = new AuditQueueEmitter(
      queues.get(AUDIT_QUEUE),
      auditJobRetention(config),
      SERVICE_AUDIT_EMIT_BATCHING,
    );
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

    if (has('worker')) {
      components.push(
        ...workerRoleComponents({ config, logger, metrics, redis, queues, genesys, audit, policy, sweeps }),
      );
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
          // Async schedule-search results reach the sync (worker role) through Redis; WFM changes queue a sync.
          wfm: new StreamWfmEvents({
            requesterId: config.WFM_SEARCH_REQUESTER_ID ?? config.GENESYS_CLIENT_ID,
            businessUnitIds: async () =>
              config.WFM_BUSINESS_UNIT_IDS.length > 0
                ? config.WFM_BUSINESS_UNIT_IDS
                : (await genesys.listBusinessUnits()).data.map((bu) => bu.id),
            completions: sweeps.completions,
            requestScheduleSync: (businessUnitId, reason) =>
              sweeps.requestScheduleSync(businessUnitId, reason),
            logger: logger.child({ component: 'stream-wfm' }),
          }),
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
    if (keys !== undefined) {
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
    }
    // Its own port for each process (PM2 cluster instances share HTTP_PORT, so a scrape there hits any one).
    let ops: HttpServer | undefined;
    if (config.METRICS_PORT !== undefined) {
      const app = await buildOpsApp({ logger, metrics, readiness });
      ops = new HttpServer(app, { host: config.HTTP_HOST, port: config.METRICS_PORT, name: 'ops-http' });
      components.push(ops);
    }
    if (http !== undefined) {
      components.push(http);
    }
    const served = http ?? ops;

    return new Service({
      config,
      logger,
      metrics,
      roles,
      queues,
      components,
      httpUrl: () => {
        try {
          return served?.url;
        } catch {
          return undefined;
        }
      },
    });
  }
}
