import { mean, median, medianBy, percentile, round, summarize } from '../../bench/lib/stats';

describe('benchmark statistics', () => {
  it.each([
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[10, 10, 1, 1000, 10], 10],
  ])('median of %j is %d', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it('takes the nearest-rank percentile, always a measured value', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7, 3, 9], 50)).toBe(7);
    expect(percentile([7, 3, 9], 99)).toBe(9);
    expect(percentile([42], 1)).toBe(42);
  });

  it('does not depend on the input order and does not reorder the input', () => {
    const values = [9, 1, 8, 2, 7, 3];
    const copy = [...values];
    expect(percentile(values, 50)).toBe(3);
    expect(median(values)).toBe(5);
    expect(values).toEqual(copy);
  });

  it('summarizes count, min, percentiles, max and mean', () => {
    expect(summarize([4, 2, 6, 8])).toEqual({ count: 4, min: 2, p50: 4, p95: 8, p99: 8, max: 8, mean: 5 });
    expect(mean([1, 2, 3, 4])).toBe(2.5);
  });

  it('refuses empty input, non-finite values and percentiles outside (0, 100]', () => {
    expect(() => median([])).toThrow(RangeError);
    expect(() => percentile([1, Number.NaN], 50)).toThrow(RangeError);
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => medianBy([], (x: number) => x)).toThrow(RangeError);
  });

  it('picks the median run (the lower middle one for an even count)', () => {
    const runs = [{ s: 12 }, { s: 10 }, { s: 30 }];
    expect(medianBy(runs, (r) => r.s)).toBe(runs[0]);
    expect(medianBy([{ s: 4 }, { s: 1 }, { s: 3 }, { s: 2 }], (r) => r.s)).toEqual({ s: 2 });
  });

  it('rounds to a number of decimals', () => {
    expect(round(12.3456, 2)).toBe(12.35);
    expect(round(12.5)).toBe(13);
    expect(round(0.1 + 0.2, 3)).toBe(0.3);
  });
});
