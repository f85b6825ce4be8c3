import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AuditQueueEmitter } from '../../src/audit/audit-queue-emitter';
import { AUDIT_JOB_NAME, auditJobId } from '../../src/audit/audit-queue';
import { buildRecords, GENESIS_HEAD } from '../../src/audit/audit-record';
import { JsonlAuditStore } from '../../src/audit/jsonl-audit-store';
import { verifyChain } from '../../src/audit/verify-chain';
import { AuditWorker } from '../../src/workers/audit-worker';
import { testRedis, uniquePrefix } from '../helpers/redis';
import {
  allRecords,
  auditEvents,
  auditQueue,
  cleanQueue,
  CountingObserver,
  silentLogger,
  tempDir,
  untilAll,
} from './audit-test-kit';

describe('audit worker (JSONL store, real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let queue: Queue;
  let tmp: { dir: string; remove(): Promise<void> };
  const workers: AuditWorker[] = [];

  function newWorker(observer: CountingObserver, batchSize = 50): AuditWorker {
    const store = new JsonlAuditStore({ dir: tmp.dir, logger: silentLogger });
    const worker = new AuditWorker(
      { connection: redis, prefix, store, logger: silentLogger, observer },
      {
        batchSize,
        leaseMs: 1_000,
        lockDurationMs: 2_000,
        stalledIntervalMs: 500,
        retryBaseMs: 20,
        retryMaxMs: 100,
      },
    );
    workers.push(worker);
    return worker;
  }

  beforeEach(async () => {
    redis = testRedis();
    prefix = uniquePrefix('audit');
    queue = auditQueue(redis, prefix);
    tmp = await tempDir('audit-worker');
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await cleanQueue(queue, redis, prefix);
    redis.disconnect();
    await tmp.remove();
  });

  it('appends emitted events as one verified chain, in batches, and acknowledges every job', async () => {
    const observer = new CountingObserver();
    const worker = newWorker(observer, 40);
    await worker.start();
    const emitter = new AuditQueueEmitter(queue);
    await emitter.emit(auditEvents('a', 0, 100));
    await emitter.emit(auditEvents('a', 100, 50));
    await observer.until(() => observer.written === 150);

    const reader = new JsonlAuditStore({ dir: tmp.dir, logger: silentLogger, readOnly: true });
    await reader.open();
    const records = await allRecords(reader);
    expect(records.map((r) => r.record.seq)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    expect(new Set(records.map((r) => r.record.eventId)).size).toBe(150);
    const result = await verifyChain(reader.read(), {
      start: GENESIS_HEAD,
      anchor: await reader.headAnchor(),
    });
    expect(result).toMatchObject({ ok: true, count: 150 });
    const counts = await queue.getJobCounts('waiting', 'active', 'completed', 'failed');
    expect(counts).toMatchObject({ waiting: 0, active: 0, failed: 0 });
  });

  it('writes an event only once when it is emitted again or was already stored before a redelivery', async () => {
    const tag = 'dup';
    // Simulate a crash after the store had the first 10 events but before their jobs were acknowledged.
    const seed = new JsonlAuditStore({ dir: tmp.dir, logger: silentLogger });
    await seed.open();
    await seed.append(buildRecords(GENESIS_HEAD, auditEvents(tag, 0, 10)));
    await seed.close();

    const observer = new CountingObserver();
    const worker = newWorker(observer);
    await worker.start();
    const emitter = new AuditQueueEmitter(queue);
    await emitter.emit(auditEvents(tag, 0, 30));
    await emitter.emit(auditEvents(tag, 0, 30)); // same job ids: BullMQ keeps one job each
    await observer.until(() => observer.written + observer.duplicates >= 30);

    const reader = new JsonlAuditStore({ dir: tmp.dir, logger: silentLogger, readOnly: true });
    await reader.open();
    const records = await allRecords(reader);
    expect(records).toHaveLength(30);
    expect(new Set(records.map((r) => r.record.eventId)).size).toBe(30);
    expect(observer).toMatchObject({ written: 20, duplicates: 10 });
    expect((await verifyChain(reader.read(), { start: GENESIS_HEAD })).ok).toBe(true);
  });

  it('keeps one chain when several worker processes consume the queue (one writer at a time)', async () => {
    const observers = [new CountingObserver(), new CountingObserver(), new CountingObserver()];
    const started = observers.map((o) => newWorker(o, 25));
    await Promise.all(started.map((w) => w.start()));
    const emitter = new AuditQueueEmitter(queue);
    const done = untilAll(observers, (total) => total >= 300);
    for (let i = 0; i < 300; i += 60) {
      await emitter.emit(auditEvents('multi', i, 60));
    }
    await done;
    expect(started.filter((w) => w.isLeader()).length).toBeLessThanOrEqual(1);

    const reader = new JsonlAuditStore({ dir: tmp.dir, logger: silentLogger, readOnly: true });
    await reader.open();
    const records = await allRecords(reader);
    expect(records).toHaveLength(300);
    expect(new Set(records.map((r) => r.record.eventId)).size).toBe(300);
    expect(await verifyChain(reader.read(), { start: GENESIS_HEAD })).toMatchObject({ ok: true, count: 300 });
  });

  it('writes batch jobs and old single-event jobs (queued before an upgrade) in queue order, each event once', async () => {
    const tag = 'mixed';
    const single = async (i: number): Promise<void> => {
      const [event] = auditEvents(tag, i, 1);
      if (event !== undefined) {
        await queue.add(AUDIT_JOB_NAME, event, { jobId: auditJobId(event.eventId) });
      }
    };
    const emitter = new AuditQueueEmitter(queue);
    // All queued before the worker starts, so the queue order is the order written.
    for (let i = 0; i < 5; i += 1) {
      await single(i);
    }
    await emitter.emit(auditEvents(tag, 5, 10)); // one batch job: events 5..14
    await single(15);
    await emitter.emit(auditEvents(tag, 10, 10)); // another batch: 10..15 again, then 16..19
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 8 });

    const observer = new CountingObserver();
    await newWorker(observer, 8).start();
    await observer.until(() => observer.written + observer.duplicates >= 26);

    const reader = new JsonlAuditStore({ dir: tmp.dir, logger: silentLogger, readOnly: true });
    await reader.open();
    const records = await allRecords(reader);
    expect(records.map((r) => r.record.eventId)).toEqual(auditEvents(tag, 0, 20).map((e) => e.eventId));
    expect(records.map((r) => r.record.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(observer).toMatchObject({ written: 20, duplicates: 6 });
    expect(await verifyChain(reader.read(), { start: GENESIS_HEAD })).toMatchObject({ ok: true, count: 20 });
    expect(await queue.getJobCounts('waiting', 'active', 'failed')).toEqual({
      waiting: 0,
      active: 0,
      failed: 0,
    });
  });

  it('fails a batch job holding an invalid event without writing any of its events, and writes the rest', async () => {
    const observer = new CountingObserver();
    await newWorker(observer).start();
    const [good, other] = auditEvents('half', 0, 2);
    await queue.add(
      'audit-batch',
      { events: [good, { ...other, type: 'nonsense' }] },
      { jobId: 'bad-batch' },
    );
    await new AuditQueueEmitter(queue).emit(auditEvents('fine', 0, 3));
    await observer.until(() => observer.written >= 3);
    expect(await queue.getJobCounts('failed')).toEqual({ failed: 1 });
    expect((await queue.getJob('bad-batch'))?.failedReason).toMatch(/invalid audit event: events\.1\.type/);
    const reader = new JsonlAuditStore({ dir: tmp.dir, logger: silentLogger, readOnly: true });
    await reader.open();
    expect((await allRecords(reader)).map((r) => r.record.eventId)).toEqual(
      auditEvents('fine', 0, 3).map((e) => e.eventId),
    );
  });

  it('fails a job whose data is not an audit event instead of writing it, and writes the rest', async () => {
    const observer = new CountingObserver();
    const worker = newWorker(observer);
    await worker.start();
    await queue.add('audit-event', { eventId: 'bad', type: 'nonsense' }, { jobId: 'bad' });
    await new AuditQueueEmitter(queue).emit(auditEvents('ok', 0, 5));
    // The bad job was queued first, so it was dealt with before (or in the same batch as) the good ones.
    await observer.until(() => observer.written >= 5);
    expect(await queue.getJobCounts('failed')).toEqual({ failed: 1 });
    const job = await queue.getJob('bad');
    expect(job?.failedReason).toMatch(/invalid audit event: type/);
  });
});
