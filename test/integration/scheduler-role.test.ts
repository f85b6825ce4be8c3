import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { SchedulerRole } from '../../src/workers/scheduler-role';
import type { SchedulerSpec, SchedulerSpecProvider } from '../../src/workers/scheduler-spec';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis';

const logger = pino({ level: 'silent' });

describe('SchedulerRole (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  const queues = new Map<string, Queue>();
  const queue = (name: string): Queue => {
    let q = queues.get(name);
    if (q === undefined) {
      q = new Queue(name, { connection: { url: testRedisUrl() }, prefix });
      queues.set(name, q);
    }
    return q;
  };

  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix('sched');
  });

  afterEach(async () => {
    await Promise.all([...queues.values()].map((q) => q.close()));
    queues.clear();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  function provider(name: string, queueNames: string[], specs: () => SchedulerSpec[]): SchedulerSpecProvider {
    return { name, queueNames, specs: async () => specs() };
  }

  const baseSpecs = (): SchedulerSpec[] => [
    { queueName: 'heartbeat', schedulerId: 'heartbeat', everyMs: 60_000, jobName: 'sweep', data: {} },
    {
      queueName: 'schedule-sync',
      schedulerId: 'sync:bu-1',
      everyMs: 900_000,
      jobName: 'sync',
      data: { businessUnitId: 'bu-1' },
    },
    {
      queueName: 'schedule-sync',
      schedulerId: 'sync:bu-2',
      everyMs: 900_000,
      jobName: 'sync',
      data: { businessUnitId: 'bu-2' },
    },
    {
      queueName: 'analytics-backfill',
      schedulerId: 'backfill',
      everyMs: 3_600_000,
      jobName: 'backfill',
      data: {},
      jobOptions: { removeOnComplete: { count: 10 } },
    },
  ];

  function role(providers: SchedulerSpecProvider[]): SchedulerRole {
    return new SchedulerRole({ queue, redis, prefix, providers, logger, reconcileEveryMs: 3_600_000 });
  }

  async function census(): Promise<{
    schedulers: number;
    jobs: number;
    byQueue: Record<string, [number, number]>;
  }> {
    let schedulers = 0;
    let jobs = 0;
    const byQueue: Record<string, [number, number]> = {};
    for (const name of ['heartbeat', 'schedule-sync', 'analytics-backfill']) {
      const q = queue(name);
      const s = await q.getJobSchedulersCount();
      const counts = await q.getJobCounts('delayed', 'waiting', 'prioritized', 'active');
      const j = Object.values(counts).reduce((a, b) => a + b, 0);
      byQueue[name] = [s, j];
      schedulers += s;
      jobs += j;
    }
    return { schedulers, jobs, byQueue };
  }

  it('two schedulers starting at once and a restart register each scheduler once, with one pending job each', async () => {
    const providers = [
      provider('sweeps', ['heartbeat', 'schedule-sync'], () => baseSpecs().slice(0, 3)),
      provider('backfill', ['analytics-backfill'], () => baseSpecs().slice(3)),
    ];
    const a = role(providers);
    const b = role(providers);
    await Promise.all([a.start(), b.start()]);
    expect(await census()).toEqual({
      schedulers: 4,
      jobs: 4,
      byQueue: { heartbeat: [1, 1], 'schedule-sync': [2, 2], 'analytics-backfill': [1, 1] },
    });
    await Promise.all([a.stop(), b.stop()]);

    const restarted = role(providers);
    const report = await restarted.reconcile();
    expect(report.unchanged.sort()).toEqual([
      'analytics-backfill/backfill',
      'heartbeat/heartbeat',
      'schedule-sync/sync:bu-1',
      'schedule-sync/sync:bu-2',
    ]);
    expect(report.created).toEqual([]);
    expect(report.updated).toEqual([]);
    expect((await census()).jobs).toBe(4);
    expect(await queue('schedule-sync').getJobScheduler('sync:bu-2')).toMatchObject({
      every: 900_000,
      name: 'sync',
      template: { data: { businessUnitId: 'bu-2' } },
    });
  });

  it('five concurrent reconciliations of the same specs create no duplicate', async () => {
    const providers = [provider('all', ['heartbeat', 'schedule-sync', 'analytics-backfill'], baseSpecs)];
    const reports = await Promise.all(Array.from({ length: 5 }, () => role(providers).reconcile()));
    expect(reports.reduce((n, r) => n + r.created.length, 0)).toBe(4);
    expect(reports.reduce((n, r) => n + r.updated.length, 0)).toBe(0);
    const c = await census();
    expect([c.schedulers, c.jobs]).toEqual([4, 4]);
  });

  it('updates a changed spec in place and removes schedulers no spec names any more', async () => {
    let specs = baseSpecs().slice(0, 3);
    const providers = [provider('sweeps', ['heartbeat', 'schedule-sync'], () => specs)];
    await role(providers).reconcile();

    specs = [{ ...(specs[0] as SchedulerSpec), everyMs: 30_000 }, specs[1] as SchedulerSpec];
    const report = await role(providers).reconcile();
    expect(report.updated).toEqual(['heartbeat/heartbeat']);
    expect(report.removed).toEqual(['schedule-sync/sync:bu-2']);
    expect(report.unchanged).toEqual(['schedule-sync/sync:bu-1']);
    expect((await queue('heartbeat').getJobScheduler('heartbeat'))?.every).toBe(30_000);
    const hb = await queue('heartbeat').getJobCounts('delayed', 'waiting', 'prioritized');
    expect(Object.values(hb).reduce((a, b) => a + b, 0)).toBe(1);
    expect(await queue('schedule-sync').getJobSchedulersCount()).toBe(1);
  });

  it('leaves the queues of a failing provider untouched', async () => {
    await role([
      provider('sweeps', ['heartbeat', 'schedule-sync'], () => baseSpecs().slice(0, 3)),
    ]).reconcile();
    const failing: SchedulerSpecProvider = {
      name: 'sweeps',
      queueNames: ['heartbeat', 'schedule-sync'],
      specs: async () => {
        throw new Error('WFM unavailable');
      },
    };
    const report = await role([failing]).reconcile();
    expect(report.failedProviders).toEqual(['sweeps']);
    expect(report.removed).toEqual([]);
    expect(await queue('schedule-sync').getJobSchedulersCount()).toBe(2);
  });

  it('re-creates the next job of a scheduler whose pending job vanished', async () => {
    const providers = [provider('hb', ['heartbeat'], () => baseSpecs().slice(0, 1))];
    await role(providers).reconcile();
    const q = queue('heartbeat');
    const pending = await q.getJobs(['delayed', 'waiting', 'prioritized']);
    expect(pending).toHaveLength(1);
    // Simulate the lost job of bullmq-notes.md's scheduler races: its keys vanish behind BullMQ's back.
    const id = String(pending[0]?.id);
    const base = `${prefix}:heartbeat`;
    await redis.zrem(`${base}:delayed`, id);
    await redis.lrem(`${base}:wait`, 0, id);
    await redis.zrem(`${base}:prioritized`, id);
    await redis.del(`${base}:${id}`);
    expect(await q.getJobs(['delayed', 'waiting', 'prioritized'])).toHaveLength(0);
    const report = await role(providers).reconcile();
    expect(report.updated).toEqual(['heartbeat/heartbeat']);
    expect(await q.getJobs(['delayed', 'waiting', 'prioritized'])).toHaveLength(1);
  });
});
