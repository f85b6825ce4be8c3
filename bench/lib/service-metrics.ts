import { createServer } from 'node:net';

/** One sample of a Prometheus text exposition. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (comments skipped; label values unescaped). Pure. */
export function parsePrometheus(text: string): MetricSample[] {
  const out: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (match === null) {
      continue;
    }
    const labels: Record<string, string> = {};
    for (const l of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    out.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return out;
}

export interface HistogramMean {
  /** The label values (without `le`), joined: e.g. `kind=bulk-put`. */
  key: string;
  count: number;
  sum: number;
  mean: number;
}

/** Count, sum and mean of a histogram per label set, summed over the samples given (several processes). Pure. */
export function histogramMeans(samples: readonly MetricSample[], name: string): HistogramMean[] {
  const acc = new Map<string, { count: number; sum: number }>();
  const keyOf = (labels: Record<string, string>): string =>
    Object.entries(labels)
      .filter(([k]) => k !== 'le')
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join(' ');
  for (const s of samples) {
    const field = s.name === `${name}_count` ? 'count' : s.name === `${name}_sum` ? 'sum' : undefined;
    if (field === undefined) {
      continue;
    }
    const key = keyOf(s.labels);
    const entry = acc.get(key) ?? { count: 0, sum: 0 };
    entry[field] += s.value;
    acc.set(key, entry);
  }
  return [...acc.entries()]
    .map(([key, { count, sum }]) => ({ key, count, sum, mean: count === 0 ? 0 : sum / count }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

/** Sum of a counter per label set over the samples given. Pure. */
export function counterTotals(
  samples: readonly MetricSample[],
  name: string,
): Array<{ key: string; value: number }> {
  const acc = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== name && s.name !== `${name}_total`) {
      continue;
    }
    const key = Object.entries(s.labels)
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join(' ');
    acc.set(key, (acc.get(key) ?? 0) + s.value);
  }
  return [...acc.entries()]
    .map(([key, value]) => ({ key, value }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

/** A TCP port free on loopback right now (for a service process's METRICS_PORT). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** GET /metrics of a service process. */
export async function scrapeMetrics(port: number): Promise<MetricSample[]> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!response.ok) {
    throw new Error(`GET /metrics on port ${port} answered ${response.status}`);
  }
  return parsePrometheus(await response.text());
}

/**
 * What the service processes say about themselves after a run (their /metrics, summed over processes): batch sizes,
 * Genesys call latency seen by the client, job durations, budget waits and 429s. One Markdown table. Pure.
 */
export function serviceMetricsRows(
  samples: readonly MetricSample[],
): Array<[string, string, number, number]> {
  const rows: Array<[string, string, number, number]> = [];
  const ms = (seconds: number): number => Math.round(seconds * 10_000) / 10;
  for (const h of histogramMeans(samples, 'gpw_genesys_batch_size')) {
    rows.push(['agents per Genesys presence call', h.key, h.count, Math.round(h.mean * 10) / 10]);
  }
  for (const h of histogramMeans(samples, 'gpw_genesys_call_duration_seconds')) {
    rows.push(['Genesys call latency, mean ms (client side)', h.key, h.count, ms(h.mean)]);
  }
  for (const h of histogramMeans(samples, 'gpw_job_duration_seconds')) {
    rows.push(['job duration, mean ms', h.key, h.count, ms(h.mean)]);
  }
  for (const name of [
    'gpw_genesys_budget_waits_total',
    'gpw_genesys_rate_limited_total',
    'gpw_jobs_delayed_total',
  ]) {
    for (const c of counterTotals(samples, name)) {
      rows.push([name.replace(/^gpw_/, ''), c.key, c.value, c.value]);
    }
  }
  return rows;
}
