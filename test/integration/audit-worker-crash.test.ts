import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AuditQueueEmitter } from '../../src/audit/audit-queue-emitter';
import { GENESIS_HEAD } from '../../src/audit/audit-record';
import type { AuditStore } from '../../src/audit/audit-store';
import { JsonlAuditStore } from '../../src/audit/jsonl-audit-store';
import { PostgresAuditStore } from '../../src/audit/postgres-audit-store';
import { verifyChain } from '../../src/audit/verify-chain';
import { AuditWorker } from '../../src/workers/audit-worker';
import { testDatabaseUrl, withSchema } from '../helpers/postgres';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis';
import {
  allRecords,
  auditEvents,
  auditQueue,
  cleanQueue,
  CountingObserver,
  silentLogger,
  tempDir,
} from './audit-test-kit';

const TOTAL = 300;
const EVENTS_PER_JOB = 3;

interface CrashReport {
  crashed: 'torn' | 'after-append';
  written: number;
}

function startChild(env: Record<string, string>): { child: ChildProcess; crashed: Promise<CrashReport> } {
  const child = fork(join(__dirname, 'audit-worker-child.js'), [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const crashed = new Promise<CrashReport>((resolve, reject) => {
    child.on('message', (m: Partial<CrashReport>) => {
      if (m.crashed !== undefined) {
        resolve(m as CrashReport);
      }
    });
    child.on('exit', (code) => reject(new Error(`child exited early (${String(code)})`)));
  });
  return { child, crashed };
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('audit worker killed mid-batch', () => {
  let redis: Redis;
  let prefix: string;
  let queue: Queue;

  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix('audit-crash');
    queue = auditQueue(redis, prefix);
  });
  afterEach(async () => {
    await cleanQueue(queue, redis, prefix);
    redis.disconnect();
  });

  async function crashAndRecover(
    mode: 'torn' | 'after-append',
    childEnv: Record<string, string>,
    newStore: () => AuditStore,
  ): Promise<void> {
    // Several events per job, several jobs per batch of 50: a crash leaves both batch and job boundaries behind.
    const emitter = new AuditQueueEmitter(queue);
    for (let i = 0; i < TOTAL; i += EVENTS_PER_JOB) {
      await emitter.emit(auditEvents('crash', i, EVENTS_PER_JOB));
    }
    const { child, crashed } = startChild({
      ...childEnv,
      CRASH_MODE: mode,
      REDIS_URL: testRedisUrl(),
      PREFIX: prefix,
      BATCH: '50',
    });
    const report = await crashed;
    expect(report.crashed).toBe(mode);
    await killed(child);

    // Restart: the lease lapses, the dead writer's jobs stall back to waiting, the store repairs its tail.
    const observer = new CountingObserver();
    let headSeq = 0;
    const worker = new AuditWorker(
      {
        connection: redis,
        prefix,
        store: newStore(),
        logger: silentLogger,
        observer: {
          batchWritten: (info) => {
            headSeq = info.head.seq;
            observer.batchWritten(info);
          },
        },
      },
      { batchSize: 50, leaseMs: 1_000, lockDurationMs: 1_000, stalledIntervalMs: 300 },
    );
    await worker.start();
    try {
      // Done when every record is stored and the dead writer's jobs came back and were recognised as stored.
      await observer.until(() => headSeq >= TOTAL && observer.duplicates >= report.written);
    } finally {
      await worker.stop();
    }

    const reader = newStore();
    await reader.open();
    try {
      const records = await allRecords(reader);
      const ids = records.map((r) => r.record.eventId);
      expect(records).toHaveLength(TOTAL);
      expect(new Set(ids)).toEqual(new Set(auditEvents('crash', 0, TOTAL).map((e) => e.eventId)));
      expect(observer.written).toBe(TOTAL - report.written);
      expect(observer.duplicates).toBe(report.written);
      expect(await verifyChain(reader.read(), { start: GENESIS_HEAD })).toMatchObject({
        ok: true,
        count: TOTAL,
      });
      expect(await queue.getJobCounts('waiting', 'active', 'failed', 'completed')).toEqual({
        waiting: 0,
        active: 0,
        failed: 0,
        completed: TOTAL / EVENTS_PER_JOB,
      });
    } finally {
      await reader.close();
    }
  }

  it('loses and duplicates nothing when the JSONL writer dies in the middle of writing a batch', async () => {
    const tmp = await tempDir('audit-crash');
    try {
      await crashAndRecover(
        'torn',
        { STORE: 'jsonl', AUDIT_DIR: tmp.dir },
        () => new JsonlAuditStore({ dir: tmp.dir, logger: silentLogger }),
      );
    } finally {
      await tmp.remove();
    }
  });

  it('loses and duplicates nothing when the JSONL writer dies after storing a batch but before acknowledging it', async () => {
    const tmp = await tempDir('audit-crash');
    try {
      await crashAndRecover(
        'after-append',
        { STORE: 'jsonl', AUDIT_DIR: tmp.dir },
        () => new JsonlAuditStore({ dir: tmp.dir, logger: silentLogger }),
      );
    } finally {
      await tmp.remove();
    }
  });

  it('loses and duplicates nothing when the PostgreSQL writer dies after committing a batch but before acknowledging it', async () => {
    await withSchema(async (schema) => {
      await crashAndRecover(
        'after-append',
        { STORE: 'postgres', DATABASE_URL: testDatabaseUrl(), SCHEMA: schema },
        () => new PostgresAuditStore({ connectionString: testDatabaseUrl(), schema, logger: silentLogger }),
      );
    });
  });
});
