import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { AuditEvent } from '../audit/audit-event';
import { isAuditError } from '../audit/audit-errors';
import { AUDIT_QUEUE, eventsOfAuditJob, type AuditJobEvents } from '../audit/audit-queue';
import { buildRecords, headOf, type ChainHead } from '../audit/audit-record';
import type { AuditStore } from '../audit/audit-store';
import { WriterLease } from '../audit/writer-lease';
import type { Component } from '../lifecycle';
import type { RedisConnection } from '../redis';

/** Hooks for metrics and tests; every member optional. */
export interface AuditWorkerObserver {
  /** A batch is in the store and its jobs were acknowledged. */
  batchWritten?(info: { written: number; duplicates: number; durationMs: number; head: ChainHead }): void;
  /** Appending failed; the same batch is tried again after `retryInMs`. */
  appendFailed?(info: { err: Error; attempt: number; retryInMs: number }): void;
  /** This process became (true) or stopped being (false) the chain's writer. */
  leadershipChanged?(leader: boolean): void;
}

export interface AuditWorkerDeps {
  /** A worker-profile connection (`maxRetriesPerRequest: null`); BullMQ duplicates it for blocking reads. */
  connection: RedisConnection;
  /** QUEUE_PREFIX */
  prefix: string;
  store: AuditStore;
  logger: Logger;
  observer?: AuditWorkerObserver;
}

export interface AuditWorkerOptions {
  /** Most records per store transaction / fsync (AUDIT_BATCH_SIZE). */
  batchSize?: number;
  /** Writer lease time to live (AUDIT_WRITER_LEASE_MS); a standby takes over this long after a writer dies. */
  leaseMs?: number;
  /** BullMQ job lock; a crashed writer's jobs go back to waiting after it. */
  lockDurationMs?: number;
  /** How often every instance looks for stalled audit jobs. */
  stalledIntervalMs?: number;
  /** First and longest wait between attempts to append a batch the store refused. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Longest blocking wait for a job, in seconds (bounds how long stop() waits for an idle fetch). */
  drainDelaySeconds?: number;
}

const DEFAULTS = {
  batchSize: 500,
  leaseMs: 15_000,
  lockDurationMs: 30_000,
  stalledIntervalMs: 15_000,
  retryBaseMs: 250,
  retryMaxMs: 15_000,
  drainDelaySeconds: 1,
};

/** Jobs fetched at once when filling a batch (each fetch is one Redis round trip; these are pipelined). */
const FETCH_WAVE = 64;

interface HeldJob {
  readonly job: Job;
  readonly token: string;
  /** The job's events (a batch job carries several; a single-event job, from before batches, one). */
  readonly content: AuditJobEvents;
}

function hold(job: Job, token: string): HeldJob {
  return { job, token, content: eventsOfAuditJob(job.data) };
}

/** Events a held job adds to a batch (an unreadable job counts one: it is failed, not written). */
function eventCount(held: HeldJob): number {
  return held.content.ok ? held.content.events.length : 1;
}

/**
 * The audit chain's writer. Every instance runs the BullMQ stalled-job check; one instance at a time holds the
 * Redis writer lease (with a fencing token) and only that one takes jobs: batch jobs (`{ events }`) and
 * single-event jobs alike, waiting jobs until they carry about `batchSize` events, chained
 * onto the stored head, appended in one store transaction / fsync, acknowledged only then. A store failure keeps
 * the batch (locks extended) and tries again with backoff, re-reading the head first; nothing is dropped, and an
 * event already stored (a redelivery after a crash) is acknowledged without being written again.
 */
export class AuditWorker implements Component {
  readonly name = 'audit-worker';
  private readonly opts: typeof DEFAULTS;
  private readonly lease: WriterLease;
  private readonly log: Logger;
  private worker: Worker | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private head: ChainHead | undefined;
  private leader = false;
  private batchNo = 0;
  private blockedInFetch = false;
  private storeOpened = false;

  constructor(
    private readonly deps: AuditWorkerDeps,
    options: AuditWorkerOptions = {},
  ) {
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.opts = { ...DEFAULTS, ...defined };
    this.lease = new WriterLease(deps.connection, deps.prefix, this.opts.leaseMs);
    this.log = deps.logger.child({ component: 'audit-worker', queue: AUDIT_QUEUE });
  }

  /** True while this instance holds the writer lease. */
  isLeader(): boolean {
    return this.leader && this.lease.isHeld();
  }

