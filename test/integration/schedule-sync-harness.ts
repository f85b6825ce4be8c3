import type { Redis } from 'ioredis';
import pino from 'pino';
import WebSocket from 'ws';
import { loadConfig, type Config } from '../../src/config';
import type { EmulatorOptions } from '../../src/emulator/emulator-options';
import { createGenesysClient, type GenesysClient } from '../../src/genesys/genesys-client';
import { PresenceProducer } from '../../src/jobs/presence-producer';
import { DEFAULT_PRESENCE_POLICY, type PresencePolicy } from '../../src/policy/presence-policy';
import { AgentRoster } from '../../src/schedule/agent-roster';
import { ScheduleSearchCompletions } from '../../src/schedule/schedule-search-completions';
import { GenesysScheduleSource } from '../../src/workers/presence-schedule-source';
import { PresenceWorker } from '../../src/workers/presence-worker';
import { ScheduleSync, type FollowSelection } from '../../src/workers/schedule-sync-service';
import { FakeClock, startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis';
import { PipelineHarness } from './pipeline-harness';

/** Emulator route names as its call counters know them. */
export const WFM_ROUTES = {
  businessUnit: ['GET', '/api/v2/workforcemanagement/businessunits/:buId'],
  activityCodes: ['GET', '/api/v2/workforcemanagement/businessunits/:buId/activitycodes'],
  search: ['POST', '/api/v2/workforcemanagement/businessunits/:buId/agentschedules/search'],
  managementUnit: ['GET', '/api/v2/workforcemanagement/agents/:agentId/managementunit'],
  bulkGet: ['GET', '/api/v2/users/presences/purecloud/bulk'],
  bulkPut: ['PUT', '/api/v2/users/presences/bulk'],
  patch: ['PATCH', '/api/v2/users/:userId/presences/purecloud'],
  users: ['GET', '/api/v2/users'],
} as const;

/** Emulator + real Redis + the real Genesys client, for the sweeps' integration tests. */
export class SweepHarness {
  emulator!: TestEmulator;
  redis!: Redis;
  prefix!: string;
  config!: Config;
  client!: GenesysClient;
  readonly logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  private sockets: WebSocket[] = [];

  static async start(
    options: { agents?: number; emulator?: EmulatorOptions; env?: Record<string, string> } = {},
  ) {
    const h = new SweepHarness();
    h.emulator = await startTestEmulator({ agents: options.agents ?? 30, ...options.emulator });
    h.redis = testRedis();
    h.prefix = uniquePrefix('sweeps');
    h.config = loadConfig({
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: h.prefix,
      ...h.emulator.genesysEnv,
      GENESYS_RETRIES: '1',
      GENESYS_RATE_BUDGET_PER_MINUTE: '100000',
      BREAKER_RESET_MS: '500',
      ...options.env,
    });
    h.client = createGenesysClient({
      config: h.config,
      redis: h.redis,
      logger: h.logger,
      tuning: { retryBaseDelayMs: 20, retryMaxDelayMs: 100, defaultRetryAfterMs: 200 },
    });
    return h;
  }

  get businessUnitId(): string {
    return this.emulator.admin.org().businessUnit.id;
  }

  count(route: readonly [string, string]): number {
    return this.emulator.admin.callCount(route[0], route[1]);
  }

  /** Every WFM call the emulator has seen since the last reset. */
  wfmCalls(): number {
    return Object.entries(this.emulator.admin.calls())
      .filter(([route]) => route.includes('/workforcemanagement/') || route.includes('/downloads/'))
      .reduce((n, [, c]) => n + c, 0);
  }

  roster(managed: readonly string[] = []): AgentRoster {
    return new AgentRoster({
      redis: this.redis,
      prefix: this.prefix,
      managedUserIds: managed,
      directory: this.client,
      refreshMs: this.config.ROSTER_REFRESH_MS,
      logger: this.logger,
    });
  }

  sync(
    options: {
      follow?: Partial<FollowSelection>;
      completions?: ScheduleSearchCompletions;
      managed?: readonly string[];
      searchWaitMs?: number;
      unitLookupsPerSync?: number;
      now?: () => number;
    } = {},
  ): ScheduleSync {
    return new ScheduleSync({
      redis: this.redis,
      prefix: this.prefix,
      wfm: this.client,
      roster: this.roster(options.managed),
      completions: options.completions,
      follow: {
        userIds: options.follow?.userIds ?? new Set(),
        managementUnitIds: options.follow?.managementUnitIds ?? new Set(),
      },
      settings: {
        syncEveryMs: this.config.SCHEDULE_SYNC_EVERY_MS,
        minCacheTtlMs: this.config.SCHEDULE_CACHE_TTL_SECONDS * 1000,
        searchWaitMs: options.searchWaitMs ?? 5_000,
        unitLookupsPerSync: options.unitLookupsPerSync ?? this.config.WFM_UNIT_LOOKUPS_PER_SYNC,
        followMaxLatenessMs: this.config.FOLLOW_MAX_LATENESS_MS,
      },
      logger: this.logger,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
  }

  /**
   * Listens on a notification channel for async schedule-search completions and hands them to `completions`,
   * as the stream role's consumer does in production. Resolves once subscribed.
   */
  async forwardSearchCompletions(completions: ScheduleSearchCompletions): Promise<void> {
    const channel = await this.client.createChannel();
    await this.client.putSubscriptions(channel.data.id, [
      ScheduleSearchCompletions.topic(this.emulator.clientId),
    ]);
    const socket = new WebSocket(channel.data.connectUri);
    this.sockets.push(socket);
    socket.on('message', (raw: Buffer) => {
      const event = JSON.parse(raw.toString()) as {
        topicName?: string;
        eventBody?: { operationId?: string; downloadUrl?: string };
      };
      const body = event.eventBody;
      if (event.topicName?.endsWith('.schedules.search') === true && body?.operationId && body.downloadUrl) {
        void completions.record({ operationId: body.operationId, downloadUrl: body.downloadUrl });
      }
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) {
      s.terminate();
    }
    await this.client.stop();
    await deleteKeys(this.redis, this.prefix);
    // Keys without the prefix's braces (agent keys) start with the same text.
    await this.redis.quit();
    await this.emulator.stop();
  }
}

/**
 * The pipeline (producer, presence workers, schedule source), the emulator, the schedule sync and the sweeps all
 * on one fake clock, so published schedules and activity boundaries are the same on every run and no test waits
 * for real time to pass.
 */
export class FakeClockPipeline {
  readonly clock: FakeClock;
  h!: PipelineHarness;
  producer!: PresenceProducer;
  private readonly workers: Array<{ worker: PresenceWorker; connection: Redis }> = [];

  private constructor(start: string) {
    this.clock = new FakeClock(start);
  }

  static async start(
    options: { agents: number; start?: string; env?: Record<string, string>; policy?: PresencePolicy } = {
      agents: 50,
    },
  ): Promise<FakeClockPipeline> {
    const p = new FakeClockPipeline(options.start ?? '2025-03-12T15:00:00.000Z');
    p.h = await PipelineHarness.start({
      agents: options.agents,
      emulator: { now: p.clock.now },
      ...(options.env === undefined ? {} : { env: options.env }),
    });
    p.producer = new PresenceProducer({
      redis: p.h.redis,
      queue: p.h.queue,
      resolver: p.h.client,
      audit: p.h.audit,
      config: p.h.config,
      logger: p.h.logger,
      now: p.clock.now,
    });
    return p;
  }

  get now(): () => number {
    return this.clock.now;
  }

  roster(): AgentRoster {
    return new AgentRoster({
      redis: this.h.redis,
      prefix: this.h.prefix,
      managedUserIds: [],
      directory: this.h.client,
      refreshMs: 3_600_000,
      logger: this.h.logger,
    });
  }

  sync(follow: Partial<FollowSelection> = {}): ScheduleSync {
    return new ScheduleSync({
      redis: this.h.redis,
      prefix: this.h.prefix,
      wfm: this.h.client,
      roster: this.roster(),
      follow: {
        userIds: follow.userIds ?? new Set(),
        managementUnitIds: follow.managementUnitIds ?? new Set(),
      },
      settings: {
        syncEveryMs: this.h.config.SCHEDULE_SYNC_EVERY_MS,
        minCacheTtlMs: 900_000,
        searchWaitMs: 5_000,
        unitLookupsPerSync: 1_000,
        followMaxLatenessMs: this.h.config.FOLLOW_MAX_LATENESS_MS,
      },
      logger: this.h.logger,
      now: this.clock.now,
    });
  }

  get businessUnitId(): string {
    return this.h.emulator.admin.org().businessUnit.id;
  }

  async startPresenceWorkers(count: number, policy: PresencePolicy = DEFAULT_PRESENCE_POLICY): Promise<void> {
    for (let i = 0; i < count; i += 1) {
      const connection = testRedis();
      const worker = new PresenceWorker({
        config: this.h.config,
        connection,
        genesys: this.h.newClient(),
        schedule: new GenesysScheduleSource({
          redis: this.h.redis,
          prefix: this.h.prefix,
          wfm: this.h.client,
          ttlSeconds: 900,
          logger: this.h.logger,
          now: this.clock.now,
        }),
        policy,
        audit: this.h.audit,
        logger: this.h.logger,
        now: this.clock.now,
        name: `presence-worker-${this.workers.length + 1}`,
      });
      await worker.start();
      this.workers.push({ worker, connection });
    }
  }

  async stop(): Promise<void> {
    for (const { worker, connection } of this.workers.splice(0)) {
      await worker.stop();
      await connection.quit();
    }
    await this.h.stop();
  }
}
