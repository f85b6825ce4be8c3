import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../src/app-error';
import { ApiKeyRing } from '../../src/http/api-keys';
import { buildHttpApp } from '../../src/http/build-http-app';
import type {
  AgentStateView,
  EnqueueAnswer,
  PresenceChangeCommand,
  PresenceIngress,
  RequestStatusView,
} from '../../src/http/presence-ingress';
import type { ReadinessCheck } from '../../src/http/readiness';
import { createLogger } from '../../src/logger';
import { createMetrics } from '../../src/metrics';

const WFM_KEY = 'wfm-key-0123456789abcdef';
const READ_KEY = 'read-key-0123456789abcde';
const ADMIN_KEY = 'admin-key-0123456789abcd';
const KEYS = JSON.stringify([
  { name: 'wfm', key: WFM_KEY, scopes: ['enqueue'], sources: ['wfm', 'crm'] },
  { name: 'reader', key: READ_KEY, scopes: ['read'], sources: [] },
  { name: 'ops', key: ADMIN_KEY, scopes: ['admin'], sources: ['*'] },
]);

/** An in-memory stand-in for the pipeline's producer: versions, If-Match and Idempotency-Key semantics. */
class MemoryIngress implements PresenceIngress {
  readonly versions = new Map<string, number>();
  readonly requests = new Map<string, RequestStatusView>();
  readonly byKey = new Map<string, { body: string; answer: EnqueueAnswer }>();
  failWith: Error | undefined;
  hang = false;
  private seq = 0;

  async enqueue(command: PresenceChangeCommand): Promise<EnqueueAnswer> {
    if (this.hang) {
      return new Promise(() => undefined);
    }
    if (this.failWith !== undefined) {
      throw this.failWith;
    }
    if (command.presence === 'Nonsense') {
      throw new AppError('UNKNOWN_PRESENCE', 'unknown presence "Nonsense"', {
        details: { problems: ['presence: unknown presence "Nonsense"'] },
      });
    }
    const { idempotencyKey, expectedVersion, ...rest } = command;
    if (idempotencyKey !== undefined) {
      const seen = this.byKey.get(idempotencyKey);
      if (seen !== undefined) {
        if (seen.body !== JSON.stringify(rest)) {
          throw new AppError('IDEMPOTENCY_MISMATCH', 'key used for another request');
        }
        return { ...seen.answer, replayed: true };
      }
    }
    const current = this.versions.get(command.userId) ?? 0;
    if (expectedVersion !== undefined && expectedVersion !== current) {
      throw new AppError('VERSION_CONFLICT', 'version mismatch', { details: { currentVersion: current } });
    }
    const version = current + 1;
    this.versions.set(command.userId, version);
    const requestId = `req-${++this.seq}`;
    const record: RequestStatusView & { version: number } = {
      requestId,
      userId: command.userId,
      status: 'queued',
      version,
    };
    this.requests.set(requestId, record);
    const answer = { requestId, version, status: 'queued' };
    if (idempotencyKey !== undefined) {
      this.byKey.set(idempotencyKey, { body: JSON.stringify(rest), answer });
    }
    return answer;
  }

  async getRequestStatus(requestId: string): Promise<RequestStatusView | undefined> {
    return this.requests.get(requestId);
  }

  async getAgentView(userId: string): Promise<AgentStateView | undefined> {
    const version = this.versions.get(userId);
    if (version === undefined) {
      return undefined;
    }
    const view: AgentStateView & { desired: unknown } = {
      userId,
      version,
      desired: { presence: 'Available' },
    };
    return view;
  }
}

