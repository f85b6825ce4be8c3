import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { createGenesysClient, type GenesysClient } from '../../src/genesys';
import { Lifecycle } from '../../src/lifecycle';
import { segmentId, type Segment } from '../../src/timetracking/segment';
import { loadTimesheet } from '../../src/timetracking/timesheet-files';
import { zonedDate, zonedDayWindow } from '../../src/timetracking/zoned-day';
import { ANALYTICS_BACKFILL_QUEUE } from '../../src/workers/analytics-backfill-queue';
import { AnalyticsBackfillWorker } from '../../src/workers/analytics-backfill-worker';
import { createTimeTrackingWorkers } from '../../src/workers/presence-events-stack';
import { StreamRole } from '../../src/workers/stream-role';
import { FakeClock, startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TZ = 'America/New_York';
const AGENTS = 200;
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Deterministic pseudo-random numbers (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Conditions re-checked on every reported event; a test awaits them instead of polling. */
class Conditions {
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  until(check: () => boolean): Promise<void> {
    if (check()) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ check, resolve }));
  }

  poke(): void {
    for (const w of [...this.waiters]) {
      if (w.check()) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }
}

/** Milliseconds per key of [start, next start) intervals clipped to [from, to), the last one open until `openEnd`. */
function totals(
  points: readonly { start: number; key: string }[],
  from: number,
  to: number,
  openEnd: number,
): Map<string, number> {
  const out = new Map<string, number>();
  points.forEach((p, i) => {
    const end = points[i + 1]?.start ?? openEnd;
    const ms = Math.min(end, to) - Math.max(p.start, from);
    if (ms > 0) {
      out.set(p.key, (out.get(p.key) ?? 0) + ms);
    }
  });
  return out;
}

