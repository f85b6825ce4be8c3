import WebSocket from 'ws';
import type { BreakerState } from '../../src/genesys/observer';
import { FakeClock, startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { ClientHarness, rejectionOf } from './genesys-test-server';

/**
 * The Genesys client against the emulator with its faults switched on. Every test counts the calls the emulator
 * saw (admin counters), so "how many calls did that cost" is asserted exactly.
 */
const ROUTE = {
  token: ['POST', '/oauth/token'],
  presence: ['GET', '/api/v2/users/:userId/presences/purecloud'],
  patch: ['PATCH', '/api/v2/users/:userId/presences/purecloud'],
  bulkGet: ['GET', '/api/v2/users/presences/purecloud/bulk'],
  bulkPut: ['PUT', '/api/v2/users/presences/bulk'],
} as const;

describe('Genesys client against the emulator', () => {
  let emulator: TestEmulator;
  let harness: ClientHarness;
  let agents: string[];

  const count = (route: readonly [string, string]): number => emulator.admin.callCount(route[0], route[1]);
  const client = (
    overrides: Record<string, string> = {},
    observer?: { onBreaker?: (s: BreakerState) => void },
  ) =>
    harness.client(
      emulator.baseUrl,
      {
        GENESYS_CLIENT_ID: emulator.clientId,
        GENESYS_CLIENT_SECRET: emulator.clientSecret,
        ...overrides,
      },
      observer === undefined ? {} : { observer },
    );

  beforeAll(async () => {
    emulator = await startTestEmulator({ agents: 60 });
    agents = emulator.admin.agentIds();
  });

  afterAll(async () => {
    await emulator.stop();
  });

  beforeEach(() => {
    emulator.admin.reset();
    harness = new ClientHarness();
  });

  afterEach(async () => {
    await harness.close();
  });

  it('puts an agent On Queue by name (any spelling) and Genesys records it, with routing status IDLE', async () => {
    const c = client();
    const agent = agents[0]!;
    const byLegacy = await c.resolvePresence('On Queue');
    const byUpper = await c.resolvePresence('ON_QUEUE');
    expect(byLegacy?.id).toBe('e08eaf1b-ee47-4fa9-a231-1200e284798f');
    expect(byUpper?.id).toBe(byLegacy?.id);

    const result = await c.patchUserPresence(agent, {
      presenceDefinitionId: byLegacy!.id,
      message: 'shift start',
    });

    expect(result.data).toMatchObject({ userId: agent, systemPresence: 'ON_QUEUE', message: 'shift start' });
    expect(result.correlationId).toEqual(expect.any(String));
    expect(emulator.admin.presence(agent)).toMatchObject({
      systemPresence: 'ON_QUEUE',
      routingStatus: 'IDLE',
    });
    expect(emulator.admin.presenceHistory(agent).at(-1)).toMatchObject({
      changedBy: 'service',
      via: 'patch',
    });
    expect((await c.getRoutingStatus(agent)).data.status).toBe('IDLE');
    expect((await c.getUserPresence(agent)).data.systemPresence).toBe('ON_QUEUE');
    expect(count(ROUTE.patch)).toBe(1);
  });

  it('sets 60 agents with 2 bulk PUTs and reads them back with 2 bulk GETs', async () => {
    const c = client();
    const breakDef = await c.resolvePresence('Break');

    const put = await c.putUserPresencesBulk(
      agents.map((userId) => ({ userId, presenceDefinitionId: breakDef!.id })),
    );
    const read = await c.getUserPresencesBulk(agents);

    expect(put.data.every((r) => r.ok)).toBe(true);
    expect(count(ROUTE.bulkPut)).toBe(2);
    expect(count(ROUTE.bulkGet)).toBe(2);
    expect(read.data).toHaveLength(60);
    expect(new Set(read.data.map((p) => p.systemPresence))).toEqual(new Set(['BREAK']));
    expect(emulator.admin.presenceHistory(agents[59]!).at(-1)).toMatchObject({
      via: 'bulk',
      systemPresence: 'BREAK',
    });
  });

  it('50 concurrent calls from 4 client instances make exactly 1 token request', async () => {
    const clients = [1, 2, 3, 4].map(() => client());

    await Promise.all(
      Array.from({ length: 50 }, (_, i) => clients[i % 4]!.getUserPresence(agents[i % agents.length]!)),
    );

    expect(count(ROUTE.token)).toBe(1);
    expect(count(ROUTE.presence)).toBe(50);
  });

  it('429 storm with Retry-After 0: 1 + GENESYS_RETRIES calls, then GENESYS_RATE_LIMITED', async () => {
    const c = client({ GENESYS_RETRIES: '3' });
    await c.getToken();
    emulator.admin.setFaults({ rateLimitStorm: true, stormRetryAfterSeconds: 0 });

    const err = await rejectionOf(
      c.patchUserPresence(agents[0]!, { presenceDefinitionId: 'e08eaf1b-ee47-4fa9-a231-1200e284798f' }),
    );

    expect(err).toMatchObject({
      code: 'GENESYS_RATE_LIMITED',
      httpStatus: 429,
      genesysCode: 'too.many.requests.retry.after',
    });
    expect(err.correlationId).toEqual(expect.any(String));
    expect(count(ROUTE.patch)).toBe(4);
    expect(emulator.admin.presenceHistory(agents[0]!)).toHaveLength(0);
  });

  it('429 storm with a long Retry-After: 1 call, the wait handed back to the caller', async () => {
    const c = client({ GENESYS_MAX_RETRY_AFTER_MS: '5000' });
    await c.getToken();
    emulator.admin.setFaults({ rateLimitStorm: true, stormRetryAfterSeconds: 30 });

    const err = await rejectionOf(c.getUserPresence(agents[0]!));

    expect(err).toMatchObject({ code: 'GENESYS_RATE_LIMITED', retryAfterMs: 30_000 });
    expect(count(ROUTE.presence)).toBe(1);
  });

  it("slows down before the emulator's per-token limit answers 429", async () => {
    const c = client({ GENESYS_RATE_BUDGET_PER_MINUTE: '5', GENESYS_RATE_BUDGET_MAX_WAIT_MS: '0' });

    for (let i = 0; i < 5; i += 1) {
      await c.getUserPresence(agents[i]!);
    }
    const err = await rejectionOf(c.getUserPresence(agents[5]!));

    expect(err.code).toBe('GENESYS_BUDGET_EXHAUSTED');
    expect(err.retryAfterMs).toBeGreaterThan(0);
    expect(count(ROUTE.presence)).toBe(5);
  });

  it('503 then 200 on a read: 2 calls and the answer', async () => {
    const c = client();
    emulator.admin.failNext({
      count: 1,
      kind: 'status',
      status: 503,
      method: 'GET',
      pathPrefix: '/api/v2/users/',
    });

    await expect(c.getUserPresence(agents[1]!)).resolves.toMatchObject({ status: 200 });

    expect(count(ROUTE.presence)).toBe(2);
  });

  it('connection reset on a read is retried (2 calls); on a presence PATCH it is not (1 call)', async () => {
    const c = client();
    await c.getToken();
    emulator.admin.failNext({ count: 1, kind: 'reset', method: 'GET' });
    await expect(c.getUserPresence(agents[2]!)).resolves.toMatchObject({ status: 200 });
    expect(count(ROUTE.presence)).toBe(2);

    emulator.admin.failNext({ count: 1, kind: 'reset', method: 'PATCH' });
    const err = await rejectionOf(
      c.patchUserPresence(agents[2]!, { presenceDefinitionId: 'e08eaf1b-ee47-4fa9-a231-1200e284798f' }),
    );
    expect(err.code).toBe('GENESYS_NETWORK');
    expect(count(ROUTE.patch)).toBe(1);
  });

  it('revoked tokens: the call is refreshed once and repeated (2 token requests, 2 calls)', async () => {
    const c = client();
    await c.getUserPresence(agents[3]!);
    emulator.admin.resetCalls();
    expect(emulator.admin.revokeAllTokens()).toBeGreaterThan(0);

    await expect(c.getUserPresence(agents[3]!)).resolves.toMatchObject({ status: 200 });

    expect(count(ROUTE.token)).toBe(1);
    expect(count(ROUTE.presence)).toBe(2);
  });

  it('slow responses: each attempt times out and the call stops after 1 + GENESYS_RETRIES attempts', async () => {
    const c = client({ GENESYS_TIMEOUT_MS: '150', GENESYS_RETRIES: '1' });
    await c.getToken();
    emulator.admin.setFaults({ latencyMs: 400 });

    const err = await rejectionOf(c.getUserPresence(agents[4]!));

    expect(err.code).toBe('GENESYS_TIMEOUT');
    expect(count(ROUTE.presence)).toBe(2);
    emulator.admin.clearFaults();
  });

  it('5xx on every call opens the breaker after the volume threshold; later calls do not reach Genesys', async () => {
    const states: BreakerState[] = [];
    const c = client(
      { GENESYS_RETRIES: '0', BREAKER_VOLUME_THRESHOLD: '3', BREAKER_RESET_MS: '60000' },
      { onBreaker: (s) => states.push(s) },
    );
    await c.getToken();
    emulator.admin.setFaults({ errorRatio: 1, errorStatus: 503 });

    const codes: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      codes.push(String((await rejectionOf(c.getUserPresence(agents[5]!))).code));
    }

    expect(codes).toEqual([
      'GENESYS_SERVER',
      'GENESYS_SERVER',
      'GENESYS_SERVER',
      'GENESYS_CIRCUIT_OPEN',
      'GENESYS_CIRCUIT_OPEN',
    ]);
    expect(count(ROUTE.presence)).toBe(3);
    expect(states).toEqual(['open']);
  });

  it('reads the WFM business unit, management unit, activity codes and schedules (inline, download, stuck)', async () => {
    const c = client();
    const agent = agents[6]!;
    const units = await c.listBusinessUnits();
    const buId = units.data[0]!.id;

    const bu = await c.getBusinessUnit(buId);
    const mu = await c.getAgentManagementUnit(agent);
    const codes = await c.listActivityCodes(buId);
    const now = Date.now();
    const query = {
      startDate: new Date(now - 86_400_000).toISOString(),
      endDate: new Date(now + 86_400_000).toISOString(),
      userIds: [agent],
    };
    const inline = await c.searchAgentSchedules(buId, query);
    const downloaded = await c.searchAgentSchedules(buId, query, { forceDownloadService: true });
    emulator.admin.setFaults({ wfmSearchMode: 'stuck' });
    const stuck = await c.searchAgentSchedules(buId, query);

    expect(bu.data.settings?.timeZone).toBe(emulator.admin.org().businessUnit.timeZone);
    expect(mu.data.businessUnit?.id).toBe(buId);
    expect(new Set(codes.data.map((a) => a.category))).toEqual(
      new Set([
        'OnQueueWork',
        'Break',
        'Meal',
        'Meeting',
        'OffQueueWork',
        'TimeOff',
        'Training',
        'Unavailable',
      ]),
    );
    expect(inline.data.status).toBe('Complete');
    expect(inline.data.status === 'Complete' && inline.data.delivery).toBe('inline');
    expect(downloaded.data.status === 'Complete' && downloaded.data.delivery).toBe('download');
    if (inline.data.status === 'Complete' && downloaded.data.status === 'Complete') {
      expect(inline.data.result.agentSchedules?.[0]?.user.id).toBe(agent);
      expect(downloaded.data.result).toEqual(inline.data.result);
    }
    expect(stuck.data).toEqual({ status: 'Processing', operationId: expect.any(String) });
  });

  it("reads an agent's presence history back through the analytics details query", async () => {
    const c = client();
    const agent = agents[7]!;
    const onQueue = await c.resolvePresence('OnQueue');
    await c.patchUserPresence(agent, { presenceDefinitionId: onQueue!.id });
    const now = Date.now();

    const details = await c.queryAllUserDetails({
      interval: `${new Date(now - 3_600_000).toISOString()}/${new Date(now + 60_000).toISOString()}`,
      userFilters: [{ type: 'or', predicates: [{ dimension: 'userId', value: agent }] }],
    });

    expect(details.data).toHaveLength(1);
    expect(details.data[0]?.primaryPresence?.at(-1)?.systemPresence).toBe('ON_QUEUE');
  });
});

