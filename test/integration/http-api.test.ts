import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { buildService } from '../../src/service/build-service';
import { timelineKey } from '../../src/jobs/keys';
import type { Service } from '../../src/service/service';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis';

const WFM_KEY = 'wfm-key-0123456789abcdef';
const READ_KEY = 'read-key-0123456789abcde';
const API_KEYS = JSON.stringify([
  { name: 'wfm', key: WFM_KEY, scopes: ['enqueue'], sources: ['wfm', 'crm'] },
  { name: 'reader', key: READ_KEY, scopes: ['read'] },
]);

const silent = () =>
  createLogger(
    { level: 'warn' },
    new Writable({
      write(_chunk, _enc, done) {
        done();
      },
    }),
  );

/** A TCP relay to the test Redis that can be cut, to take Redis away from one service only. */
class RedisRelay {
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;

  async start(): Promise<string> {
    const target = new URL(testRedisUrl());
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `redis://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server?.close(() => resolve()));
    for (const s of this.sockets) {
      s.destroy();
    }
    await closed;
  }
}

describe('HTTP API on the real pipeline (Redis + emulator)', () => {
  const prefix = uniquePrefix('http');
  const redis = testRedis();
  let emulator: TestEmulator;
  let service: Service;
  let base: string;
  let agents: string[];

  function config(extra: Record<string, string> = {}): Config {
    return loadConfig({
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      HTTP_PORT: '0',
      API_KEYS,
      ...emulator.genesysEnv,
      ...extra,
    });
  }

  beforeAll(async () => {
    emulator = await startTestEmulator({ agents: 6 });
    agents = emulator.admin.agentIds();
    service = await buildService(config(), { roles: ['api'], logger: silent() });
    await service.start();
    base = service.httpUrl!;
  });

  afterAll(async () => {
    await service.stop();
    await emulator.stop();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const post = (userId: string, body: object, headers: Record<string, string> = {}) =>
    fetch(`${base}/v1/agents/${userId}/presence`, {
      method: 'POST',
      headers: { authorization: `Bearer ${WFM_KEY}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const get = (path: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${READ_KEY}` } });
  const change = { presence: 'Available', source: 'wfm', requestedBy: 'planner' };

  it('accepts a change (202), then shows the request and the agent with the version as ETag', async () => {
    const userId = agents[0]!;
    const res = await post(userId, change);
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { requestId: string; version: number; statusUrl: string };
    expect(accepted.version).toBe(1);
    expect(res.headers.get('etag')).toBe('"1"');

    const request = await get(accepted.statusUrl);
    expect(request.status).toBe(200);
    expect(await request.json()).toMatchObject({
      requestId: accepted.requestId,
      userId,
      version: 1,
      status: 'pending',
      source: 'wfm',
      requestedBy: 'planner',
    });

    const agent = await get(`/v1/agents/${userId}`);
    expect(agent.status).toBe(200);
    expect(agent.headers.get('etag')).toBe('"1"');
    expect(await agent.json()).toMatchObject({
      userId,
      version: 1,
      desired: { requestId: accepted.requestId, source: 'wfm' },
      scheduledActivity: { kind: 'unknown' },
    });
  });

  it('lets exactly one of two clients sending the same If-Match win; the other gets 409 and the version', async () => {
    const userId = agents[1]!;
    expect((await post(userId, change)).status).toBe(202);
    expect((await post(userId, change)).status).toBe(202);
    expect((await post(userId, change)).status).toBe(202);
    const [a, b] = await Promise.all([
      post(userId, { ...change, presence: 'Break' }, { 'if-match': '"3"' }),
      post(userId, { ...change, presence: 'Meal' }, { 'if-match': '"3"' }),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([202, 409]);
    const loser = a.status === 409 ? a : b;
    const winner = a.status === 202 ? a : b;
    expect(await winner.json()).toMatchObject({ version: 4 });
    expect(await loser.json()).toMatchObject({ code: 'VERSION_CONFLICT', currentVersion: 4 });
    expect(loser.headers.get('etag')).toBe('"4"');
  });

  it('lets one of ten concurrent If-Match writers win and tells the nine others the same current version', async () => {
    const userId = agents[2]!;
    const view = await get(`/v1/agents/${userId}`);
    const current = view.status === 404 ? 0 : ((await view.json()) as { version: number }).version;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => post(userId, change, { 'if-match': `"${current}"` })),
    );
    const codes = answers.map((r) => r.status);
    expect(codes.filter((c) => c === 202)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(9);
    const conflicts = await Promise.all(answers.filter((r) => r.status === 409).map((r) => r.json()));
    expect(new Set(conflicts.map((c) => (c as { currentVersion: number }).currentVersion))).toEqual(
      new Set([current + 1]),
    );
  });

  it('replays an Idempotency-Key with the first answer and refuses it with another body (422)', async () => {
    const userId = agents[3]!;
    const headers = { 'idempotency-key': `shift-${prefix}` };
    const first = (await (await post(userId, change, headers)).json()) as { requestId: string };
    const again = await post(userId, change, headers);
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ requestId: first.requestId, replayed: true });
    const other = await post(userId, { ...change, presence: 'Break' }, headers);
    expect(other.status).toBe(422);
    expect(((await other.json()) as { code: string }).code).toBe('IDEMPOTENCY_MISMATCH');
  });

  it('answers 400 for a presence the org does not have and for a malformed user id', async () => {
    const unknown = await post(agents[4]!, { ...change, presence: 'Sunbathing' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { code: string }).code).toBe('UNKNOWN_PRESENCE');
    const badId = await post('not-a-uuid', change);
    expect(badId.status).toBe(400);
    expect(await badId.json()).toMatchObject({ problems: [{ path: 'path.userId' }] });
  });

  it("shows an agent's scheduled activity from the schedule cache, at version 0 before any request", async () => {
    const userId = agents[4]!;
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const timeline = {
      userId,
      businessUnitId: 'bu-1',
      timeZone: 'Europe/Paris',
      windowStart: iso(now - 86_400_000),
      windowEnd: iso(now + 86_400_000),
      activities: [
        {
          start: iso(now - 600_000),
          end: iso(now + 600_000),
          activityCodeId: 'ac-break',
          category: 'Break',
          secondaryPresenceIds: [],
        },
      ],
      syncedAt: iso(now),
    };
    await redis.set(timelineKey(prefix, userId), JSON.stringify(timeline), 'PX', 60_000);
    const res = await get(`/v1/agents/${userId}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"0"');
    expect(await res.json()).toEqual({
      userId,
      version: 0,
      scheduledActivity: {
        kind: 'activity',
        activityCodeId: 'ac-break',
        category: 'Break',
        start: timeline.activities[0]!.start,
        end: timeline.activities[0]!.end,
        timeZone: 'Europe/Paris',
      },
    });
    // If-Match "0" is the compare-and-set for "nobody has asked for anything yet".
    expect((await post(userId, { ...change, presence: 'Break' }, { 'if-match': '"0"' })).status).toBe(202);
    expect((await post(userId, change, { 'if-match': '"0"' })).status).toBe(409);
  });

