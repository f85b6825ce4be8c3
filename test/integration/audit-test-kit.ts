import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createLogger } from '../../src/logger';
import type { AuditEvent } from '../../src/audit/audit-event';
import { AUDIT_QUEUE } from '../../src/audit/audit-queue';
import type { AuditStore, StoredAuditRecord } from '../../src/audit/audit-store';
import type { AuditWorkerObserver } from '../../src/workers/audit-worker';
import { deleteKeys } from '../helpers/redis';

/** Shared pieces of the audit integration tests (not a test file itself). */
export const silentLogger = createLogger({
  level: process.env.TEST_LOG_LEVEL ?? 'silent',
  name: 'audit-test',
});

export function auditEvent(tag: string, i: number, extra: Partial<AuditEvent> = {}): AuditEvent {
  return {
    eventId: `${tag}-${i}`,
    type: i % 3 === 0 ? 'requested' : i % 3 === 1 ? 'applied' : 'blocked',
    occurredAt: new Date(Date.UTC(2026, 11, 7, 9, 0, 0, i)).toISOString(),
    requestId: `req-${tag}-${Math.floor(i / 3)}`,
    userId: `user-${i % 5}`,
    source: 'wfm',
    requestedBy: 'scheduler',
    reason: `shift boundary ${i}`,
    requestedPresence: { systemPresence: 'ON_QUEUE', label: 'On Queue' },
    version: i,
    ...extra,
  };
}

export function auditEvents(tag: string, from: number, count: number): AuditEvent[] {
  return Array.from({ length: count }, (_, k) => auditEvent(tag, from + k));
}

export async function tempDir(name: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `${name}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function collect(records: AsyncIterable<StoredAuditRecord>): Promise<StoredAuditRecord[]> {
  const out: StoredAuditRecord[] = [];
  for await (const r of records) {
    out.push(r);
  }
  return out;
}

export async function allRecords(store: AuditStore): Promise<StoredAuditRecord[]> {
  return collect(store.read());
}

/**
 * Observer that counts written records and lets a test await a total (an event, not a poll), a failed append, or
 * a leadership change.
 */
export class CountingObserver implements AuditWorkerObserver {
  written = 0;
  duplicates = 0;
  failures = 0;
  private waiters: { done: () => boolean; resolve: () => void }[] = [];

  batchWritten(info: { written: number; duplicates: number }): void {
    this.written += info.written;
    this.duplicates += info.duplicates;
    this.check();
  }

  appendFailed(): void {
    this.failures += 1;
    this.check();
  }

  until(done: () => boolean): Promise<void> {
    if (done()) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ done, resolve }));
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (w.done()) {
        w.resolve();
        return false;
      }
      return true;
    });
  }
}

/** Awaits the first of several observers reaching a condition over their sum. */
export function untilAll(observers: CountingObserver[], done: (total: number) => boolean): Promise<void> {
  const total = (): number => observers.reduce((n, o) => n + o.written, 0);
  return Promise.race(observers.map((o) => o.until(() => done(total()))));
}

export function auditQueue(redis: Redis, prefix: string): Queue {
  return new Queue(AUDIT_QUEUE, { connection: redis, prefix });
}

export async function cleanQueue(queue: Queue, redis: Redis, prefix: string): Promise<void> {
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  await deleteKeys(redis, prefix);
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `presence-worker audit …` in this process with the given environment, capturing its output. */
export async function runAuditCli(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<CliResult> {
  const { run } = await import('../../src/cli/audit-command');
  const saved: Record<string, string | undefined> = {};
  const keys = [
    'AUDIT_DIR',
    'AUDIT_DATABASE_URL',
    'AUDIT_DATABASE_SCHEMA',
    'AUDIT_CHECKPOINT_KEY',
    'LOG_LEVEL',
  ];
  for (const key of keys) {
    saved[key] = process.env[key];
    delete process.env[key];
  }
  Object.assign(process.env, { LOG_LEVEL: 'silent', ...env });
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  });
  try {
    const code = await run(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    for (const key of keys) {
      if (saved[key] === undefined) {
        delete process.env[key];
      } else {
        process.env[key] = saved[key];
      }
    }
  }
}
