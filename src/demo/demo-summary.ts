import type { Metrics } from '../metrics';
import type { TrafficStats } from './traffic-generator';

export interface QueueCounts {
  getJobCounts(
    ...types: ('waiting' | 'active' | 'delayed' | 'completed' | 'failed')[]
  ): Promise<Record<string, number>>;
}

export interface DemoSnapshot {
  elapsedSeconds: number;
  traffic: TrafficStats;
  /** Terminal outcomes so far, by outcome (from the pipeline's metrics). */
  outcomes: Record<string, number>;
  presenceQueue: Record<string, number>;
  auditQueue: Record<string, number>;
  genesysCalls: number;
  genesysRateLimited: number;
}

/** What the summary reads of a prom-client counter. */
interface ReadableMetric {
  get(): Promise<{ values: { labels: Partial<Record<string, string | number>>; value: number }[] }>;
}

async function sumBy(metric: ReadableMetric, label: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const { labels, value } of (await metric.get()).values) {
    const key = String(labels[label] ?? 'unknown');
    out[key] = (out[key] ?? 0) + value;
  }
  return out;
}

const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

/** Reads what the summary line shows: traffic sent, queue depth, outcomes and Genesys calls. */
export async function takeSnapshot(
  startedAt: number,
  traffic: TrafficStats,
  metrics: Metrics,
  presenceQueue: QueueCounts,
  auditQueue: QueueCounts,
): Promise<DemoSnapshot> {
  const [outcomes, calls, limited, presence, audit] = await Promise.all([
    sumBy(metrics.presenceRequests, 'outcome'),
    sumBy(metrics.genesysCalls, 'status'),
    metrics.rateLimited.get(),
    presenceQueue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed').catch(() => ({})),
    auditQueue.getJobCounts('waiting', 'active', 'delayed').catch(() => ({})),
  ]);
  return {
    elapsedSeconds: Math.round((Date.now() - startedAt) / 1000),
    traffic: { ...traffic, byStatus: { ...traffic.byStatus } },
    outcomes,
    presenceQueue: presence,
    auditQueue: audit,
    genesysCalls: total(calls),
    genesysRateLimited: limited.values.reduce((a, v) => a + v.value, 0),
  };
}

const OUTCOME_ORDER = ['applied', 'superseded', 'blocked', 'conflict', 'rejected', 'failed'];

/** The live one-line summary. */
export function formatSummary(s: DemoSnapshot): string {
  const mm = String(Math.floor(s.elapsedSeconds / 60)).padStart(2, '0');
  const ss = String(s.elapsedSeconds % 60).padStart(2, '0');
  const statuses = Object.entries(s.traffic.byStatus)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([status, n]) => `${status === '0' ? 'no answer' : status}×${n}`)
    .join(' ');
  const outcomes = OUTCOME_ORDER.filter((o) => (s.outcomes[o] ?? 0) > 0)
    .map((o) => `${o} ${s.outcomes[o]}`)
    .join(', ');
  const q = s.presenceQueue;
  const backlog = (s.auditQueue.waiting ?? 0) + (s.auditQueue.active ?? 0) + (s.auditQueue.delayed ?? 0);
  return (
    `[${mm}:${ss}] http ${s.traffic.sent} sent (${statuses || '-'}) · own changes ${s.traffic.agentChanges}` +
    ` · presence-change ${q.waiting ?? 0} waiting ${q.active ?? 0} active ${q.delayed ?? 0} delayed ${q.completed ?? 0} done` +
    ` · outcomes: ${outcomes || '-'} · genesys calls ${s.genesysCalls} (429: ${s.genesysRateLimited})` +
    ` · audit backlog ${backlog}`
  );
}