describe('time tracking over a simulated day', () => {
  let emulator: TestEmulator;
  let redis: Redis;
  let prefix: string;
  let client: GenesysClient;
  let lifecycle: Lifecycle;
  let backfillQueue: Queue;

  afterEach(async () => {
    await lifecycle?.stop();
    await backfillQueue?.close();
    await client?.stop();
    await emulator?.stop();
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it('gives every agent the emulator presence history to the second, with no duplicate segment, through three socket drops and a token revocation', async () => {
    const random = seeded(20_260_307);
    // A whole local day a few days back (recent enough for the segment retention).
    const day = zonedDate(Date.now() - 3 * DAY, TZ);
    const { startMs: dayStart, endMs: dayEnd } = zonedDayWindow(day, TZ);
    const clock = new FakeClock(dayStart - 2 * HOUR);
    emulator = await startTestEmulator({
      agents: AGENTS,
      seed: 7,
      heartbeatMs: 1_000,
      now: clock.now,
      timeZone: TZ,
      rateLimitPerMinute: 1_000_000,
    });
    redis = testRedis();
    prefix = uniquePrefix('tt-day');
    const config = loadConfig({
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      ...emulator.genesysEnv,
      GENESYS_RATE_BUDGET_PER_MINUTE: '100000',
      LEADER_LEASE_MS: '2000',
      STREAM_TOPICS_PER_CHANNEL: '200',
      STREAM_RECONNECT_MIN_MS: '20',
      STREAM_RECONNECT_MAX_MS: '200',
      BACKFILL_LOOKBACK_MS: String(6 * HOUR),
      TIMESHEET_FILES: 'false',
      PRESENCE_EVENTS_CONCURRENCY: '32',
      JOB_BACKOFF_MS: '50',
    });
    client = createGenesysClient({
      config,
      redis,
      logger,
      tuning: { retryBaseDelayMs: 10, retryMaxDelayMs: 50, now: clock.now },
    });
    const agents = emulator.admin.agentIds();
    const roster = { list: async () => agents };
    const definitions = emulator.admin
      .org()
      .presenceDefinitions.filter((d) => !d.deactivated)
      .map((d) => d.id);

    const conditions = new Conditions();
    const recorded = new Set<string>();
    const received = new Set<string>();
    let connects = 0;
    let disconnects = 0;
    const tt = createTimeTrackingWorkers({
      config,
      connection: redis,
      logger,
      timeZone: TZ,
      now: clock.now,
      presenceEventsObserver: {
        onRecorded: (t) => {
          recorded.add(`${t.kind}|${t.userId}|${Date.parse(t.start)}`);
          conditions.poke();
        },
      },
    });
    backfillQueue = new Queue(ANALYTICS_BACKFILL_QUEUE, { connection: redis, prefix });
    const backfill = new AnalyticsBackfillWorker({
      connection: redis,
      config,
      analytics: client,
      roster,
      queue: backfillQueue,
      presenceEventsQueue: tt.presenceEventsQueue,
      logger,
      now: clock.now,
    });
    const stream = new StreamRole({
      config,
      connection: redis,
      genesys: client,
      roster,
      presenceEventsQueue: tt.presenceEventsQueue,
      backfillQueue,
      logger,
      now: clock.now,
      random,
      observer: {
        onEvent: (t) => {
          received.add(`${t.kind}|${t.userId}|${Date.parse(t.start)}`);
          conditions.poke();
        },
        onConnected: () => {
          connects += 1;
          conditions.poke();
        },
        onDisconnected: () => {
          disconnects += 1;
          conditions.poke();
        },
      },
    });
    lifecycle = new Lifecycle(logger);

    // The emulator's own history: the seeded state, then every change (each to a different presence).
    const history = new Map<string, { start: number; key: string }[]>(
      agents.map((id) => {
        const p = emulator.admin.presence(id);
        return [id, [{ start: p.modifiedAt, key: p.definitionId }]];
      }),
    );

    await lifecycle.start([...tt.components, backfill, stream]);
    await conditions.until(() => connects >= 2);

    const drops = new Set([25, 50, 80]);
    const revokeAt = 65;
    for (let step = 0; clock.now() < dayEnd + HOUR; step += 1) {
      clock.advance(Math.floor(5 * MIN + random() * 20 * MIN));
      const expectedConnects = connects + 2;
      if (drops.has(step)) {
        expect(emulator.admin.dropWebSockets()).toBe(2);
      }
      if (step === revokeAt) {
        // Every channel dies with its token; the consumer learns it from a token_revoked frame.
        const expectedDisconnects = disconnects + 2;
        expect(emulator.admin.revokeAllTokens()).toBeGreaterThan(0);
        await conditions.until(() => disconnects >= expectedDisconnects);
      }
      // 30 distinct agents change their own presence, a few seconds (and milliseconds) apart.
      const chosen = new Set<string>();
      const changed: string[] = [];
      while (chosen.size < 30) {
        chosen.add(agents[Math.floor(random() * agents.length)] as string);
      }
      for (const userId of chosen) {
        const current = emulator.admin.presence(userId).definitionId;
        const choices = definitions.filter((d) => d !== current);
        const next = choices[Math.floor(random() * choices.length)] as string;
        clock.advance(Math.floor(random() * 5_000));
        const entry = emulator.admin.agentChangesPresence(userId, next);
        history.get(userId)?.push({ start: entry.time, key: entry.definitionId });
        changed.push(`presence|${userId}|${entry.time}`);
      }
      if (drops.has(step) || step === revokeAt) {
        // The changes above happened while the sockets were down: only the backfill can bring them.
        await conditions.until(() => connects >= expectedConnects);
      } else {
        // Simulated time moves on once the stream has delivered this step (as real time would).
        await conditions.until(() => changed.every((k) => received.has(k)));
      }
    }

    // Everything the emulator knows must reach the segment store (stream or backfill): presence from its
    // history, routing status from its analytics (the routing status is set by the emulator itself).
    const analytics = await client.queryAllUserDetails({
      interval: `${new Date(dayStart - 3 * HOUR).toISOString()}/${new Date(clock.now() + 1).toISOString()}`,
      userFilters: [
        { type: 'or', predicates: agents.slice(0, 100).map((id) => ({ dimension: 'userId', value: id })) },
      ],
      order: 'asc',
      paging: { pageSize: 100, pageNumber: 1 },
    });
    const analytics2 = await client.queryAllUserDetails({
      interval: `${new Date(dayStart - 3 * HOUR).toISOString()}/${new Date(clock.now() + 1).toISOString()}`,
      userFilters: [
        { type: 'or', predicates: agents.slice(100).map((id) => ({ dimension: 'userId', value: id })) },
      ],
      order: 'asc',
      paging: { pageSize: 100, pageNumber: 1 },
    });
    const routingHistory = new Map<string, { start: number; key: string }[]>();
    for (const detail of [...analytics.data, ...analytics2.data]) {
      routingHistory.set(
        detail.userId,
        (detail.routingStatus ?? []).map((r) => ({
          start: Date.parse(r.startTime),
          key: r.routingStatus ?? '',
        })),
      );
    }
    const expectedKeys: string[] = [];
    for (const [userId, points] of history) {
      expectedKeys.push(...points.map((p) => `presence|${userId}|${p.start}`));
    }
    for (const [userId, points] of routingHistory) {
      expectedKeys.push(...points.map((p) => `routing|${userId}|${p.start}`));
    }
    await conditions.until(() => expectedKeys.every((k) => recorded.has(k)));

    // The timesheet of the day, as `presence-worker timesheet --date` prints it.
    const sheet = await loadTimesheet(tt.store, day, TZ, clock.now());
    const dayLength = dayEnd - dayStart;
    let compared = 0;
    for (const userId of agents) {
      const expectedPresence = totals(history.get(userId) ?? [], dayStart, dayEnd, clock.now());
      const actualPresence = new Map(
        sheet.totals
          .filter((t) => t.userId === userId && t.kind === 'presence')
          .map((t) => [t.presenceDefinitionId, t.milliseconds]),
      );
      expect(actualPresence).toEqual(expectedPresence);
      const seconds = sheet.totals.filter((t) => t.userId === userId && t.kind === 'presence');
      for (const t of seconds) {
        expect(t.seconds).toBe(Math.round((expectedPresence.get(t.presenceDefinitionId) ?? -1) / 1000));
      }
      expect([...actualPresence.values()].reduce((a, b) => a + b, 0)).toBe(dayLength);

      const expectedRouting = totals(routingHistory.get(userId) ?? [], dayStart, dayEnd, clock.now());
      const actualRouting = new Map(
        sheet.totals
          .filter((t) => t.userId === userId && t.kind === 'routing')
          .map((t) => [t.state, t.milliseconds]),
      );
      expect(actualRouting).toEqual(expectedRouting);
      compared += 1;
    }
    expect(compared).toBe(AGENTS);

    // No duplicate segment: one segment per transition of the emulator, each once.
    const stored: Segment[] = await tt.store.segmentsInWindow(dayStart, dayEnd);
    const ids = stored.map(segmentId);
    expect(new Set(ids).size).toBe(ids.length);
    const expectedPresenceSegments = [...history.values()].flatMap((points) =>
      points.filter((p, i) => (points[i + 1]?.start ?? Infinity) > dayStart && p.start < dayEnd),
    ).length;
    expect(stored.filter((s) => s.kind === 'presence')).toHaveLength(expectedPresenceSegments);

    // The stream also kept every agent's last observed presence.
    const sample = agents[7] as string;
    const observed = await redis.hgetall(`${prefix}:{agent:${sample}}:observed`);
    expect(observed.presenceDefinitionId).toBe(emulator.admin.presence(sample).definitionId);
  });
});