  it('answers 404 for an unknown request and an agent it never saw', async () => {
    expect((await get('/v1/requests/r-unknown')).status).toBe(404);
    expect((await get(`/v1/agents/${agents[5]!}`)).status).toBe(404);
  });

  it('answers 503 (never 500) and reports not ready when Redis becomes unreachable', async () => {
    const relay = new RedisRelay();
    const url = await relay.start();
    const cutOff = await buildService(config({ REDIS_URL: url }), { roles: ['api'], logger: silent() });
    await cutOff.start();
    try {
      const cutBase = cutOff.httpUrl!;
      const before = await fetch(`${cutBase}/v1/agents/${agents[5]!}/presence`, {
        method: 'POST',
        headers: { authorization: `Bearer ${WFM_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(change),
      });
      expect(before.status).toBe(202);
      const { statusUrl } = (await before.json()) as { statusUrl: string };
      await relay.cut();
      const after = await fetch(`${cutBase}/v1/agents/${agents[5]!}/presence`, {
        method: 'POST',
        headers: { authorization: `Bearer ${WFM_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(change),
      });
      expect(after.status).toBe(503);
      expect(after.headers.get('retry-after')).toBe('5');
      expect(((await after.json()) as { code: string }).code).toBe('DEPENDENCY_UNAVAILABLE');
      const status = await fetch(`${cutBase}${statusUrl}`, {
        headers: { authorization: `Bearer ${READ_KEY}` },
      });
      expect(status.status).toBe(503);
      const ready = await fetch(`${cutBase}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'not-ready', checks: { redis: { ok: false } } });
    } finally {
      await cutOff.stop();
    }
  });
});
