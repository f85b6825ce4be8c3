import { EventEmitter, once } from 'node:events';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config';
import { createGenesysClient, type GenesysClient } from '../../src/genesys';
import type { StreamGap } from '../../src/genesys/notifications';
import { streamWatermarkKey } from '../../src/timetracking/timetracking-keys';
import { ANALYTICS_BACKFILL_QUEUE } from '../../src/workers/analytics-backfill-queue';
import { PRESENCE_EVENTS_QUEUE } from '../../src/workers/presence-events-queue';
import { ObservedPresenceWriter } from '../../src/workers/stream-observed-presence';
import { StreamRole } from '../../src/workers/stream-role';
import { FakeClock, startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const LEASE_MS = 1_000;

interface Process {
  name: string;
  redis: Redis;
  client: GenesysClient;
  role: StreamRole;
  events: EventEmitter;
  queues: Queue[];
}

describe('stream role: one active consumer across processes', () => {
  let emulator: TestEmulator;
  let admin: Redis;
  let prefix: string;
  let config: Config;
  let clock: FakeClock;
  const processes: Process[] = [];

  beforeEach(async () => {
    clock = new FakeClock(Date.now());
    emulator = await startTestEmulator({ agents: 10, heartbeatMs: 200, now: clock.now });
    admin = testRedis();
    prefix = uniquePrefix('stream-role');
    config = loadConfig({
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      ...emulator.genesysEnv,
      LEADER_LEASE_MS: String(LEASE_MS),
      STREAM_RECONNECT_MIN_MS: '10',
      STREAM_RECONNECT_MAX_MS: '100',
      BACKFILL_MARGIN_MS: '1000',
    });
  });

  afterEach(async () => {
    for (const p of processes.splice(0)) {
      await p.role.stop().catch(() => undefined);
      await Promise.all(p.queues.map((q) => q.close().catch(() => undefined)));
      await p.client.stop();
      if (p.redis.status === 'ready') {
        await p.redis.quit();
      } else {
        p.redis.disconnect();
      }
    }
    await emulator.stop();
    await deleteKeys(admin, prefix);
    await admin.quit();
  });

  function startProcess(name: string, roster?: () => string[]): Process {
    const redis = testRedis();
    const client = createGenesysClient({ config, redis, logger, tuning: { now: clock.now } });
    const events = new EventEmitter();
    const queues = [
      new Queue(PRESENCE_EVENTS_QUEUE, { connection: redis, prefix }),
      new Queue(ANALYTICS_BACKFILL_QUEUE, { connection: redis, prefix }),
    ];
    for (const q of queues) {
      q.on('error', () => undefined);
    }
    const role = new StreamRole({
      config,
      connection: redis,
      genesys: client,
      roster: { list: async () => (roster ?? (() => emulator.admin.agentIds()))() },
      rosterCheckEveryMs: 50,
      presenceEventsQueue: queues[0] as Queue,
      backfillQueue: queues[1] as Queue,
      logger,
      now: clock.now,
      ownerId: name,
      watermarkEveryMs: 50,
      observer: {
        onElected: (token) => events.emit('elected', token),
        onDemoted: (reason) => events.emit('demoted', reason),
        onConnected: () => events.emit('connected'),
        onGap: (gap) => events.emit('gap', gap),
        onEvent: (t) => events.emit('event', t),
        onWatermark: (ms) => events.emit('watermark', ms),
      },
    });
    const p = { name, redis, client, role, events, queues };
    processes.push(p);
    return p;
  }

  it('runs the consumer in the leader only; a standby takes over within seconds and backfills from the watermark', async () => {
    const a = startProcess('a');
    const b = startProcess('b');
    const aElected = once(a.events, 'elected');
    const aConnected = once(a.events, 'connected');
    await a.role.start();
    await b.role.start();
    expect(await aElected).toEqual([1]);
    await aConnected;
    expect(a.role.isLeader).toBe(true);
    expect(b.role.isLeader).toBe(false);
    expect(b.role.status()).toEqual([]);
    const [watermark] = (await once(a.events, 'watermark')) as [number];
    expect(Number(await admin.get(streamWatermarkKey(prefix)))).toBeGreaterThanOrEqual(watermark);

    // Process a dies (its Redis connection is gone; it can neither renew nor release).
    clock.advance(30_000);
    const diedAt = Date.now();
    const bElected = once(b.events, 'elected');
    const bConnected = once(b.events, 'connected');
    const bGap = once(b.events, 'gap');
    const aDemoted = once(a.events, 'demoted');
    a.redis.disconnect();
    expect(await bElected).toEqual([2]);
    expect(Date.now() - diedAt).toBeLessThan(3 * LEASE_MS);
    await bConnected;
    const [gap] = (await bGap) as [StreamGap];
    // b covers everything since the last instant a had every event written.
    // (the fake clock stood still from the watermark until a died)
    expect(gap.fromMs).toBe(watermark);
    expect(gap.toMs).toBeGreaterThanOrEqual(clock.now());
    expect(gap.userIds).toHaveLength(10);
    expect(await aDemoted).toEqual(['unreachable']);
    expect(a.role.isLeader).toBe(false);
    expect(a.role.status()).toEqual([]);
    const backfills = await (b.queues[1] as Queue).getJobs(['waiting', 'delayed']);
    expect(backfills.map((j) => j.data.reason)).toContain('gap');
  });

  it('subscribes again when the managed agents change, backfilling the switch', async () => {
    const all = emulator.admin.agentIds();
    let managed = all.slice(0, 5);
    const a = startProcess('a', () => managed);
    const connected = once(a.events, 'connected');
    await a.role.start();
    await connected;
    const newcomer = all[7] as string;
    const reconnected = once(a.events, 'connected');
    const gap = once(a.events, 'gap');
    managed = [...managed, newcomer];
    await reconnected;
    expect(((await gap) as [StreamGap])[0].userIds).toContain(newcomer);
    const seen = new Promise<void>((resolve) => {
      a.events.on('event', (t: { userId: string }) => {
        if (t.userId === newcomer) {
          resolve();
        }
      });
    });
    emulator.admin.agentChangesPresence(newcomer, 'Meeting');
    await seen;
  });

  it('refuses observed-presence writes from a former leader (fencing token)', async () => {
    const writer = new ObservedPresenceWriter(admin, prefix);
    const userId = emulator.admin.agentIds()[0] as string;
    const t = (start: string, id: string) => ({
      kind: 'presence' as const,
      userId,
      start,
      presenceDefinitionId: id,
      systemPresence: 'BREAK',
      source: 'stream' as const,
    });
    expect(await writer.write(t('2026-01-01T10:00:00Z', 'new-leader'), 2)).toBe('written');
    expect(await writer.write(t('2026-01-01T10:05:00Z', 'old-leader'), 1)).toBe('fenced');
    expect(await writer.write(t('2026-01-01T09:00:00Z', 'older-event'), 2)).toBe('stale');
    const hash = await admin.hgetall(`${prefix}:{agent:${userId}}:observed`);
    expect(hash).toMatchObject({
      presenceDefinitionId: 'new-leader',
      systemPresence: 'BREAK',
      modifiedDate: '2026-01-01T10:00:00.000Z',
      fencingToken: '2',
    });
    expect(hash.observedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });
});
