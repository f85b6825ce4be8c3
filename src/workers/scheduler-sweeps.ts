import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { AuditEmitter } from '../audit/audit-event';
import type { Config } from '../config';
import type { Component } from '../lifecycle';
import type { PresencePolicy } from '../policy/presence-policy';
import type { RedisConnection } from '../redis';
import { AgentRoster, type UserDirectory } from '../schedule/agent-roster';
import { ScheduleSearchCompletions } from '../schedule/schedule-search-completions';
import { heartbeatSchedulerProvider, requestHeartbeatSweep } from './heartbeat-job';
import {
  HeartbeatSweep,
  type HeartbeatGenesysApi,
  type HeartbeatObserver,
  type PresenceChangeSink,
} from './heartbeat-sweep';
import { HeartbeatWorker } from './heartbeat-worker';
import { SchedulerRole } from './scheduler-role';
import {
  HEARTBEAT_QUEUE,
  SCHEDULE_FOLLOW_QUEUE,
  SCHEDULE_SYNC_QUEUE,
  type SchedulerSpecProvider,
} from './scheduler-spec';
import { ScheduleFollower } from './schedule-follower';
import { scheduleFollowSchedulerProvider } from './schedule-follower-job';
import { ScheduleFollowerWorker } from './schedule-follower-worker';
import { requestScheduleSync, scheduleSyncSchedulerProvider } from './schedule-sync-job';
import { ScheduleSync, type ScheduleSyncObserver, type ScheduleSyncWfmApi } from './schedule-sync-service';
import { ScheduleSyncWorker } from './schedule-sync-worker';

/** The settings the sweeps read. */
export type SweepsConfig = Pick<
  Config,
  | 'QUEUE_PREFIX'
  | 'MANAGED_USER_IDS'
  | 'ROSTER_REFRESH_MS'
  | 'HEARTBEAT_EVERY_MS'
  | 'HEARTBEAT_MODE'
  | 'MANDATORY_ACTIVITY_CATEGORIES'
  | 'SCHEDULE_SYNC_EVERY_MS'
  | 'SCHEDULE_CACHE_TTL_SECONDS'
  | 'SCHEDULE_SEARCH_WAIT_MS'
  | 'WFM_BUSINESS_UNIT_IDS'
  | 'WFM_UNIT_LOOKUPS_PER_SYNC'
  | 'FOLLOW_MANAGEMENT_UNIT_IDS'
  | 'FOLLOW_USER_IDS'
  | 'FOLLOW_LEAD_MS'
  | 'FOLLOW_TICK_MS'
  | 'FOLLOW_MAX_LATENESS_MS'
  | 'BREAKER_RESET_MS'
>;

/** Everything the sweeps call on Genesys (the Genesys client satisfies it). */
export type SweepsGenesysApi = HeartbeatGenesysApi &
  ScheduleSyncWfmApi &
  UserDirectory & { listBusinessUnits(): Promise<{ data: ReadonlyArray<{ id: string }> }> };

export interface SweepsDeps {
  config: SweepsConfig;
  /** Worker-profile connection: BullMQ workers, leases, the schedule cache. */
  connection: RedisConnection;
  /** The composition root's one `Queue` per name. */
  queue: (name: string) => Queue;
  genesys: SweepsGenesysApi;
  /** The pipeline's producer: heartbeat re-assertions and follower requests go through it. */
  producer: PresenceChangeSink;
  audit: AuditEmitter;
  policy: PresencePolicy;
  logger: Logger;
  /** The metrics module (`recordHeartbeatSweep`, `recordScheduleSync`) or any part of it. */
  observer?: (HeartbeatObserver & ScheduleSyncObserver) | undefined;
}

/** What the composition root wires: the scheduler role, the sweep workers, and the on-demand entry points. */
export interface Sweeps {
  /** Scheduler specs of the sweeps (heartbeat, one sync per business unit, the follower tick). */
  readonly providers: readonly SchedulerSpecProvider[];
  /** The `scheduler` role component; `extraProviders` adds other parts' schedulers (analytics backfill). */
  schedulerRole(extraProviders?: readonly SchedulerSpecProvider[]): SchedulerRole;
  /** Consumers of the `heartbeat`, `schedule-sync` and (when anyone follows) `schedule-follow` queues. */
  readonly workers: readonly Component[];
  /** Where the stream role hands async schedule-search completions (topic: `ScheduleSearchCompletions.topic`). */
  readonly completions: ScheduleSearchCompletions;
  readonly roster: AgentRoster;
  /** On-demand sync of one business unit (absorbed while one is already waiting). */
  requestScheduleSync(businessUnitId: string, reason?: 'on-demand' | 'wfm-change'): Promise<string>;
  requestHeartbeatSweep(): Promise<string>;
}