describe('Genesys client against the emulator: notification channels and async WFM search', () => {
  let emulator: TestEmulator;
  let harness: ClientHarness;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    emulator = await startTestEmulator({ agents: 4 });
  });

  afterAll(async () => {
    await emulator.stop();
  });

  beforeEach(() => {
    harness = new ClientHarness();
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) {
      socket.terminate();
    }
    await harness.close();
  });

  const client = () =>
    harness.client(emulator.baseUrl, {
      GENESYS_CLIENT_ID: emulator.clientId,
      GENESYS_CLIENT_SECRET: emulator.clientSecret,
    });

  it('creates a channel, replaces, adds, lists and deletes subscriptions, and HEADs channels', async () => {
    const c = client();
    const [a, b] = emulator.admin.agentIds();

    const channel = await c.createChannel();
    const put = await c.putSubscriptions(channel.data.id, [`v2.users.${a}.presence`]);
    await c.addSubscriptions(channel.data.id, [`v2.users.${b}.presence`, `v2.users.${b}.routingStatus`]);
    const listed = await c.getSubscriptions(channel.data.id);

    expect(channel.data.connectUri).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/channels\//);
    expect(put.data.map((t) => t.id)).toEqual([`v2.users.${a}.presence`]);
    expect(listed.data.map((t) => t.id).sort()).toEqual(
      [`v2.users.${a}.presence`, `v2.users.${b}.presence`, `v2.users.${b}.routingStatus`].sort(),
    );
    expect((await c.channelExists(channel.data.id)).data).toBe(true);
    expect((await c.channelExists('no-such-channel')).data).toBe(false);
    await c.deleteSubscriptions(channel.data.id);
    expect((await c.getSubscriptions(channel.data.id)).data).toEqual([]);
  });

  it('completes a Processing schedule search from the notification and downloads the result', async () => {
    const c = client();
    const buId = (await c.listBusinessUnits()).data[0]!.id;
    const channel = await c.createChannel();
    await c.putSubscriptions(channel.data.id, [
      `v2.workforcemanagement.users.${emulator.clientId}.schedules.search`,
    ]);
    const socket = new WebSocket(channel.data.connectUri);
    sockets.push(socket);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const completions = new Map<string, string>();
    const waiters = new Map<string, (url: string) => void>();
    socket.on('message', (raw: Buffer) => {
      const event = JSON.parse(raw.toString()) as {
        topicName: string;
        eventBody: { operationId?: string; downloadUrl?: string };
      };
      const { operationId, downloadUrl } = event.eventBody;
      if (
        event.topicName.endsWith('.schedules.search') &&
        operationId !== undefined &&
        downloadUrl !== undefined
      ) {
        completions.set(operationId, downloadUrl);
        waiters.get(operationId)?.(downloadUrl);
      }
    });
    const now = Date.now();

    const outcome = await c.searchAgentSchedules(
      buId,
      { startDate: new Date(now).toISOString(), endDate: new Date(now + 86_400_000).toISOString() },
      {
        forceAsync: true,
        completionTimeoutMs: 5_000,
        awaitCompletion: (operationId) =>
          completions.has(operationId)
            ? Promise.resolve(completions.get(operationId))
            : new Promise((resolve) => waiters.set(operationId, resolve)),
      },
    );

    expect(outcome.data.status).toBe('Complete');
    expect(outcome.data.status === 'Complete' && outcome.data.delivery).toBe('download');
    expect(outcome.data.status === 'Complete' && outcome.data.result.agentSchedules).toHaveLength(4);
    expect(outcome.calls).toHaveLength(2);
  });
});

