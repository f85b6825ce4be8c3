import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import pino from 'pino';
import {
  auditEventSchema,
  TERMINAL_OUTCOMES,
  type AuditEmitter,
  type AuditEvent,
} from '../../src/audit/audit-event';
import { loadConfig, type Config } from '../../src/config';
import { createGenesysClient, type GenesysClient } from '../../src/genesys/genesys-client';
import { timelineKey } from '../../src/jobs/keys';
import { PresenceProducer } from '../../src/jobs/presence-producer';
import { PRESENCE_CHANGE_QUEUE, PRESENCE_DEAD_LETTER_QUEUE } from '../../src/jobs/queue-names';
import { DEFAULT_PRESENCE_POLICY, type PresencePolicy } from '../../src/policy/presence-policy';
import type { ActivityCategory, AgentTimeline, ScheduleSource } from '../../src/schedule/agent-timeline';
import {
  GenesysScheduleSource,
  type GenesysScheduleSourceOptions,
} from '../../src/workers/presence-schedule-source';
import type { PresencePipelineObserver } from '../../src/workers/presence-observer';
import { PresenceWorker } from '../../src/workers/presence-worker';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis';
import type { EmulatorOptions } from '../../src/emulator/emulator-options';

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_OUTCOMES);

/**
 * The audit trail in memory, as the audit store sees it: events validated against the contract, de-duplicated
 * on `eventId` (the store is idempotent on it). Tests await terminal outcomes through it (no polling).
 */
export class MemoryAudit implements AuditEmitter {
  readonly byEventId = new Map<string, AuditEvent>();
  /** requestId → terminal event types seen (more than one would break "exactly one outcome"). */
  readonly terminal = new Map<string, Set<string>>();
  /** eventId → how many times it was emitted (the store would keep one; a count above 1 is wasted work). */
  readonly emitCounts = new Map<string, number>();
  private waiters: Array<{ ids: Set<string>; resolve: () => void }> = [];
  emitted = 0;
  /** Refuse the next emit call with this error (an audit queue that could not be reached). */
  failNextEmit: Error | undefined;

  emit(events: readonly AuditEvent[]): Promise<void> {
    if (this.failNextEmit !== undefined) {
      const err = this.failNextEmit;
      this.failNextEmit = undefined;
      return Promise.reject(err);
    }
    for (const e of events) {
      auditEventSchema.parse(e);
      this.emitted += 1;
      this.emitCounts.set(e.eventId, (this.emitCounts.get(e.eventId) ?? 0) + 1);
      if (this.byEventId.has(e.eventId)) {
        continue;
      }
      this.byEventId.set(e.eventId, e);
      if (TERMINAL.has(e.type) && e.requestId !== undefined) {
        const seen = this.terminal.get(e.requestId) ?? new Set<string>();
        seen.add(e.type);
        this.terminal.set(e.requestId, seen);
      }
    }
    this.waiters = this.waiters.filter((w) => {
      for (const id of [...w.ids]) {
        if (this.terminal.has(id)) {
          w.ids.delete(id);
        }
      }
      if (w.ids.size === 0) {
        w.resolve();
        return false;
      }
      return true;
    });
    return Promise.resolve();
  }