/** Builds the sweeps from the composition root's shared dependencies (nothing starts until `start()`). */
export function createSweeps(deps: SweepsDeps): Sweeps {
  const { config, connection, logger } = deps;
  const prefix = config.QUEUE_PREFIX;
  const mandatory = new Set(config.MANDATORY_ACTIVITY_CATEGORIES);
  const follow = {
    userIds: new Set(config.FOLLOW_USER_IDS),
    managementUnitIds: new Set(config.FOLLOW_MANAGEMENT_UNIT_IDS),
  };
  const following = follow.userIds.size > 0 || follow.managementUnitIds.size > 0;

  const roster = new AgentRoster({
    redis: connection,
    prefix,
    managedUserIds: config.MANAGED_USER_IDS,
    directory: deps.genesys,
    refreshMs: config.ROSTER_REFRESH_MS,
    logger,
  });
  const completions = new ScheduleSearchCompletions(connection, prefix);
  const sync = new ScheduleSync({
    redis: connection,
    prefix,
    wfm: deps.genesys,
    roster,
    completions,
    follow,
    settings: {
      syncEveryMs: config.SCHEDULE_SYNC_EVERY_MS,
      minCacheTtlMs: config.SCHEDULE_CACHE_TTL_SECONDS * 1000,
      searchWaitMs: config.SCHEDULE_SEARCH_WAIT_MS,
      unitLookupsPerSync: config.WFM_UNIT_LOOKUPS_PER_SYNC,
      followMaxLatenessMs: config.FOLLOW_MAX_LATENESS_MS,
    },
    logger: logger.child({ component: 'schedule-sync' }),
    observer: deps.observer,
  });
  const heartbeat = new HeartbeatSweep({
    redis: connection,
    prefix,
    genesys: deps.genesys,
    roster,
    producer: deps.producer,
    audit: deps.audit,
    policy: deps.policy,
    mandatory,
    mode: config.HEARTBEAT_MODE,
    everyMs: config.HEARTBEAT_EVERY_MS,
    logger: logger.child({ component: 'heartbeat' }),
    observer: deps.observer,
  });

  const workers: Component[] = [
    new ScheduleSyncWorker({ connection, prefix, sync, logger, breakerResetMs: config.BREAKER_RESET_MS }),
    new HeartbeatWorker({
      connection,
      prefix,
      sweep: heartbeat,
      logger,
      breakerResetMs: config.BREAKER_RESET_MS,
    }),
  ];
  if (following) {
    const follower = new ScheduleFollower({
      redis: connection,
      prefix,
      producer: deps.producer,
      audit: deps.audit,
      policy: deps.policy,
      mandatory,
      leadMs: config.FOLLOW_LEAD_MS,
      tickMs: config.FOLLOW_TICK_MS,
      maxLatenessMs: config.FOLLOW_MAX_LATENESS_MS,
      queue: deps.queue(SCHEDULE_FOLLOW_QUEUE),
      logger: logger.child({ component: 'schedule-follower' }),
    });
    workers.push(
      new ScheduleFollowerWorker({
        connection,
        prefix,
        follower,
        logger,
        breakerResetMs: config.BREAKER_RESET_MS,
      }),
    );
  }

  const providers: SchedulerSpecProvider[] = [
    heartbeatSchedulerProvider(config.HEARTBEAT_EVERY_MS),
    scheduleSyncSchedulerProvider({
      everyMs: config.SCHEDULE_SYNC_EVERY_MS,
      businessUnitIds: config.WFM_BUSINESS_UNIT_IDS,
      listBusinessUnits: () => deps.genesys.listBusinessUnits(),
    }),
    scheduleFollowSchedulerProvider({ tickMs: config.FOLLOW_TICK_MS, enabled: following }),
  ];

  return {
    providers,
    schedulerRole: (extraProviders = []) =>
      new SchedulerRole({
        queue: deps.queue,
        redis: connection,
        prefix,
        providers: [...providers, ...extraProviders],
        logger: logger.child({ component: 'scheduler' }),
      }),
    workers,
    completions,
    roster,
    requestScheduleSync: (businessUnitId, reason = 'on-demand') =>
      requestScheduleSync(deps.queue(SCHEDULE_SYNC_QUEUE), businessUnitId, reason),
    requestHeartbeatSweep: () => requestHeartbeatSweep(deps.queue(HEARTBEAT_QUEUE)),
  };
}