  async start(): Promise<void> {
    const worker = new Worker(AUDIT_QUEUE, null, {
      connection: this.deps.connection,
      prefix: this.deps.prefix,
      autorun: false,
      lockDuration: this.opts.lockDurationMs,
      stalledInterval: this.opts.stalledIntervalMs,
      // A redelivered audit job costs nothing (the store skips known events); never fail one for stalling.
      maxStalledCount: 1_000_000,
      drainDelay: this.opts.drainDelaySeconds,
    });
    worker.on('error', (err) => this.log.error({ err }, 'audit queue worker error'));
    this.worker = worker;
    await worker.waitUntilReady();
    await worker.startStalledCheckTimer();
    this.stopping = false;
    this.loop = this.run(worker);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    if (this.blockedInFetch) {
      // Interrupt the idle blocking wait (nothing is held then); a job taken at that very moment stays active and
      // is redelivered after its lock lapses, and the store recognises it.
      void this.worker?.close(true);
    }
    await this.loop;
    this.loop = undefined;
    this.stopRenewing();
    if (this.lease.fencingToken !== undefined || this.leader) {
      await this.lease
        .release()
        .catch((err: unknown) => this.log.warn({ err }, 'could not release the writer lease'));
      this.setLeader(false);
    }
    await this.worker?.close();
    this.worker = undefined;
    await this.deps.store.close();
  }