describe('Genesys client against the emulator: token expiry', () => {
  it('refreshes once when the emulator says the token expired (its clock moved past the TTL)', async () => {
    const clock = new FakeClock();
    const emulator = await startTestEmulator({ agents: 2, tokenTtlSeconds: 300, now: clock.now });
    const harness = new ClientHarness();
    try {
      const c = harness.client(emulator.baseUrl, {
        GENESYS_CLIENT_ID: emulator.clientId,
        GENESYS_CLIENT_SECRET: emulator.clientSecret,
      });
      const agent = emulator.admin.agentIds()[0]!;
      await c.getUserPresence(agent);
      clock.advance(301_000);

      await expect(c.getUserPresence(agent)).resolves.toMatchObject({ status: 200 });

      expect(emulator.admin.callCount('POST', '/oauth/token')).toBe(2);
      expect(emulator.admin.callCount('GET', '/api/v2/users/:userId/presences/purecloud')).toBe(3);
    } finally {
      await harness.close();
      await emulator.stop();
    }
  });

  it('reports bad client credentials as GENESYS_AUTH (invalid_client) without calling the API', async () => {
    const emulator = await startTestEmulator({ agents: 2 });
    const harness = new ClientHarness();
    try {
      const c = harness.client(emulator.baseUrl, {
        GENESYS_CLIENT_ID: emulator.clientId,
        GENESYS_CLIENT_SECRET: 'wrong',
      });

      const err = await rejectionOf(c.getUserPresence(emulator.admin.agentIds()[0]!));

      expect(err).toMatchObject({ code: 'GENESYS_AUTH', genesysCode: 'invalid_client' });
      expect(emulator.admin.callCount('POST', '/oauth/token')).toBe(1);
      expect(emulator.admin.callCount('GET', '/api/v2/users/:userId/presences/purecloud')).toBe(0);
    } finally {
      await harness.close();
      await emulator.stop();
    }
  });
});
