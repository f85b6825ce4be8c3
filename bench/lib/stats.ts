/** Small, pure statistics for benchmark results (tested in test/unit/bench-stats.test.ts). */

function finite(values: readonly number[], what: string): number[] {
  if (values.length === 0) {
    throw new RangeError(`${what} of no values`);
  }
  for (const v of values) {
    if (!Number.isFinite(v)) {
      throw new RangeError(`${what}: ${v} is not a finite number`);
    }
  }
  return [...values].sort((a, b) => a - b);
}

/** The median (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const sorted = finite(values, 'median');
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The p-th percentile (0 < p ≤ 100) by the nearest-rank method: the smallest value such that at least p % of the
 * values are ≤ it. Always one of the measured values (no interpolation), the usual choice for latencies.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) {
    throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  }
  const sorted = finite(values, 'percentile');
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)]!;
}

export function mean(values: readonly number[]): number {
  const sorted = finite(values, 'mean');
  return sorted.reduce((sum, v) => sum + v, 0) / sorted.length;
}

export interface Summary {
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = finite(values, 'summary');
  return {
    count: sorted.length,
    min: sorted[0]!,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1]!,
    mean: mean(sorted),
  };
}

/** The element whose `key` is the median of the set (the lower middle one for an even count): a "median run". */
export function medianBy<T>(items: readonly T[], key: (item: T) => number): T {
  if (items.length === 0) {
    throw new RangeError('medianBy of no items');
  }
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** `value` rounded to `digits` decimals, as a number (for tables and result lines). */
export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
