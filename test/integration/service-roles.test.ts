import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { buildService } from '../../src/service/build-service';
import type { Role } from '../../src/service/roles';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis';

const silent = () =>
  createLogger(
    { level: 'warn' },
    new Writable({
      write(_chunk, _enc, done) {
        done();
      },
    }),
  );

describe('buildService per role', () => {
  const prefix = uniquePrefix('roles');
  const redis = testRedis();
  let emulator: TestEmulator;
  let dataDir: string;

  beforeAll(async () => {
    emulator = await startTestEmulator({ agents: 5 });
    dataDir = await mkdtemp(join(tmpdir(), 'roles-'));
  });

  afterAll(async () => {
    await emulator.stop();
    await deleteKeys(redis, prefix);
    redis.disconnect();
    await rm(dataDir, { recursive: true, force: true });
  });

  const config = () =>
    loadConfig({
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      HTTP_PORT: '0',
      METRICS_PORT: '0',
      AUDIT_DIR: join(dataDir, 'audit'),
      TIMESHEET_DIR: join(dataDir, 'timesheets'),
      ...emulator.genesysEnv,
      API_KEYS: JSON.stringify([{ name: 'ops', key: 'ops-key-0123456789abcdef', scopes: ['admin'] }]),
    });

  it.each<[Role[], string[]]>([
    [['api'], ['redis', 'queues', 'genesys-client', 'ops-http', 'http']],
    [
      ['worker'],
      [
        'redis',
        'queues',
        'genesys-client',
        'audit-worker',
        'presence-worker',
        'time-tracking-queues',
        'time-export-worker',
        'presence-events-worker',
        'schedule-sync-worker',
        'heartbeat-worker',
        'analytics-backfill-worker',
        'ops-http',
      ],
    ],
    [['stream'], ['redis', 'queues', 'genesys-client', 'stream', 'ops-http']],
    [['scheduler'], ['redis', 'queues', 'genesys-client', 'scheduler', 'ops-http']],
  ])('role %p runs %p in that order, is ready, and stops', async (roles, names) => {
    const service = await buildService(config(), { roles, logger: silent() });
    expect(service.components.map((c) => c.name)).toEqual(names);
    await service.start();
    try {
      const ready = await fetch(`${service.httpUrl!}/readyz`);
      expect(ready.status).toBe(200);
      const metrics = await (await fetch(`${service.httpUrl!}/metrics`)).text();
      expect(metrics).toContain(`role="${roles.join(',')}"`);
    } finally {
      await service.stop();
    }
  });

  it('runs every component in one process with --role all and shows every queue in Bull Board', async () => {
    const service = await buildService(config(), {
      roles: ['api', 'worker', 'stream', 'scheduler'],
      logger: silent(),
    });
    const names = service.components.map((c) => c.name);
    expect(names[0]).toBe('redis');
    expect(names.indexOf('audit-worker')).toBeLessThan(names.indexOf('presence-worker'));
    expect(names.indexOf('stream')).toBeLessThan(names.indexOf('scheduler'));
    expect(names[names.length - 1]).toBe('http');
    await service.start();
    try {
      const res = await fetch(`${service.httpUrl!}/admin/queues/api/queues`, {
        headers: { authorization: 'Bearer ops-key-0123456789abcdef' },
      });
      const { queues } = (await res.json()) as { queues: { name: string }[] };
      expect(queues.map((q) => q.name).sort()).toEqual(
        [
          'analytics-backfill',
          'audit',
          'heartbeat',
          'presence-change',
          'presence-change-dead-letter',
          'presence-events',
          'schedule-follow',
          'schedule-sync',
          'time-export',
          'time-export-dead-letter',
        ].sort(),
      );
      expect(await (await fetch(`${service.httpUrl!}/metrics`)).text()).toContain('role="all"');
    } finally {
      await service.stop();
    }
  });
});