  /** Resolves once every request has a terminal audit event; rejects after `timeoutMs` naming what is missing. */
  waitForOutcomes(requestIds: readonly string[], timeoutMs: number): Promise<void> {
    const ids = new Set(requestIds.filter((id) => !this.terminal.has(id)));
    if (ids.size === 0) {
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = { ids, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `${ids.size} request(s) without an outcome after ${timeoutMs} ms, e.g. ${[...ids].slice(0, 3).join(', ')}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  outcomeOf(requestId: string): string | undefined {
    const seen = this.terminal.get(requestId);
    return seen === undefined ? undefined : [...seen].join('+');
  }

  eventsOf(requestId: string): AuditEvent[] {
    return [...this.byEventId.values()].filter((e) => e.requestId === requestId);
  }
}

export interface HarnessOptions {
  agents?: number;
  emulator?: EmulatorOptions;
  env?: Record<string, string>;
  policy?: PresencePolicy;
}

/** Emulator + real Genesys client + real Redis + producer; workers started on demand. */
export class PipelineHarness {
  emulator!: TestEmulator;
  redis!: Redis;
  prefix!: string;
  config!: Config;
  client!: GenesysClient;
  producer!: PresenceProducer;
  queue!: Queue;
  deadLetters!: Queue;
  readonly audit = new MemoryAudit();
  readonly workers: PresenceWorker[] = [];
  private readonly clients: GenesysClient[] = [];
  private readonly connections: Redis[] = [];
  readonly logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

  static async start(options: HarnessOptions = {}): Promise<PipelineHarness> {
    const h = new PipelineHarness();
    await h.init(options);
    return h;
  }

  private async init(options: HarnessOptions): Promise<void> {
    this.emulator = await startTestEmulator({ agents: options.agents ?? 20, ...options.emulator });
    this.redis = testRedis();
    this.prefix = uniquePrefix('pipeline');
    this.config = loadConfig({
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: this.prefix,
      ...this.emulator.genesysEnv,
      GENESYS_RETRIES: '1',
      JOB_BACKOFF_MS: '50',
      AGENT_LEASE_MS: '5000',
      OBSERVED_PRESENCE_MAX_AGE_MS: '0',
      OUTBOX_RECOVERY_AFTER_MS: '2000',
      SHUTDOWN_TIMEOUT_MS: '5000',
      BREAKER_RESET_MS: '500',
      ...options.env,
    });
    this.client = this.newClient();
    this.queue = new Queue(PRESENCE_CHANGE_QUEUE, { connection: this.redis, prefix: this.prefix });
    this.deadLetters = new Queue(PRESENCE_DEAD_LETTER_QUEUE, { connection: this.redis, prefix: this.prefix });
    this.producer = new PresenceProducer({
      redis: this.redis,
      queue: this.queue,
      resolver: this.client,
      audit: this.audit,
      config: this.config,
      logger: this.logger,
    });
  }

  /** A Genesys client of its own (as a separate process would have): shared token and budget in Redis. */
  newClient(): GenesysClient {
    const client = createGenesysClient({
      config: this.config,
      redis: this.redis,
      logger: this.logger,
      tuning: { retryBaseDelayMs: 20, retryMaxDelayMs: 100, defaultRetryAfterMs: 500 },
    });
    this.clients.push(client);
    return client;
  }

  get agents(): string[] {
    return this.emulator.admin.agentIds();
  }

  /** Writes an agent's timeline as the schedule sync would: one activity around now (or none: off shift). */
  async setSchedule(
    userId: string,
    category: ActivityCategory | 'off-shift',
    options: { secondary?: string[] } = {},
  ): Promise<void> {
    const now = Date.now();
    const timeline: AgentTimeline = {
      userId,
      businessUnitId: 'bu-test',
      timeZone: 'UTC',
      windowStart: new Date(now - 3_600_000).toISOString(),
      windowEnd: new Date(now + 3_600_000).toISOString(),
      activities:
        category === 'off-shift'
          ? []
          : [
              {
                start: new Date(now - 1_800_000).toISOString(),
                end: new Date(now + 1_800_000).toISOString(),
                activityCodeId: `code-${category}`,
                category,
                secondaryPresenceIds: options.secondary ?? [],
              },
            ],
      syncedAt: new Date(now).toISOString(),
    };
    await this.redis.set(timelineKey(this.prefix, userId), JSON.stringify(timeline), 'PX', 3_600_000);
  }

  /** The WFM-backed schedule source; `batching` lets a test decide when misses share one schedule search. */
  scheduleSource(
    batching: Pick<GenesysScheduleSourceOptions, 'batchWindowMs' | 'batchMaxUsers'> = {},
  ): GenesysScheduleSource {
    return new GenesysScheduleSource({
      redis: this.redis,
      prefix: this.prefix,
      wfm: this.client,
      ttlSeconds: this.config.SCHEDULE_CACHE_TTL_SECONDS,
      logger: this.logger,
      ...batching,
    });
  }

  async startWorkers(
    count: number,
    options: {
      schedule?: ScheduleSource;
      policy?: PresencePolicy;
      observer?: PresencePipelineObserver;
      config?: Partial<Config>;
    } = {},
  ): Promise<PresenceWorker[]> {
    const started: PresenceWorker[] = [];
    for (let i = 0; i < count; i += 1) {
      const connection = testRedis();
      this.connections.push(connection);
      const worker = new PresenceWorker({
        config: { ...this.config, ...options.config },
        connection,
        genesys: this.newClient(),
        schedule: options.schedule ?? this.scheduleSource(),
        policy: options.policy ?? DEFAULT_PRESENCE_POLICY,
        audit: this.audit,
        logger: this.logger,
        observer: options.observer,
        name: `presence-worker-${this.workers.length + 1}`,
      });
      await worker.start();
      this.workers.push(worker);
      started.push(worker);
    }
    return started;
  }

  async stopWorkers(): Promise<void> {
    for (const worker of this.workers.splice(0)) {
      await worker.stop();
    }
    for (const connection of this.connections.splice(0)) {
      await connection.quit();
    }
  }

  async stop(): Promise<void> {
    await this.stopWorkers();
    for (const client of this.clients) {
      await client.stop();
    }
    await this.queue.obliterate({ force: true }).catch(() => undefined);
    await this.deadLetters.obliterate({ force: true }).catch(() => undefined);
    await this.queue.close();
    await this.deadLetters.close();
    await deleteKeys(this.redis, this.prefix);
    await this.redis.quit();
    await this.emulator.stop();
  }
}
