import {
  COMMON_OPTIONS,
  parseBenchOptions,
  positiveInt,
  settingsOverrides,
  usage,
  type OptionSpec,
} from '../../bench/lib/bench-options';

const spec: OptionSpec = {
  runs: { type: 'string', default: '3', describe: 'runs' },
  ...COMMON_OPTIONS,
};

describe('benchmark options', () => {
  it('takes defaults, negations and repeated --set', () => {
    const options = parseBenchOptions(
      ['--runs', '5', '--no-record', '--set', 'BATCH_WINDOW_MS=5', '--set', 'WORKER_CONCURRENCY=200'],
      spec,
    );
    expect(positiveInt(options, 'runs')).toBe(5);
    expect(options.record).toBe(false);
    expect(options.profile).toBe(false);
    expect(settingsOverrides(options)).toEqual({ BATCH_WINDOW_MS: '5', WORKER_CONCURRENCY: '200' });
    expect(settingsOverrides(parseBenchOptions([], spec))).toEqual({});
  });

  it('keeps "=" inside a setting value', () => {
    const options = parseBenchOptions(['--set', 'API_KEYS=[{"k":"a=b"}]'], spec);
    expect(settingsOverrides(options)).toEqual({ API_KEYS: '[{"k":"a=b"}]' });
  });

  it('refuses unknown options, malformed settings and non-positive counts', () => {
    expect(() => parseBenchOptions(['--nope'], spec)).toThrow();
    expect(() => settingsOverrides(parseBenchOptions(['--set', 'NOVALUE'], spec))).toThrow(RangeError);
    expect(() => positiveInt(parseBenchOptions(['--runs', '0'], spec), 'runs')).toThrow(RangeError);
    expect(() => positiveInt(parseBenchOptions(['--runs', '2.5'], spec), 'runs')).toThrow(RangeError);
  });

  it('lists every option with its default in the usage', () => {
    const text = usage('burst', spec);
    expect(text).toContain('npm run bench -- burst');
    expect(text).toMatch(/--runs\s+runs \(default 3\)/);
    expect(text).toContain('--set');
  });
});
