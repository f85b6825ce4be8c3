import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { Writable } from 'node:stream';
import { ApiKeyRing } from '../../src/http/api-keys';
import { buildHttpApp } from '../../src/http/build-http-app';
import { createLogger } from '../../src/logger';
import { createMetrics } from '../../src/metrics';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis';

const ADMIN_KEY = 'admin-key-0123456789abcd';

describe('Bull Board on real queues', () => {
  const prefix = uniquePrefix('board');
  const redis = testRedis();
  const url = new URL(testRedisUrl());
  const queue = new Queue('presence-change', {
    connection: { host: url.hostname, port: Number(url.port || 6379) },
    prefix,
  });

  afterAll(async () => {
    await queue.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  async function board(readOnly: boolean): Promise<FastifyInstance> {
    return buildHttpApp({
      logger: createLogger(
        { level: 'warn' },
        new Writable({
          write(_c, _e, done) {
            done();
          },
        }),
      ),
      metrics: createMetrics({ defaultMetrics: false }),
      keys: ApiKeyRing.fromJson(JSON.stringify([{ name: 'ops', key: ADMIN_KEY, scopes: ['admin'] }])),
      ingress: undefined,
      queues: [queue],
      readiness: [],
      bodyLimitBytes: 16_384,
      bullBoardReadOnly: readOnly,
    });
  }
  const auth = { authorization: `Bearer ${ADMIN_KEY}` };

  it('in read-only mode shows the queue and its jobs but refuses every action (405)', async () => {
    await queue.add('presence-change', { userId: 'u', version: 1, requestId: 'r' }, { jobId: 'r-1' });
    const app = await board(true);
    try {
      const list = await app.inject({ url: '/admin/queues/api/queues', headers: auth });
      expect(list.statusCode).toBe(200);
      const [shown] = (list.json() as { queues: { name: string; readOnlyMode: boolean }[] }).queues;
      expect(shown).toMatchObject({ name: 'presence-change', readOnlyMode: true });
      const pause = await app.inject({
        method: 'PUT',
        url: '/admin/queues/api/queues/presence-change/pause',
        headers: auth,
      });
      expect(pause.statusCode).toBe(405);
      const clean = await app.inject({
        method: 'PUT',
        url: '/admin/queues/api/queues/presence-change/r-1/clean',
        headers: auth,
      });
      expect(clean.statusCode).toBe(405);
      expect(await queue.getJob('r-1')).toBeDefined();
      expect(await queue.isPaused()).toBe(false);
    } finally {
      await app.close();
    }
  });

  it('otherwise lets an admin act on the queue', async () => {
    const app = await board(false);
    try {
      const pause = await app.inject({
        method: 'PUT',
        url: '/admin/queues/api/queues/presence-change/pause',
        headers: auth,
      });
      expect(pause.statusCode).toBe(200);
      expect(await queue.isPaused()).toBe(true);
      await app.inject({
        method: 'PUT',
        url: '/admin/queues/api/queues/presence-change/resume',
        headers: auth,
      });
      expect(await queue.isPaused()).toBe(false);
    } finally {
      await app.close();
    }
  });
});
