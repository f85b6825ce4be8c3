import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Client } from 'pg';
import { AuditQueueEmitter } from '../../src/audit/audit-queue-emitter';
import { GENESIS_HEAD } from '../../src/audit/audit-record';
import { PostgresAuditStore } from '../../src/audit/postgres-audit-store';
import { verifyChain } from '../../src/audit/verify-chain';
import { AuditWorker } from '../../src/workers/audit-worker';
import { testDatabaseUrl, withSchema } from '../helpers/postgres';
import { testRedis, uniquePrefix } from '../helpers/redis';
import { auditEvents, auditQueue, cleanQueue, CountingObserver, silentLogger } from './audit-test-kit';

/** A loopback TCP proxy in front of the real PostgreSQL that can cut every connection and refuse new ones. */
class OutageProxy {
  private readonly sockets = new Set<Socket>();
  private refusing = false;
  private readonly server: Server;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => {
      if (this.refusing) {
        client.destroy();
        return;
      }
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  down(): void {
    this.refusing = true;
    for (const s of this.sockets) {
      s.destroy();
    }
  }

  up(): void {
    this.refusing = false;
  }

  async close(): Promise<void> {
    this.down();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('audit worker while the store is down', () => {
  let redis: Redis;
  let prefix: string;
  let queue: Queue;

  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix('audit-outage');
    queue = auditQueue(redis, prefix);
  });
  afterEach(async () => {
    await cleanQueue(queue, redis, prefix);
    redis.disconnect();
  });

  it('keeps the jobs, retries, and stores every event exactly once when PostgreSQL comes back', async () => {
    await withSchema(async (schema) => {
      const real = new URL(testDatabaseUrl());
      const proxy = new OutageProxy({ host: real.hostname, port: Number(real.port || 5432) });
      const port = await proxy.listen();
      const viaProxy = new URL(testDatabaseUrl());
      viaProxy.port = String(port);
      const store = new PostgresAuditStore({
        connectionString: viaProxy.toString(),
        schema,
        logger: silentLogger,
      });
      const observer = new CountingObserver();
      const worker = new AuditWorker(
        { connection: redis, prefix, store, logger: silentLogger, observer },
        { batchSize: 40, leaseMs: 2_000, retryBaseMs: 20, retryMaxMs: 100 },
      );
      const emitter = new AuditQueueEmitter(queue);
      const emitInJobsOfTwo = async (from: number, count: number): Promise<void> => {
        for (let i = from; i < from + count; i += 2) {
          await emitter.emit(auditEvents('outage', i, 2));
        }
      };
      try {
        await worker.start();
        await emitInJobsOfTwo(0, 100);
        await observer.until(() => observer.written === 100);

        proxy.down();
        await emitInJobsOfTwo(100, 100);
        await observer.until(() => observer.failures >= 3);
        expect(observer.written).toBe(100);
        expect((await queue.getJobCounts('failed')).failed).toBe(0);

        proxy.up();
        await observer.until(() => observer.written === 200);
      } finally {
        await worker.stop();
        await proxy.close();
      }

      const sql = new Client({ connectionString: testDatabaseUrl() });
      await sql.connect();
      try {
        const { rows } = await sql.query<{ n: string; ids: string; max: string }>(
          `SELECT count(*) AS n, count(DISTINCT event_id) AS ids, max(seq) AS max FROM ${schema}.audit_records`,
        );
        expect(rows[0]).toEqual({ n: '200', ids: '200', max: '200' });
      } finally {
        await sql.end();
      }
      const reader = new PostgresAuditStore({
        connectionString: testDatabaseUrl(),
        schema,
        logger: silentLogger,
      });
      try {
        expect(await verifyChain(reader.read(), { start: GENESIS_HEAD })).toMatchObject({
          ok: true,
          count: 200,
        });
      } finally {
        await reader.close();
      }
      expect(await queue.getJobCounts('waiting', 'active', 'failed', 'completed')).toEqual({
        waiting: 0,
        active: 0,
        failed: 0,
        completed: 100,
      });
    });
  });
});
