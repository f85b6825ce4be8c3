import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { buildService } from '../../src/service/build-service';
import { untilShutdown } from '../../src/service/graceful-shutdown';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis';

const ADMIN_KEY = 'admin-key-0123456789abcd';

function quietLogger(lines: string[] = []) {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return createLogger({ level: 'info' }, sink);
}

describe('service lifecycle', () => {
  const prefix = uniquePrefix('svc');
  const redis = testRedis();
  let emulator: TestEmulator;

  beforeAll(async () => {
    emulator = await startTestEmulator({ agents: 5 });
  });

  afterAll(async () => {
    await emulator.stop();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  function config(extra: Record<string, string> = {}) {
    return loadConfig({
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
      ...emulator.genesysEnv,
      API_KEYS: JSON.stringify([{ name: 'ops', key: ADMIN_KEY, scopes: ['admin'], sources: ['*'] }]),
      ...extra,
    });
  }

  it('starts the api role, serves health and metrics, and stops in reverse order', async () => {
    const lines: string[] = [];
    const service = await buildService(config(), { roles: ['api'], logger: quietLogger(lines) });
    await service.start();
    const url = service.httpUrl!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    const body = (await ready.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(body).toMatchObject({
      status: 'ready',
      checks: { redis: { ok: true }, 'genesys-breaker': { ok: true }, 'genesys-token': { ok: true } },
    });
    expect(ready.status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    await service.stop();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    const stopped = lines
      .map((l) => JSON.parse(l) as { msg: string; component?: string })
      .filter((l) => l.msg === 'component stopped')
      .map((l) => l.component);
    expect(stopped[0]).toBe('http');
    expect(stopped[stopped.length - 1]).toBe('redis');
  });

  it('serves only metrics and health on METRICS_PORT for a process without the api role', async () => {
    const service = await buildService(config({ METRICS_PORT: '0' }), {
      roles: ['scheduler'],
      logger: quietLogger(),
    });
    await service.start();
    try {
      const url = service.httpUrl!;
      expect((await fetch(`${url}/metrics`)).status).toBe(200);
      expect((await fetch(`${url}/v1/agents/x`)).status).toBe(404);
    } finally {
      await service.stop();
    }
  });

  it('fails to start, naming Redis, when Redis does not answer', async () => {
    const service = await buildService(config({ REDIS_URL: 'redis://127.0.0.1:1' }), {
      roles: ['api'],
      logger: quietLogger(),
      redisConnectTimeoutMs: 500,
    });
    await expect(service.start()).rejects.toThrow(/Redis/);
  });

  it('drains and exits 0 on SIGTERM', async () => {
    const service = await buildService(config(), { roles: ['api'], logger: quietLogger() });
    await service.start();
    const url = service.httpUrl!;
    const exited = untilShutdown(() => service.stop(), {
      logger: quietLogger(),
      timeoutMs: 5_000,
      forceExit: () => {
        throw new Error('should not force');
      },
    });
    process.emit('SIGTERM', 'SIGTERM');
    await expect(exited).resolves.toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });
});
