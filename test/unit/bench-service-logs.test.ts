import { countWarnings } from '../../bench/lib/service-logs';

describe('service log summary of a benchmark', () => {
  it('counts warnings and errors by message and ignores the rest', () => {
    const lines = [
      '{"level":30,"msg":"service started"}',
      '{"level":40,"msg":"agent leases lost while their change was in flight","users":3}',
      '{"level":40,"msg":"agent leases lost while their change was in flight","users":5}',
      '{"level":50,"msg":"presence change failed for good; dead-lettered"}',
      'not json',
      '{"level":40}',
      '{broken',
    ].join('\n');
    expect(countWarnings(lines)).toEqual([
      { level: 'warn', message: 'agent leases lost while their change was in flight', count: 2 },
      { level: 'error', message: 'presence change failed for good; dead-lettered', count: 1 },
      { level: 'warn', message: '(no message)', count: 1 },
    ]);
  });
});
