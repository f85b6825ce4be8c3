import { renderSection, type BenchSection } from '../../bench/lib/benchmarks-md';
import { formatMachine, redisVersionOf } from '../../bench/lib/machine';
import { formatResultLine, parseResultLine } from '../../bench/lib/result-line';
import { renderTable } from '../../bench/lib/results-table';

const machine = {
  cpuModel: 'AMD EPYC',
  cores: 2,
  ramGiB: 23.5,
  os: 'Linux 6.1 x64',
  node: 'v20.20.2',
  redis: '7.0.15',
  loadAverage: 0.5,
};

describe('benchmark result line', () => {
  it('formats `bench <name>: key=value …` in the order given', () => {
    expect(
      formatResultLine('burst', [
        ['changes', 1000],
        ['seconds', 9.42],
        ['calls', 45],
        ['baseline_seconds', 181.3],
        ['speedup', 19.2],
      ]),
    ).toBe('bench burst: changes=1000 seconds=9.42 calls=45 baseline_seconds=181.3 speedup=19.2');
  });

  it('parses what it formats', () => {
    const line = formatResultLine('latency', [
      ['p50_ms', 41],
      ['p95_ms', 63.5],
      ['note', 'estimated'],
    ]);
    expect(parseResultLine(line)).toEqual({
      name: 'latency',
      fields: { p50_ms: 41, p95_ms: 63.5, note: 'estimated' },
    });
    expect(parseResultLine('something else')).toBeUndefined();
  });

  it('refuses keys and values that would break the format', () => {
    expect(() => formatResultLine('burst', [['Bad Key', 1]])).toThrow(RangeError);
    expect(() => formatResultLine('burst', [['note', 'two words']])).toThrow(RangeError);
    expect(() => formatResultLine('burst', [['x', 'a=b']])).toThrow(RangeError);
    expect(() => formatResultLine('burst', [['x', Number.POSITIVE_INFINITY]])).toThrow(RangeError);
    expect(() => formatResultLine('Burst!', [['x', 1]])).toThrow(RangeError);
  });
});

describe('benchmark results table', () => {
  it('pads a Markdown table and right-aligns numeric columns', () => {
    const table = renderTable(
      ['run', 'seconds', 'calls'],
      [
        ['service', 9.4, 45],
        ['baseline (SDK)', 181.25, 1004],
      ],
    );
    expect(table.split('\n')).toEqual([
      '| run            | seconds | calls |',
      '|----------------|--------:|------:|',
      '| service        |     9.4 |    45 |',
      '| baseline (SDK) |  181.25 |  1004 |',
    ]);
  });

  it('escapes pipes and refuses rows of the wrong width', () => {
    expect(renderTable(['a'], [['x|y']])).toContain('x\\|y');
    expect(() => renderTable(['a', 'b'], [['only one']])).toThrow(RangeError);
    expect(() => renderTable([], [])).toThrow(RangeError);
  });
});

describe('BENCHMARKS.md section', () => {
  it('names the bench, the date, the machine, the setup, the tables, the targets and the result line', () => {
    const section: BenchSection = {
      name: 'memory',
      date: new Date('2026-12-07T10:00:00.123Z'),
      machine,
      command: 'npm run bench -- memory',
      setup: [['agents', 10000]],
      tables: [{ title: 'Worker process', markdown: renderTable(['rss_mb'], [[150]]) }],
      verdicts: ['RSS under 200 MB: met (150 MB)'],
      notes: ['one worker process'],
      resultLine: 'bench memory: agents=10000 rss_mb=150',
    };
    const text = renderSection(section);
    expect(text).toContain('### memory — 2026-12-07T10:00:00Z');
    expect(text).toContain(`- machine: ${formatMachine(machine)}`);
    expect(text).toContain('- agents: 10000');
    expect(text).toContain('Worker process\n\n| rss_mb |');
    expect(text).toContain('- RSS under 200 MB: met (150 MB)');
    expect(text).toContain('```\nbench memory: agents=10000 rss_mb=150\n```');
  });

  it('describes the machine on one line and reads the Redis version from INFO', () => {
    expect(formatMachine(machine)).toBe(
      'AMD EPYC, 2 cores, 23.5 GiB RAM, Linux 6.1 x64, Node v20.20.2, Redis 7.0.15',
    );
    expect(redisVersionOf('# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n')).toBe('7.0.15');
    expect(redisVersionOf('')).toBe('unknown');
  });
});
