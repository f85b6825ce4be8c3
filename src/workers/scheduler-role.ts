import { createHash } from 'node:crypto';
import type { JobSchedulerJson, Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Component } from '../lifecycle';
import type { RedisConnection } from '../redis';
import { RedisLease } from '../schedule/redis-lease';
import type { SchedulerSpec, SchedulerSpecProvider } from './scheduler-spec';

export interface SchedulerRoleDeps {
  /** The one `Queue` object per queue name, created by the composition root. */
  readonly queue: (name: string) => Queue;
  /** Connection for the registration lease and the spec fingerprints. */
  readonly redis: RedisConnection;
  /** `QUEUE_PREFIX`: the lease and fingerprints live under it. */
  readonly prefix: string;
  readonly providers: readonly SchedulerSpecProvider[];
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  /** Re-run the reconciliation this often (new business units, a scheduler removed by hand). Default 10 min. */
  readonly reconcileEveryMs?: number;
  /** Longest wait for another process's reconciliation to finish. Default 30 s. */
  readonly lockWaitMs?: number;
}

export interface ReconcileReport {
  readonly created: string[];
  readonly updated: string[];
  readonly unchanged: string[];
  readonly removed: string[];
  /** Providers whose specs could not be produced; their queues were left as they were. */
  readonly failedProviders: string[];
}

const LOCK_TTL_MS = 60_000;

/**
 * The `scheduler` role: keeps the job schedulers of every provider registered, idempotently.
 *
 * BullMQ's `upsertJobScheduler` is racy when several processes call it at once (bullmq-notes.md: duplicate
 * delayed jobs, schedulers that stop producing). So the reconciliation (1) runs under one Redis lease across all
 * processes, (2) upserts a scheduler only when it is missing, its spec changed (fingerprint kept in Redis) or its
 * next job is gone, never merely because a process restarted, and (3) removes schedulers of owned queues that no
 * spec names any more. Two schedulers at once or a restart therefore create no duplicate scheduler or job.
 */
export class SchedulerRole implements Component {
  readonly name = 'scheduler';
  private readonly lease: RedisLease;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(private readonly deps: SchedulerRoleDeps) {
    this.lease = new RedisLease(deps.redis);
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.reconcile();
    const every = this.deps.reconcileEveryMs ?? 600_000;
    this.timer = setInterval(() => {
      if (this.running === undefined) {
        this.running = this.reconcile()
          .catch((err: unknown) => this.deps.logger.error({ err }, 'job scheduler reconciliation failed'))
          .finally(() => {
            this.running = undefined;
          });
      }
    }, every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    await this.running;
  }

  private get fingerprintKey(): string {
    return `${this.deps.prefix}:scheduler:fingerprints`;
  }

  /** Brings the registered schedulers in line with the providers' specs. Safe to call from many processes. */
  async reconcile(): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      created: [],
      updated: [],
      unchanged: [],
      removed: [],
      failedProviders: [],
    };
    const lock = await this.lease.acquire(
      `${this.deps.prefix}:scheduler:lock`,
      LOCK_TTL_MS,
      this.deps.lockWaitMs ?? 30_000,
    );
    if (lock === undefined) {
      throw new Error('another process holds the job scheduler registration lock for too long');
    }
    try {
      const owned = new Map<string, SchedulerSpec[]>();
      for (const provider of this.deps.providers) {
        try {
          const specs = await provider.specs();
          for (const q of provider.queueNames) {
            owned.set(q, owned.get(q) ?? []);
          }
          for (const spec of specs) {
            const list = owned.get(spec.queueName) ?? [];
            list.push(spec);
            owned.set(spec.queueName, list);
          }
        } catch (err) {
          report.failedProviders.push(provider.name);
          for (const q of provider.queueNames) {
            owned.delete(q);
          }
          this.deps.logger.error(
            { err, provider: provider.name },
            'scheduler specs unavailable; left as they were',
          );
        }
      }
      for (const [queueName, specs] of owned) {
        if (this.stopped) {
          break;
        }
        await this.reconcileQueue(queueName, specs, report);
        await lock.renew();
      }
    } finally {
      await lock.release();
    }
    this.deps.logger.info(
      {
        created: report.created.length,
        updated: report.updated.length,
        unchanged: report.unchanged.length,
        removed: report.removed.length,
      },
      'job schedulers reconciled',
    );
    return report;
  }

  private async reconcileQueue(
    queueName: string,
    specs: SchedulerSpec[],
    report: ReconcileReport,
  ): Promise<void> {
    const queue = this.deps.queue(queueName);
    const existing = new Map<string, JobSchedulerJson>();
    for (const s of await queue.getJobSchedulers(0, -1)) {
      existing.set(s.key, s);
    }
    const wanted = new Set<string>();
    for (const spec of specs) {
      wanted.add(spec.schedulerId);
      const label = `${queueName}/${spec.schedulerId}`;
      const field = `${queueName}\u0000${spec.schedulerId}`;
      const fingerprint = specFingerprint(spec);
      const current = existing.get(spec.schedulerId);
      if (current !== undefined) {
        const stored = await this.deps.redis.hget(this.fingerprintKey, field);
        if (
          stored === fingerprint &&
          current.every === spec.everyMs &&
          (await this.hasNextJob(queue, current))
        ) {
          report.unchanged.push(label);
          continue;
        }
      }
      await queue.upsertJobScheduler(
        spec.schedulerId,
        { every: spec.everyMs },
        { name: spec.jobName, data: { ...spec.data }, opts: spec.jobOptions ?? {} },
      );
      await this.deps.redis.hset(this.fingerprintKey, field, fingerprint);
      (current === undefined ? report.created : report.updated).push(label);
      this.deps.logger.info(
        { queue: queueName, schedulerId: spec.schedulerId, everyMs: spec.everyMs },
        current === undefined ? 'job scheduler created' : 'job scheduler updated',
      );
    }
    for (const id of existing.keys()) {
      if (!wanted.has(id)) {
        await queue.removeJobScheduler(id);
        await this.deps.redis.hdel(this.fingerprintKey, `${queueName}\u0000${id}`);
        report.removed.push(`${queueName}/${id}`);
        this.deps.logger.info({ queue: queueName, schedulerId: id }, 'job scheduler removed');
      }
    }
  }

  /** A scheduler whose next job vanished (bullmq-notes.md: "a scheduler that stops producing") is re-upserted. */
  private async hasNextJob(queue: Queue, scheduler: JobSchedulerJson): Promise<boolean> {
    if (scheduler.next === undefined) {
      return false;
    }
    const job = await queue.getJob(`repeat:${scheduler.key}:${scheduler.next}`);
    if (job === undefined) {
      return false;
    }
    const state = await job.getState();
    return state === 'delayed' || state === 'waiting' || state === 'active' || state === 'prioritized';
  }
}

/** Canonical fingerprint of what a spec asks for. */
export function specFingerprint(spec: SchedulerSpec): string {
  return createHash('sha256')
    .update(
      canonical({ every: spec.everyMs, name: spec.jobName, data: spec.data, opts: spec.jobOptions ?? {} }),
    )
    .digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonical).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
