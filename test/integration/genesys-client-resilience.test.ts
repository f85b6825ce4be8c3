import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import pino from 'pino';
import type { BreakerState } from '../../src/genesys/observer';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config';
import { createGenesysClient } from '../../src/genesys/genesys-client';
import {
  ClientHarness,
  clientEnv,
  errorBody,
  presenceBody,
  rejectionOf,
  type ScriptedServer,
  startScriptedServer,
} from './genesys-test-server';

const USER = 'user-1';
const PRESENCE_PATH = `/api/v2/users/${USER}/presences/purecloud`;
const ON_QUEUE = 'e08eaf1b-ee47-4fa9-a231-1200e284798f';
const ok = { status: 200, body: presenceBody(ON_QUEUE) };

describe('Genesys client against a scripted server: retries, rate limits, timeouts', () => {
  let server: ScriptedServer;
  let harness: ClientHarness;

  beforeEach(async () => {
    server = await startScriptedServer();
    harness = new ClientHarness();
  });

  afterEach(async () => {
    await harness.close();
    await server.close();
  });

  it('retries a GET answered 503 and returns the second answer (2 calls)', async () => {
    server.setHandler((_r, n) =>
      n === 1 ? { status: 503, body: errorBody(503, 'service.unavailable') } : ok,
    );
    const seen: number[] = [];
    const client = harness.client(
      server.url,
      {},
      { observer: { onCall: (_route, status) => seen.push(status) } },
    );

    const result = await client.getUserPresence(USER);

    expect(result.data).toMatchObject({
      userId: USER,
      presenceDefinitionId: ON_QUEUE,
      systemPresence: 'ON_QUEUE',
    });
    expect(server.apiCalls('GET', PRESENCE_PATH)).toHaveLength(2);
    expect(result.calls).toEqual([expect.objectContaining({ attempts: 2, status: 200 })]);
    expect(result.correlationId).toMatch(/^corr-/);
    expect(seen).toEqual([200, 503, 200]); // token, then the two API attempts
  });

  it('gives up after 1 + GENESYS_RETRIES calls of a GET that keeps answering 503', async () => {
    server.setHandler(() => ({ status: 503, body: errorBody(503, 'service.unavailable') }));
    const client = harness.client(server.url, { GENESYS_RETRIES: '2' });

    const err = await rejectionOf(client.getUserPresence(USER));

    expect(err).toMatchObject({
      code: 'GENESYS_SERVER',
      httpStatus: 503,
      genesysCode: 'service.unavailable',
    });
    expect(server.apiCalls()).toHaveLength(3);
  });

  it('does not replay a presence PATCH answered 503 (1 call)', async () => {
    server.setHandler(() => ({ status: 503, body: errorBody(503, 'service.unavailable') }));
    const client = harness.client(server.url);

    const err = await rejectionOf(client.patchUserPresence(USER, { presenceDefinitionId: ON_QUEUE }));

    expect(err).toMatchObject({ code: 'GENESYS_SERVER', httpStatus: 503 });
    expect(server.apiCalls('PATCH')).toHaveLength(1);
  });

  it('retries a GET whose connection was reset (2 calls)', async () => {
    server.setHandler((_r, n) => (n === 1 ? 'reset' : ok));
    const client = harness.client(server.url);

    await expect(client.getUserPresence(USER)).resolves.toMatchObject({ status: 200 });
    expect(server.apiCalls()).toHaveLength(2);
  });

  it('does not replay a PATCH whose connection was reset (1 call, GENESYS_NETWORK)', async () => {
    server.setHandler(() => 'reset');
    const client = harness.client(server.url);

    const err = await rejectionOf(client.patchUserPresence(USER, { presenceDefinitionId: ON_QUEUE }));

    expect(err.code).toBe('GENESYS_NETWORK');
    expect(server.apiCalls()).toHaveLength(1);
  });

  it('does not replay a bulk presence PUT whose connection was reset; every user reports the error', async () => {
    server.setHandler(() => 'reset');
    const client = harness.client(server.url);

    const result = await client.putUserPresencesBulk([
      { userId: 'a', presenceDefinitionId: ON_QUEUE },
      { userId: 'b', presenceDefinitionId: ON_QUEUE },
    ]);

    expect(server.apiCalls('PUT')).toHaveLength(1);
    expect(result.data.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'GENESYS_NETWORK',
      'GENESYS_NETWORK',
    ]);
  });

  it('waits Retry-After on a 429 and then succeeds (2 calls, ≥ 1 s apart)', async () => {
    const limited = {
      status: 429,
      headers: { 'retry-after': '1' },
      body: errorBody(429, 'too.many.requests.retry.after'),
    };
    server.setHandler((_r, n) => (n === 1 ? limited : ok));
    const waits: number[] = [];
    const client = harness.client(
      server.url,
      { GENESYS_MAX_RETRY_AFTER_MS: '2000' },
      {
        observer: { onRateLimited: (ms) => waits.push(ms) },
      },
    );

    const started = Date.now();
    await client.getUserPresence(USER);

    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(server.apiCalls()).toHaveLength(2);
    expect(waits).toEqual([1_000]);
  });

  it('in a 429 storm with Retry-After 0, makes 1 + GENESYS_RETRIES calls and reports GENESYS_RATE_LIMITED', async () => {
    server.setHandler(() => ({
      status: 429,
      headers: { 'retry-after': '0' },
      body: errorBody(429, 'too.many.requests.retry.after'),
    }));
    const client = harness.client(server.url, { GENESYS_RETRIES: '3' });

    const err = await rejectionOf(client.patchUserPresence(USER, { presenceDefinitionId: ON_QUEUE }));

    expect(err).toMatchObject({
      code: 'GENESYS_RATE_LIMITED',
      retryAfterMs: 0,
      genesysCode: 'too.many.requests.retry.after',
    });
    expect(server.apiCalls()).toHaveLength(4);
  });

  it('does not wait in-request for a Retry-After above GENESYS_MAX_RETRY_AFTER_MS (1 call)', async () => {
    server.setHandler(() => ({
      status: 429,
      headers: { 'retry-after': '42' },
      body: errorBody(429, 'too.many.requests.retry.after'),
    }));
    const client = harness.client(server.url, { GENESYS_MAX_RETRY_AFTER_MS: '1000' });

    const err = await rejectionOf(client.getUserPresence(USER));

    expect(err).toMatchObject({ code: 'GENESYS_RATE_LIMITED', retryAfterMs: 42_000, httpStatus: 429 });
    expect(err.correlationId).toMatch(/^corr-/);
    expect(server.apiCalls()).toHaveLength(1);
  });

  it('a 429 pauses the shared budget: another instance refuses to call until Retry-After has passed', async () => {
    server.setHandler(() => ({
      status: 429,
      headers: { 'retry-after': '30' },
      body: errorBody(429, 'too.many.requests.retry.after'),
    }));
    const first = harness.client(server.url);
    const second = harness.client(server.url);
    await first.getToken();
    await second.getToken();

    expect((await rejectionOf(first.getUserPresence(USER))).code).toBe('GENESYS_RATE_LIMITED');
    const err = await rejectionOf(second.getUserPresence(USER));

    expect(err.code).toBe('GENESYS_BUDGET_EXHAUSTED');
    expect(err.retryAfterMs).toBeGreaterThan(25_000);
    expect(server.apiCalls()).toHaveLength(1);
    await expect(second.checkBudget()).resolves.toMatchObject({ ok: false });
  });

  it('times out a slow GET after each attempt and stops at 1 + GENESYS_RETRIES attempts (GENESYS_TIMEOUT)', async () => {
    server.setHandler(() => 'hang');
    const client = harness.client(server.url, { GENESYS_TIMEOUT_MS: '150', GENESYS_RETRIES: '2' });

    const started = Date.now();
    const err = await rejectionOf(client.getUserPresence(USER));

    expect(err.code).toBe('GENESYS_TIMEOUT');
    expect(server.apiCalls()).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('stops retrying a slow call when another attempt would exceed GENESYS_CALL_BUDGET_MS', async () => {
    server.setHandler(() => ({ ...ok, delayMs: 2_000 }));
    const client = harness.client(server.url, {
      // After attempt 1 (~400 ms) one more fits (≤ 1150); after attempt 2 (~800 ms) another would not.
      GENESYS_TIMEOUT_MS: '400',
      GENESYS_RETRIES: '5',
      GENESYS_CALL_BUDGET_MS: '1150',
    });

    const err = await rejectionOf(client.getUserPresence(USER));

    expect(err.code).toBe('GENESYS_TIMEOUT');
    expect(server.apiCalls()).toHaveLength(2);
  });

  it('without Redis (shared token and budget), fails with GENESYS_STATE_UNAVAILABLE, calls nothing and keeps the breaker closed', async () => {
    const unreachable = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const client = createGenesysClient({
      config: loadConfig(clientEnv(server.url, harness.prefix, { BREAKER_VOLUME_THRESHOLD: '1' })),
      redis: unreachable,
      logger: pino({ level: 'silent' }),
    });
    try {
      for (let i = 0; i < 3; i += 1) {
        expect((await rejectionOf(client.getUserPresence(USER))).code).toBe('GENESYS_STATE_UNAVAILABLE');
      }
      expect(server.requests).toHaveLength(0);
      expect(client.breakerState).toBe('closed');
    } finally {
      await client.stop();
      unreachable.disconnect();
    }
  });

  it('names API drift: a 200 that lacks a field we depend on is GENESYS_RESPONSE_INVALID, not retried', async () => {
    server.setHandler(() => ({ status: 200, body: { id: 'x', message: 'no presenceDefinition' } }));
    const client = harness.client(server.url);

    const err = await rejectionOf(client.getUserPresence(USER));

    expect(err.code).toBe('GENESYS_RESPONSE_INVALID');
    expect((err.details as { issues: string[] }).issues[0]).toContain('presenceDefinition');
    expect(server.apiCalls()).toHaveLength(1);
  });
});

describe('Genesys client against a scripted server: token', () => {
  let server: ScriptedServer;
  let harness: ClientHarness;

  beforeEach(async () => {
    server = await startScriptedServer(() => ok);
    harness = new ClientHarness();
  });

  afterEach(async () => {
    await harness.close();
    await server.close();
  });

  it('gets the token with Basic auth and a form body, then sends it as a bearer token', async () => {
    const client = harness.client(server.url);
    await client.getUserPresence(USER);

    const [token] = server.tokenCalls();
    expect(token?.method).toBe('POST');
    expect(token?.headers.authorization).toBe(
      `Basic ${Buffer.from('test-client:test-secret-value').toString('base64')}`,
    );
    expect(token?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(token?.body).toBe('grant_type=client_credentials');
    expect(server.apiCalls()[0]?.headers.authorization).toBe('Bearer tok-1');
  });

  it('50 concurrent calls from 4 client instances make exactly 1 token request', async () => {
    const clients = [1, 2, 3, 4].map(() => harness.client(server.url));
    await Promise.all(Array.from({ length: 50 }, (_, i) => clients[i % 4]!.getUserPresence(`user-${i}`)));

    expect(server.tokenCalls()).toHaveLength(1);
    expect(server.apiCalls()).toHaveLength(50);
    expect(new Set(server.apiCalls().map((r) => r.headers.authorization))).toEqual(new Set(['Bearer tok-1']));
  });

  it('refreshes once on a 401 and retries the call once (2 token requests, 2 API calls)', async () => {
    server.setHandler((r) =>
      r.headers.authorization === 'Bearer tok-1'
        ? { status: 401, body: errorBody(401, 'bad.credentials') }
        : ok,
    );
    const refreshes: string[] = [];
    const client = harness.client(server.url, {}, { observer: { onTokenRefresh: (r) => refreshes.push(r) } });

    await expect(client.getUserPresence(USER)).resolves.toMatchObject({ status: 200 });

    expect(server.tokenCalls()).toHaveLength(2);
    expect(server.apiCalls().map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    expect(refreshes).toEqual(['ok', 'ok']);
  });

  it('after a revocation, 4 instances with 40 calls in flight fetch exactly 1 new token', async () => {
    const clients = [1, 2, 3, 4].map(() => harness.client(server.url));
    await Promise.all(clients.map((c) => c.getToken()));
    server.setHandler((r) =>
      r.headers.authorization === 'Bearer tok-1'
        ? { status: 401, body: errorBody(401, 'bad.credentials') }
        : ok,
    );

    await Promise.all(Array.from({ length: 40 }, (_, i) => clients[i % 4]!.getUserPresence(`user-${i}`)));

    expect(server.tokenCalls()).toHaveLength(2);
    expect(server.apiCalls().filter((r) => r.headers.authorization === 'Bearer tok-2')).toHaveLength(40);
  });

  it('reports GENESYS_AUTH when the fresh token is refused too (2 API calls, no loop)', async () => {
    server.setHandler(() => ({
      status: 401,
      body: errorBody(401, 'bad.credentials', 'Invalid login credentials.'),
    }));
    const client = harness.client(server.url);

    const err = await rejectionOf(client.getUserPresence(USER));

    expect(err).toMatchObject({ code: 'GENESYS_AUTH', httpStatus: 401, genesysCode: 'bad.credentials' });
    expect(server.apiCalls()).toHaveLength(2);
    expect(server.tokenCalls()).toHaveLength(2);
  });

  it('refuses bad client credentials once for the fleet: other instances fail fast without asking again', async () => {
    server.setTokenHandler(() => ({
      status: 401,
      body: {
        error: 'invalid_client',
        description: 'authentication failed',
        error_description: 'authentication failed',
      },
    }));
    const [a, b] = [harness.client(server.url), harness.client(server.url)];

    const first = await rejectionOf(a.getUserPresence(USER));
    const second = await rejectionOf(b.getUserPresence(USER));

    expect(first).toMatchObject({ code: 'GENESYS_AUTH', genesysCode: 'invalid_client', httpStatus: 401 });
    expect(second).toMatchObject({ code: 'GENESYS_AUTH', genesysCode: 'invalid_client' });
    expect(server.tokenCalls()).toHaveLength(1);
    expect(server.apiCalls()).toHaveLength(0);
  });

  it('refreshes ahead of expiry once (one process, in the background) while calls keep the still-valid token', async () => {
    let now = Date.parse('2025-03-10T12:00:00Z');
    let refreshed = 0;
    let onSecondRefresh: () => void = () => undefined;
    const secondRefresh = new Promise<void>((resolve) => {
      onSecondRefresh = resolve;
    });
    const extra = {
      tuning: { now: () => now },
      observer: {
        onTokenRefresh: () => {
          refreshed += 1;
          if (refreshed === 2) {
            onSecondRefresh();
          }
        },
      },
    };
    // The refresh answers slowly, so the calls below provably do not wait for it.
    server.setTokenHandler((n) => ({
      status: 200,
      body: { access_token: `tok-${n}`, expires_in: 86_400 },
      ...(n === 2 ? { delayMs: 600 } : {}),
    }));
    const [a, b] = [harness.client(server.url, {}, extra), harness.client(server.url, {}, extra)];
    await a.getUserPresence(USER);
    now += 86_400_000 - 200_000; // inside the 300 s lead window; the token is still valid

    await Promise.all([a.getUserPresence(USER), b.getUserPresence(USER), b.getUserPresence(USER)]);
    expect(server.apiCalls().map((r) => r.headers.authorization)).toEqual(Array(4).fill('Bearer tok-1'));

    await secondRefresh;
    expect(server.tokenCalls()).toHaveLength(2);
    await expect(a.getToken()).resolves.toBe('tok-2');
    await expect(b.getToken()).resolves.toBe('tok-2');
    expect(server.tokenCalls()).toHaveLength(2);
  });

  it('without a valid token, callers wait for the one refresh in flight', async () => {
    server.setTokenHandler((n) => ({
      status: 200,
      body: { access_token: `tok-${n}`, expires_in: 86_400 },
      delayMs: 100,
    }));
    const clients = [1, 2, 3].map(() => harness.client(server.url));

    const tokens = await Promise.all(clients.map((c) => c.getToken()));

    expect(tokens).toEqual(['tok-1', 'tok-1', 'tok-1']);
    expect(server.tokenCalls()).toHaveLength(1);
  });

  it('never puts the secret or a token in errors or logs', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    server.setHandler((r, n) =>
      n === 1
        ? 'reset'
        : r.headers.authorization === 'Bearer tok-1'
          ? { status: 401, body: errorBody(401, 'bad.credentials') }
          : { status: 403, body: errorBody(403, 'missing.permissions') },
    );
    const client = harness.client(server.url, { GENESYS_RETRIES: '0' }, { logger });
    const errors = [
      await rejectionOf(client.getUserPresence(USER)),
      await rejectionOf(client.getUserPresence(USER)),
      await rejectionOf(client.patchUserPresence(USER, { presenceDefinitionId: ON_QUEUE })),
    ];

    expect(errors.map((e) => e.code)).toEqual(['GENESYS_NETWORK', 'GENESYS_FORBIDDEN', 'GENESYS_FORBIDDEN']);
    const text = [...errors.map((e) => `${inspect(e, { depth: 20 })} ${JSON.stringify(e)}`), ...lines].join(
      '\n',
    );
    for (const secret of ['test-secret-value', 'tok-1', 'tok-2', 'Bearer', 'Basic ']) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('Genesys client against a scripted server: circuit breaker', () => {
  let server: ScriptedServer;
  let harness: ClientHarness;

  beforeEach(async () => {
    server = await startScriptedServer();
    harness = new ClientHarness();
  });

  afterEach(async () => {
    await harness.close();
    await server.close();
  });

  function breakerClient() {
    const states: BreakerState[] = [];
    let onHalfOpen: () => void = () => undefined;
    const halfOpen = new Promise<void>((resolve) => {
      onHalfOpen = resolve;
    });
    const client = harness.client(
      server.url,
      {
        GENESYS_RETRIES: '0',
        BREAKER_VOLUME_THRESHOLD: '3',
        BREAKER_ERROR_THRESHOLD_PERCENT: '50',
        BREAKER_RESET_MS: '200',
      },
      {
        observer: {
          onBreaker: (state) => {
            states.push(state);
            if (state === 'half-open') {
              onHalfOpen();
            }
          },
        },
      },
    );
    return { client, states, halfOpen };
  }

  it('opens after 5xx failures, then fails fast without calling Genesys', async () => {
    server.setHandler(() => ({ status: 503, body: errorBody(503, 'service.unavailable') }));
    const { client, states } = breakerClient();

    for (let i = 0; i < 3; i += 1) {
      expect((await rejectionOf(client.getUserPresence(USER))).code).toBe('GENESYS_SERVER');
    }
    const fast = await rejectionOf(client.getUserPresence(USER));

    expect(fast.code).toBe('GENESYS_CIRCUIT_OPEN');
    expect(fast.retryAfterMs).toBeGreaterThan(0);
    expect(fast.retryAfterMs).toBeLessThanOrEqual(200);
    expect(server.apiCalls()).toHaveLength(3);
    expect(states).toEqual(['open']);
    expect(client.breakerState).toBe('open');
  });

  it('does not open on 4xx answers', async () => {
    server.setHandler(() => ({ status: 404, body: errorBody(404, 'not.found') }));
    const { client, states } = breakerClient();

    for (let i = 0; i < 10; i += 1) {
      expect((await rejectionOf(client.getUserPresence(USER))).code).toBe('GENESYS_NOT_FOUND');
    }

    expect(server.apiCalls()).toHaveLength(10);
    expect(states).toEqual([]);
    expect(client.breakerState).toBe('closed');
  });

  it('does not open on 429 answers', async () => {
    server.setHandler(() => ({
      status: 429,
      headers: { 'retry-after': '0' },
      body: errorBody(429, 'too.many.requests.retry.after'),
    }));
    const { client, states } = breakerClient();

    for (let i = 0; i < 5; i += 1) {
      expect((await rejectionOf(client.getUserPresence(USER))).code).toBe('GENESYS_RATE_LIMITED');
    }

    expect(states).toEqual([]);
  });

  it('half-opens after the reset time and closes again after a successful trial call', async () => {
    server.setHandler(() => ({ status: 503, body: errorBody(503, 'service.unavailable') }));
    const { client, states, halfOpen } = breakerClient();
    for (let i = 0; i < 3; i += 1) {
      await rejectionOf(client.getUserPresence(USER));
    }
    server.setHandler(() => ok);

    await halfOpen;
    await expect(client.getUserPresence(USER)).resolves.toMatchObject({ status: 200 });

    expect(states).toEqual(['open', 'half-open', 'closed']);
    expect(server.apiCalls()).toHaveLength(4);
  });

  it('re-opens when the half-open trial call fails', async () => {
    server.setHandler(() => ({ status: 503, body: errorBody(503, 'service.unavailable') }));
    const { client, states, halfOpen } = breakerClient();
    for (let i = 0; i < 3; i += 1) {
      await rejectionOf(client.getUserPresence(USER));
    }

    await halfOpen;
    expect((await rejectionOf(client.getUserPresence(USER))).code).toBe('GENESYS_SERVER');

    expect(states).toEqual(['open', 'half-open', 'open']);
    expect((await rejectionOf(client.getUserPresence(USER))).code).toBe('GENESYS_CIRCUIT_OPEN');
    expect(server.apiCalls()).toHaveLength(4);
  });
});
