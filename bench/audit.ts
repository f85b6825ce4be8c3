/**
 * `npm run bench -- audit [--events N] [--batch N] [--runs N]`: audit records per second into each store, through
 * the real path: events are added to the `audit` BullMQ queue with `AuditQueueEmitter` (that rate is reported
 * too), then one `AuditWorker` drains the queue into the store, and the time from its start until the last record
 * is stored and acknowledged gives records/s. JSONL writes to a temporary folder (fdatasync per batch);
 * PostgreSQL to a fresh schema of AUDIT_DATABASE_URL (default the local `test` database), dropped afterwards.
 * Loopback Redis and PostgreSQL only. Last line: `bench audit: jsonl_rps=… postgres_rps=…`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import type { AuditEvent } from '../src/audit/audit-event';
import { AUDIT_QUEUE } from '../src/audit/audit-queue';
import { AuditQueueEmitter } from '../src/audit/audit-queue-emitter';
import { GENESIS_HEAD } from '../src/audit/audit-record';
import type { AuditStore } from '../src/audit/audit-store';
import { JsonlAuditStore } from '../src/audit/jsonl-audit-store';
import { PostgresAuditStore } from '../src/audit/postgres-audit-store';
import { verifyChain } from '../src/audit/verify-chain';
import { createLogger } from '../src/logger';
import { AuditWorker } from '../src/workers/audit-worker';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const logger = createLogger({ level: 'warn', name: 'bench-audit' }, process.stderr);

function loopbackUrl(name: string, url: string): string {
  const host = new URL(url).hostname;
  if (!LOOPBACK.has(host)) {
    throw new Error(`${name} must point at a loopback server for a benchmark (host is ${host})`);
  }
  return url;
}

function event(run: string, i: number): AuditEvent {
  return {
    eventId: `${run}-${i}`,
    type: (['requested', 'applied', 'superseded', 'blocked'] as const)[i % 4] ?? 'requested',
    occurredAt: new Date().toISOString(),
    requestId: `req-${run}-${Math.floor(i / 2)}`,
    userId: `agent-${i % 1000}`,
    source: 'wfm',
    requestedBy: 'bench',
    reason: 'shift boundary',
    requestedPresence: {
      id: 'b0f1a6e2-3c1d-4c44-9c55-5d0a7c3d9e11',
      systemPresence: 'ON_QUEUE',
      label: 'On Queue',
    },
    previousPresence: { systemPresence: 'AVAILABLE', label: 'Available' },
    version: i,
    scheduleActivity: { category: 'OnQueueWork', start: '2026-12-07T09:00:00Z', end: '2026-12-07T10:00:00Z' },
    policyRule: 'on-queue-during-work',
    decision: 'allow',
    genesys: { correlationId: randomBytes(8).toString('hex'), status: 200 },
    latencyMs: 41.7,
  };
}

interface RunResult {
  store: string;
  events: number;
  emitRps: number;
  drainRps: number;
  batches: number;
  verified: boolean;
}

async function runOnce(
  storeName: string,
  newStore: () => AuditStore,
  redis: Redis,
  events: number,
  batch: number,
): Promise<RunResult> {
  const run = randomBytes(4).toString('hex');
  const prefix = `bench-audit-${run}`;
  const queue = new Queue(AUDIT_QUEUE, { connection: redis, prefix });
  try {
    const emitter = new AuditQueueEmitter(queue);
    const emitStart = process.hrtime.bigint();
    for (let i = 0; i < events; i += 1_000) {
      await emitter.emit(Array.from({ length: Math.min(1_000, events - i) }, (_, k) => event(run, i + k)));
    }
    const emitSeconds = Number(process.hrtime.bigint() - emitStart) / 1e9;

    let batches = 0;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const worker = new AuditWorker(
      {
        connection: redis,
        prefix,
        store: newStore(),
        logger,
        observer: {
          batchWritten: ({ head }) => {
            batches += 1;
            if (head.seq >= events) {
              done();
            }
          },
        },
      },
      { batchSize: batch },
    );
    const drainStart = process.hrtime.bigint();
    await worker.start();
    await finished;
    const drainSeconds = Number(process.hrtime.bigint() - drainStart) / 1e9;
    await worker.stop();

    const reader = newStore();
    await reader.open();
    const verified = (await verifyChain(reader.read(), { start: GENESIS_HEAD })).count === events;
    await reader.close();
    return {
      store: storeName,
      events,
      emitRps: events / emitSeconds,
      drainRps: events / drainSeconds,
      batches,
      verified,
    };
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) {
        await redis.unlink(...keys);
      }
    } while (cursor !== '0');
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '20000' },
      batch: { type: 'string', default: '500' },
      runs: { type: 'string', default: '3' },
    },
  });
  const events = Number(values.events);
  const batch = Number(values.batch);
  const runs = Number(values.runs);
  const redis = new Redis(loopbackUrl('REDIS_URL', process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'), {
    maxRetriesPerRequest: null,
  });
  const dbUrl = loopbackUrl(
    'AUDIT_DATABASE_URL',
    process.env.AUDIT_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  );
  const results: RunResult[] = [];
  try {
    for (let r = 0; r < runs; r += 1) {
      const dir = await mkdtemp(join(tmpdir(), 'bench-audit-'));
      try {
        results.push(
          await runOnce('jsonl', () => new JsonlAuditStore({ dir, logger }), redis, events, batch),
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      const schema = `bench_audit_${randomBytes(4).toString('hex')}`;
      const admin = new Client({ connectionString: dbUrl });
      await admin.connect();
      try {
        results.push(
          await runOnce(
            'postgres',
            () => new PostgresAuditStore({ connectionString: dbUrl, schema, logger }),
            redis,
            events,
            batch,
          ),
        );
      } finally {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      }
    }
  } finally {
    redis.disconnect();
  }

  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? 0;
  };
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  process.stdout.write(
    `audit store throughput: ${events} events per run, batch ${batch}, ${runs} run(s), ` +
      `${cpus().length} cores, Node ${process.version}\n\n`,
  );
  process.stdout.write('| store | run | emit events/s | store records/s | batches | chain verifies |\n');
  process.stdout.write('|---|---|---|---|---|---|\n');
  results.forEach((r, i) => {
    process.stdout.write(
      `| ${r.store} | ${Math.floor(i / 2) + 1} | ${fmt(r.emitRps)} | ${fmt(r.drainRps)} | ${r.batches} | ${r.verified ? 'yes' : 'NO'} |\n`,
    );
  });
  const jsonl = median(results.filter((r) => r.store === 'jsonl').map((r) => r.drainRps));
  const postgres = median(results.filter((r) => r.store === 'postgres').map((r) => r.drainRps));
  process.stdout.write(`\nmedian records/s: jsonl ${fmt(jsonl)}, postgres ${fmt(postgres)}\n`);
  process.stdout.write(`bench audit: jsonl_rps=${Math.round(jsonl)} postgres_rps=${Math.round(postgres)}\n`);
  if (results.some((r) => !r.verified)) {
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench audit failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
