/** One Prometheus sample: `name{labels}` → value. */
export type MetricSamples = Map<string, number>;

/** Scrapes `/metrics` (Prometheus text format) into `name{label="v",…}` → value (labels as exposed). */
export async function scrapeMetrics(baseUrl: string): Promise<MetricSamples> {
  const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  const samples: MetricSamples = new Map();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') {
      continue;
    }
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** Sum of every sample of `name` whose labels include all of `labels` (e.g. `{ state: 'open' }`). */
export function metricSum(samples: MetricSamples, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const [key, value] of samples) {
    const brace = key.indexOf('{');
    const metric = brace < 0 ? key : key.slice(0, brace);
    if (metric !== name) {
      continue;
    }
    const labelText = brace < 0 ? '' : key.slice(brace);
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) {
      sum += value;
    }
  }
  return sum;
}

/**
 * Re-scrapes until `accept` holds (bounded; rejects after `timeoutMs` with the last samples' matching lines).
 * The process under test is another process, so its state is read on a short period.
 */
export async function waitForMetrics(
  baseUrl: string,
  what: string,
  accept: (samples: MetricSamples) => boolean,
  timeoutMs: number,
): Promise<MetricSamples> {
  const deadline = Date.now() + timeoutMs;
  let last: MetricSamples = new Map();
  for (;;) {
    last = await scrapeMetrics(baseUrl).catch(() => last);
    if (accept(last)) {
      return last;
    }
    if (Date.now() > deadline) {
      const shown = [...last].filter(([k]) => k.startsWith('gpw_')).map(([k, v]) => `${k} ${v}`);
      throw new Error(
        `${what}: not within ${timeoutMs} ms; last gpw samples:\n${shown.slice(0, 60).join('\n')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