const body = { presence: 'Available', source: 'wfm', requestedBy: 'shift-planner' };
const AGENT = '6a1c0e52-3f4b-4c2d-9e8f-0123456789ab';
const OTHER_AGENT = '6a1c0e52-3f4b-4c2d-9e8f-0123456789ac';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('HTTP API', () => {
  let app: FastifyInstance;
  let ingress: MemoryIngress;
  let logs: string[];
  let checks: ReadinessCheck[];

  beforeEach(async () => {
    ingress = new MemoryIngress();
    logs = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString());
        done();
      },
    });
    checks = [{ name: 'redis', check: async () => undefined }];
    app = await buildHttpApp({
      logger: createLogger({ level: 'info' }, sink),
      metrics: createMetrics({ defaultMetrics: false }),
      keys: ApiKeyRing.fromJson(KEYS),
      ingress,
      queues: [],
      readiness: checks,
      bodyLimitBytes: 1024,
      bullBoardReadOnly: false,
      dependencyTimeoutMs: 200,
      readinessTimeoutMs: 200,
      version: '1.2.3',
    });
  });

  afterEach(async () => {
    await app.close();
  });

  const post = (payload: unknown, headers: Record<string, string> = bearer(WFM_KEY), userId = AGENT) =>
    app.inject({ method: 'POST', url: `/v1/agents/${userId}/presence`, payload: payload as object, headers });

  describe('POST /v1/agents/{userId}/presence', () => {
    it('answers 202 with the request id, version, status URL, ETag and Location', async () => {
      const res = await post(body);
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({
        requestId: 'req-1',
        version: 1,
        status: 'queued',
        statusUrl: '/v1/requests/req-1',
      });
      expect(res.headers.etag).toBe('"1"');
      expect(res.headers.location).toBe('/v1/requests/req-1');
      expect(res.headers['x-request-id']).toBeDefined();
    });

    it('answers 400 listing every problem of body, path and headers at once', async () => {
      const res = await post(
        { presence: '', source: 'bad source!', force: 'yes', extra: 1, message: 'line\nbreak' },
        { ...bearer(WFM_KEY), 'if-match': 'W/"2"', 'idempotency-key': 'has space' },
        'bad%20id',
      );
      expect(res.statusCode).toBe(400);
      const json = res.json();
      expect(json.code).toBe('VALIDATION_FAILED');
      const paths = json.problems.map((p: { path: string }) => p.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          'path.userId',
          'body.presence',
          'body.source',
          'body.requestedBy',
          'body.force',
          'body.message',
          'header.if-match',
          'header.idempotency-key',
        ]),
      );
      expect(json.problems).toContainEqual({ path: 'body.extra', message: 'unknown field' });
      expect(ingress.versions.size).toBe(0);
    });

    it('answers 400 for malformed JSON and for a missing body', async () => {
      const malformed = await app.inject({
        method: 'POST',
        url: `/v1/agents/${AGENT}/presence`,
        headers: { ...bearer(WFM_KEY), 'content-type': 'application/json' },
        payload: '{"presence":',
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().code).toBe('VALIDATION_FAILED');
      const missing = await app.inject({
        method: 'POST',
        url: `/v1/agents/${AGENT}/presence`,
        headers: bearer(WFM_KEY),
      });
      expect(missing.statusCode).toBe(400);
    });

    it('answers 400 naming the presence when the pipeline does not know it', async () => {
      const res = await post({ ...body, presence: 'Nonsense' });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        code: 'UNKNOWN_PRESENCE',
        problems: [{ path: 'presence', message: 'unknown presence "Nonsense"' }],
      });
    });

    it('answers 401 with a Bearer challenge without a key or with an unknown one', async () => {
      const none = await post(body, {});
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toMatch(/^Bearer realm=/);
      expect(none.json().code).toBe('UNAUTHENTICATED');
      const wrong = await post(body, bearer('not-a-key-0123456789'));
      expect(wrong.statusCode).toBe(401);
      const basic = await post(body, { authorization: 'Basic dXNlcjpwYXNz' });
      expect(basic.statusCode).toBe(401);
    });

    it('answers 403 for a key without the enqueue scope and for a source the key may not use', async () => {
      const reader = await post(body, bearer(READ_KEY));
      expect(reader.statusCode).toBe(403);
      expect(reader.json().code).toBe('FORBIDDEN');
      const source = await post({ ...body, source: 'hr' });
      expect(source.statusCode).toBe(403);
      expect(source.json().message).toContain('"hr"');
      expect(ingress.versions.size).toBe(0);
    });

    it('lets an admin key enqueue for any source', async () => {
      const res = await post({ ...body, source: 'supervisor-script' }, bearer(ADMIN_KEY));
      expect(res.statusCode).toBe(202);
    });

    it('applies If-Match: 202 on the current version, 409 with the current version otherwise', async () => {
      await post(body);
      await post(body);
      const ok = await post(body, { ...bearer(WFM_KEY), 'if-match': '"2"' });
      expect(ok.statusCode).toBe(202);
      expect(ok.json().version).toBe(3);
      const stale = await post(body, { ...bearer(WFM_KEY), 'if-match': '"2"' });
      expect(stale.statusCode).toBe(409);
      expect(stale.json()).toMatchObject({ code: 'VERSION_CONFLICT', currentVersion: 3 });
      expect(stale.headers.etag).toBe('"3"');
      const any = await post(body, { ...bearer(WFM_KEY), 'if-match': '*' });
      expect(any.statusCode).toBe(202);
    });

    it('replays an Idempotency-Key and answers 422 when the key comes with another body', async () => {
      const headers = { ...bearer(WFM_KEY), 'idempotency-key': 'shift-42' };
      const first = await post(body, headers);
      const again = await post(body, headers);
      expect(again.statusCode).toBe(202);
      expect(again.json()).toMatchObject({ requestId: first.json().requestId, version: 1, replayed: true });
      const other = await post({ ...body, presence: 'Break' }, headers);
      expect(other.statusCode).toBe(422);
      expect(other.json().code).toBe('IDEMPOTENCY_MISMATCH');
    });

    it('answers 413 for a body over the limit and 415 for a body that is not JSON', async () => {
      const big = await post({ ...body, reason: 'x'.repeat(2000) });
      expect(big.statusCode).toBe(413);
      expect(big.json().code).toBe('PAYLOAD_TOO_LARGE');
      const text = await app.inject({
        method: 'POST',
        url: `/v1/agents/${AGENT}/presence`,
        headers: { ...bearer(WFM_KEY), 'content-type': 'text/plain' },
        payload: 'presence=Available',
      });
      expect(text.statusCode).toBe(415);
      expect(text.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('answers 503 with Retry-After when Redis is unreachable, and when it does not answer in time', async () => {
      ingress.failWith = new Error("Stream isn't writeable and enableOfflineQueue options is false");
      const down = await post(body);
      expect(down.statusCode).toBe(503);
      expect(down.headers['retry-after']).toBe('5');
      expect(down.json().code).toBe('DEPENDENCY_UNAVAILABLE');
      ingress.failWith = undefined;
      ingress.hang = true;
      const slow = await post(body);
      expect(slow.statusCode).toBe(503);
    });

    it('answers 500 without details for an unexpected error, and logs it', async () => {
      ingress.failWith = new TypeError('undefined is not a function (internal detail)');
      const res = await post(body);
      expect(res.statusCode).toBe(500);
      expect(res.body).not.toContain('internal detail');
      expect(logs.join('')).toContain('internal detail');
    });

    it('never logs the API key', async () => {
      await post(body);
      await post(body, bearer('not-a-key-0123456789'));
      const all = logs.join('');
      expect(all).not.toContain(WFM_KEY);
      expect(all).not.toContain('not-a-key-0123456789');
      expect(all).toContain('"key":"wfm"');
    });
  });

  describe('GET /v1/requests/{requestId} and /v1/agents/{userId}', () => {
    it('returns the request status to a key with the read scope, 404 for an unknown one', async () => {
      const { requestId } = (await post(body)).json();
      const found = await app.inject({ url: `/v1/requests/${requestId}`, headers: bearer(READ_KEY) });
      expect(found.statusCode).toBe(200);
      expect(found.json()).toMatchObject({ requestId, userId: AGENT, status: 'queued' });
      const missing = await app.inject({ url: '/v1/requests/req-999', headers: bearer(READ_KEY) });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().code).toBe('NOT_FOUND');
    });

    it('refuses reads to an enqueue-only key (403) and to no key (401)', async () => {
      expect((await app.inject({ url: `/v1/agents/${AGENT}`, headers: bearer(WFM_KEY) })).statusCode).toBe(
        403,
      );
      expect((await app.inject({ url: `/v1/agents/${AGENT}` })).statusCode).toBe(401);
    });

    it('returns the agent view with its version as ETag, 304 on If-None-Match, 404 when unknown', async () => {
      await post(body);
      const view = await app.inject({ url: `/v1/agents/${AGENT}`, headers: bearer(READ_KEY) });
      expect(view.statusCode).toBe(200);
      expect(view.headers.etag).toBe('"1"');
      expect(view.json()).toMatchObject({ userId: AGENT, version: 1 });
      const same = await app.inject({
        url: `/v1/agents/${AGENT}`,
        headers: { ...bearer(READ_KEY), 'if-none-match': '"1"' },
      });
      expect(same.statusCode).toBe(304);
      expect(
        (await app.inject({ url: `/v1/agents/${OTHER_AGENT}`, headers: bearer(READ_KEY) })).statusCode,
      ).toBe(404);
    });

    it('answers 404 as JSON for unknown routes', async () => {
      const res = await app.inject({ url: '/v2/nothing' });
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('NOT_FOUND');
    });
  });

  describe('operations endpoints', () => {
    it('serves /healthz without auth', async () => {
      const res = await app.inject({ url: '/healthz' });
      expect(res.statusCode).toBe(200);
      expect(res.json().status).toBe('ok');
    });

    it('serves /readyz: 200 when every check passes, 503 naming the failing check', async () => {
      expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
      checks.push({
        name: 'genesys-breaker',
        check: async () => {
          throw new Error('the Genesys circuit breaker is open');
        },
      });
      checks.push({ name: 'slow', check: () => new Promise(() => undefined) });
      const res = await app.inject({ url: '/readyz' });
      expect(res.statusCode).toBe(503);
      const json = res.json();
      expect(json.status).toBe('not-ready');
      expect(json.checks.redis.ok).toBe(true);
      expect(json.checks['genesys-breaker']).toMatchObject({
        ok: false,
        detail: 'the Genesys circuit breaker is open',
      });
      expect(json.checks.slow.ok).toBe(false);
    });

    it('serves Prometheus metrics including the ingress results of earlier requests', async () => {
      await post(body);
      await post({ ...body, source: 'hr' });
      const res = await app.inject({ url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/plain');
      expect(res.body).toContain('gpw_ingress_requests_total{source="wfm",result="accepted"} 1');
      expect(res.body).toContain('gpw_ingress_requests_total{source="hr",result="forbidden"} 1');
      expect(res.body).toMatch(
        /gpw_http_requests_total\{method="POST",route="\/v1\/agents\/:userId\/presence",status="202"\} 1/,
      );
    });

    it('serves an OpenAPI 3.1 document generated from the request schema', async () => {
      const res = await app.inject({ url: '/docs/openapi.json' });
      expect(res.statusCode).toBe(200);
      const doc = res.json();
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.info.version).toBe('1.2.3');
      const request = doc.components.schemas.PresenceChangeRequest;
      expect(request.required).toEqual(expect.arrayContaining(['presence', 'source', 'requestedBy']));
      expect(request.additionalProperties).toBe(false);
      expect(Object.keys(doc.paths['/v1/agents/{userId}/presence'].post.responses)).toEqual(
        expect.arrayContaining(['202', '400', '401', '403', '409', '413', '415', '422', '503']),
      );
    });
  });

  describe('Bull Board guard', () => {
    it('challenges a browser for basic auth and accepts an admin key as the password', async () => {
      const none = await app.inject({ url: '/admin/queues' });
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toMatch(/^Basic realm="presence-worker"/);
      const basic = (key: string) => `Basic ${Buffer.from(`ops:${key}`).toString('base64')}`;
      const wrong = await app.inject({ url: '/admin/queues', headers: { authorization: basic('nope') } });
      expect(wrong.statusCode).toBe(401);
      const notAdmin = await app.inject({
        url: '/admin/queues',
        headers: { authorization: basic(READ_KEY) },
      });
      expect(notAdmin.statusCode).toBe(403);
      expect(notAdmin.headers['www-authenticate']).toBeUndefined();
      const ok = await app.inject({ url: '/admin/queues', headers: { authorization: basic(ADMIN_KEY) } });
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['content-type']).toContain('text/html');
    });

    it('accepts an admin bearer key for its JSON API and guards its static assets too', async () => {
      const api = await app.inject({ url: '/admin/queues/api/queues', headers: bearer(ADMIN_KEY) });
      expect(api.statusCode).toBe(200);
      expect(api.json()).toHaveProperty('queues');
      const asset = await app.inject({ url: '/admin/queues/static/favicon-32x32.png' });
      expect(asset.statusCode).toBe(401);
    });
  });
});