  private async run(worker: Worker): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        if (!this.lease.isHeld()) {
          this.setLeader(false);
          const token = await this.lease.tryAcquire();
          if (token === undefined) {
            await this.pause(this.opts.leaseMs / 3);
            continue;
          }
          this.head = undefined;
          this.storeOpened = false;
          this.setLeader(true);
          this.log.info({ fencingToken: token }, 'audit writer lease acquired');
        }
        if (!this.storeOpened) {
          // Only the lease holder opens the store: opening runs migrations and repairs a torn JSONL tail, which
          // must never race a live writer. A store that cannot be opened is retried like any outage.
          await this.deps.store.open();
          this.storeOpened = true;
        }
        this.head ??= await this.deps.store.head();
        const batch = await this.fetchBatch(worker);
        if (batch.length > 0) {
          await this.commit(batch);
        }
        failures = 0;
      } catch (err) {
        failures += 1;
        this.head = undefined;
        const delay = this.backoff(failures);
        const level = failures >= 10 ? 'error' : 'warn';
        this.log[level]({ err, retryInMs: delay, failures }, 'audit worker loop failed; retrying');
        await this.pause(delay);
      }
    }
  }

  private async fetchBatch(worker: Worker): Promise<HeldJob[]> {
    const batchNo = (this.batchNo += 1);
    const tokenOf = (i: number): string => `${worker.id}:${this.lease.owner}:${batchNo}:${i}`;
    this.blockedInFetch = true;
    let first;
    try {
      first = await worker.getNextJob(tokenOf(0), { block: !this.stopping });
    } finally {
      this.blockedInFetch = false;
    }
    if (first === undefined) {
      return [];
    }
    const held: HeldJob[] = [hold(first, tokenOf(0))];
    let events = eventCount(held[0] as HeldJob);
    while (events < this.opts.batchSize && !this.stopping) {
      // A wave never takes more jobs than events still wanted (a job carries at least one event).
      const wave = Math.min(FETCH_WAVE, this.opts.batchSize - events);
      const base = held.length;
      const jobs = await Promise.all(
        Array.from({ length: wave }, (_, i) => worker.getNextJob(tokenOf(base + i), { block: false })),
      );
      let exhausted = false;
      jobs.forEach((job, i) => {
        if (job === undefined) {
          exhausted = true;
        } else {
          const h = hold(job, tokenOf(base + i));
          held.push(h);
          events += eventCount(h);
        }
      });
      if (exhausted) {
        break;
      }
    }
    return held;
  }

  /** Writes the batch (retrying while the store refuses), then acknowledges every job in it. */
  private async commit(batch: HeldJob[]): Promise<void> {
    const started = Date.now();
    const valid: { held: HeldJob; events: AuditEvent[] }[] = [];
    for (const held of batch) {
      if (held.content.ok) {
        valid.push({ held, events: held.content.events });
      } else {
        const problems = held.content.problems;
        this.log.error({ jobId: held.job.id, problems }, 'audit job holds no valid event; failing it');
        await held.job
          .moveToFailed(
            new UnrecoverableError(`invalid audit event: ${problems.join('; ')}`),
            held.token,
            false,
          )
          .catch((err: unknown) =>
            this.log.warn({ err, jobId: held.job.id }, 'could not fail invalid audit job'),
          );
      }
    }
    const jobs = valid.map((v) => v.held);
    const lockTimer = setInterval(() => void this.extendLocks(jobs), this.opts.lockDurationMs / 3);
    let outcome: { written: number; duplicates: number } | undefined;
    try {
      outcome = await this.appendWithRetry(valid.flatMap((v) => v.events));
    } finally {
      clearInterval(lockTimer);
    }
    if (outcome === undefined) {
      // Stopping, or the lease was lost: hand the jobs back for the next writer.
      await Promise.all(
        jobs.map((h) =>
          h.job
            .moveToWait(h.token)
            .catch((err: unknown) => this.log.warn({ err, jobId: h.job.id }, 'could not release audit job')),
        ),
      );
      return;
    }
    await Promise.all(
      jobs.map((h) =>
        h.job.moveToCompleted(null, h.token, false).catch((err: unknown) =>
          // Stored already: a redelivery of this job will be recognised and acknowledged without a write.
          this.log.warn({ err, jobId: h.job.id }, 'could not acknowledge a stored audit job'),
        ),
      ),
    );
    if (this.head !== undefined) {
      this.deps.observer?.batchWritten?.({ ...outcome, durationMs: Date.now() - started, head: this.head });
    }
  }

  /** Undefined when it gave up because of stop() or a lost lease (the jobs are then released, not acknowledged). */
  private async appendWithRetry(
    events: AuditEvent[],
  ): Promise<{ written: number; duplicates: number } | undefined> {
    const unique = new Map<string, AuditEvent>();
    for (const event of events) {
      if (!unique.has(event.eventId)) {
        unique.set(event.eventId, event);
      }
    }
    for (let attempt = 1; ; attempt += 1) {
      const fencingToken = this.lease.fencingToken;
      if (this.stopping || fencingToken === undefined) {
        return undefined;
      }
      try {
        this.head ??= await this.deps.store.head();
        const known = await this.deps.store.knownEventIds([...unique.keys()]);
        const fresh = [...unique.values()].filter((e) => !known.has(e.eventId));
        const records = buildRecords(this.head, fresh);
        await this.deps.store.append(records, { fencingToken });
        const last = records[records.length - 1];
        if (last !== undefined) {
          this.head = headOf(last);
        }
        return { written: records.length, duplicates: events.length - records.length };
      } catch (err) {
        this.head = undefined;
        if (isAuditError(err, 'AUDIT_FENCED')) {
          this.log.warn({ err }, 'another audit writer took over; standing down');
          this.lease.lost();
          this.setLeader(false);
          return undefined;
        }
        const retryInMs = this.backoff(attempt);
        this.deps.observer?.appendFailed?.({ err: err as Error, attempt, retryInMs });
        this.log.warn(
          { err, attempt, retryInMs, events: events.length },
          'audit append failed; batch kept for retry',
        );
        await this.pause(retryInMs);
      }
    }
  }

  private async extendLocks(jobs: HeldJob[]): Promise<void> {
    if (this.worker === undefined || jobs.length === 0) {
      return;
    }
    try {
      await this.worker.extendJobLocks(
        jobs.map((h) => h.job.id as string),
        jobs.map((h) => h.token),
        this.opts.lockDurationMs,
      );
    } catch (err) {
      this.log.warn({ err }, 'could not extend audit job locks');
    }
  }

  private setLeader(leader: boolean): void {
    if (leader === this.leader) {
      return;
    }
    this.leader = leader;
    if (leader) {
      this.startRenewing();
    } else {
      this.stopRenewing();
    }
    this.deps.observer?.leadershipChanged?.(leader);
  }

  private startRenewing(): void {
    this.stopRenewing();
    this.renewTimer = setInterval(() => {
      this.lease.renew().then(
        (held) => {
          if (!held) {
            this.log.warn('audit writer lease lost');
          }
        },
        (err: unknown) => this.log.warn({ err }, 'could not renew the audit writer lease'),
      );
    }, this.opts.leaseMs / 3);
    this.renewTimer.unref();
  }

  private stopRenewing(): void {
    if (this.renewTimer !== undefined) {
      clearInterval(this.renewTimer);
      this.renewTimer = undefined;
    }
  }

  private backoff(attempt: number): number {
    return Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** Math.min(attempt - 1, 20));
  }

  /** Waits `ms`, or less when stop() is called. */
  private pause(ms: number): Promise<void> {
    if (this.stopping) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const wake = (this.wake = done);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      void wake;
    });
  }
}
