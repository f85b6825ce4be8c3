import { Counter, Gauge, type Registry } from 'prom-client';

/** What the collector reads from a BullMQ `Queue` (structural, so tests and other queue kinds fit). */
export interface QueueStatsSource {
  readonly name: string;
  getJobCounts(
    ...types: ('waiting' | 'active' | 'delayed' | 'prioritized' | 'failed' | 'completed')[]
  ): Promise<Record<string, number>>;
  getJobs(
    types: 'waiting'[],
    start: number,
    end: number,
    asc: boolean,
  ): Promise<({ timestamp: number; delay?: number } | undefined)[]>;
}

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;
const AUDIT_QUEUE = 'audit';

interface QueueSnapshot {
  name: string;
  counts: Record<string, number>;
  oldestAgeSeconds: number;
}

/**
 * Reads queue depth and age from Redis when Prometheus scrapes (not on a timer, so an idle process costs
 * nothing). All gauges of one scrape share one snapshot; a slow or absent Redis costs at most `timeoutMs`
 * and leaves the gauges unset for that scrape (and counts a collect error) rather than failing `/metrics`.
 */
export class QueueStatsCollector {
  private readonly sources: QueueStatsSource[] = [];
  private pending: Promise<QueueSnapshot[]> | undefined;
  private readonly errors: Counter<'queue'>;

  constructor(
    registry: Registry,
    private readonly timeoutMs: number,
  ) {
    const registers = [registry];
    const snapshot = (): Promise<QueueSnapshot[]> => this.snapshot();
    this.errors = new Counter({
      name: 'gpw_metrics_collect_errors_total',
      help: 'Scrapes that could not read a queue from Redis in time.',
      labelNames: ['queue'],
      registers,
    });
    new Gauge({
      name: 'gpw_queue_jobs',
      help: 'Jobs per queue and state (waiting, active, delayed, prioritized, failed).',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const q of await snapshot()) {
          for (const state of STATES) {
            this.set({ queue: q.name, state }, q.counts[state] ?? 0);
          }
        }
      },
    });
    new Gauge({
      name: 'gpw_queue_oldest_waiting_seconds',
      help: 'Age of the oldest job waiting in each queue (0 when none waits).',
      labelNames: ['queue'],
      registers,
      async collect() {
        this.reset();
        for (const q of await snapshot()) {
          this.set({ queue: q.name }, q.oldestAgeSeconds);
        }
      },
    });
    new Gauge({
      name: 'gpw_audit_backlog',
      help: 'Audit events not yet written to the audit store (waiting, delayed and active audit jobs).',
      registers,
      async collect() {
        const audit = (await snapshot()).find((q) => q.name === AUDIT_QUEUE);
        if (audit !== undefined) {
          this.set((audit.counts.waiting ?? 0) + (audit.counts.delayed ?? 0) + (audit.counts.active ?? 0));
        }
      },
    });
  }

  add(sources: readonly QueueStatsSource[]): void {
    for (const source of sources) {
      if (!this.sources.some((s) => s.name === source.name)) {
        this.sources.push(source);
      }
    }
  }

  /** One Redis round per queue per scrape, however many gauges ask. */
  snapshot(): Promise<QueueSnapshot[]> {
    if (this.pending === undefined) {
      this.pending = this.read().finally(() => {
        setImmediate(() => {
          this.pending = undefined;
        });
      });
    }
    return this.pending;
  }

  private async read(): Promise<QueueSnapshot[]> {
    const results = await Promise.all(this.sources.map((source) => this.readOne(source)));
    return results.filter((r): r is QueueSnapshot => r !== undefined);
  }

  private async readOne(source: QueueStatsSource): Promise<QueueSnapshot | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.timeoutMs);
      timer.unref();
    });
    const work = (async (): Promise<QueueSnapshot> => {
      const [counts, oldest] = await Promise.all([
        source.getJobCounts(...STATES),
        source.getJobs(['waiting'], 0, 0, true),
      ]);
      const job = oldest[0];
      const readyAt = job === undefined ? undefined : job.timestamp + (job.delay ?? 0);
      return {
        name: source.name,
        counts,
        oldestAgeSeconds: readyAt === undefined ? 0 : Math.max(0, (Date.now() - readyAt) / 1000),
      };
    })();
    try {
      const result = await Promise.race([work, timeout]);
      if (result === undefined) {
        work.catch(() => undefined);
        this.errors.inc({ queue: source.name });
      }
      return result;
    } catch {
      this.errors.inc({ queue: source.name });
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
