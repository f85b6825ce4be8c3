import type { Logger } from 'pino';
import type { AuditEmitter } from '../audit/audit-event';
import { createAuditStore } from '../audit/create-audit-store';
import type { Config } from '../config';
import type { GenesysClient } from '../genesys';
import { PRESENCE_CHANGE_QUEUE, PRESENCE_DEAD_LETTER_QUEUE } from '../jobs/queue-names';
import type { Component } from '../lifecycle';
import type { Metrics } from '../metrics';
import type { PresencePolicy } from '../policy/presence-policy';
import { ANALYTICS_BACKFILL_QUEUE } from '../workers/analytics-backfill-queue';
import { AnalyticsBackfillWorker } from '../workers/analytics-backfill-worker';
import { AuditWorker } from '../workers/audit-worker';
import { PRESENCE_EVENTS_QUEUE } from '../workers/presence-events-queue';
import { createTimeTrackingWorkers } from '../workers/presence-events-stack';
import { GenesysScheduleSource } from '../workers/presence-schedule-source';
import { PresenceWorker } from '../workers/presence-worker';
import type { Sweeps } from '../workers/scheduler-sweeps';
import {
  auditWorkerObserver,
  backfillObserver,
  presenceEventsObserver,
  presencePipelineObserver,
  timeExportObserver,
} from './observers';
import type { QueueSet } from './queue-set';
import type { RedisConnections } from './redis-connections';

export interface WorkerRoleDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  redis: RedisConnections;
  queues: QueueSet;
  genesys: GenesysClient;
  audit: AuditEmitter;
  policy: PresencePolicy;
  sweeps: Sweeps | undefined;
}

/**
 * The `worker` role, in start order: the audit writer first (it outlives every producer of audit events on
 * shutdown), the presence-change worker, time tracking (presence-events, time-export), the sweeps' workers
 * (schedule sync, heartbeat, follower) and the analytics backfill.
 */
export function workerRoleComponents(deps: WorkerRoleDeps): Component[] {
  const { config, logger, metrics, redis, queues, genesys, audit, policy, sweeps } = deps;
  const components: Component[] = [
    new AuditWorker(
      {
        connection: redis.worker,
        prefix: config.QUEUE_PREFIX,
        store: createAuditStore(config, logger),
        logger,
        observer: auditWorkerObserver(metrics),
      },
      {
        batchSize: config.AUDIT_BATCH_SIZE,
        leaseMs: config.AUDIT_WRITER_LEASE_MS,
        lockDurationMs: config.JOB_LOCK_MS,
        stalledIntervalMs: Math.floor(config.JOB_LOCK_MS / 2),
      },
    ),
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
      queues: {
        presenceChange: queues.get(PRESENCE_CHANGE_QUEUE),
        deadLetter: queues.get(PRESENCE_DEAD_LETTER_QUEUE),
      },
    }),
  ];

  const timeTracking = createTimeTrackingWorkers({
    config,
    connection: redis.worker,
    logger,
    // Timesheet days: TIMESHEET_TIME_ZONE, else the business unit's zone read through the client, else UTC.
    wfm: genesys,
    presenceEventsObserver: presenceEventsObserver(metrics),
    exportObserver: timeExportObserver(metrics),
  });
  // The stack builds its own queue objects: share them, so the process has one per name.
  for (const q of [
    timeTracking.presenceEventsQueue,
    timeTracking.timeExportQueue,
    timeTracking.deadLetterQueue,
  ]) {
    queues.adopt(q);
  }
  components.push(...timeTracking.components);

  if (sweeps !== undefined) {
    components.push(
      ...sweeps.workers,
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
  return components;
}
