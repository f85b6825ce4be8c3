import { commandCalls, commandCounts, diffCpu, parseInfo } from '../../bench/lib/cpu-accounting';

describe('benchmark CPU accounting', () => {
  it('reads the fields of a Redis INFO reply', () => {
    const info = parseInfo('# CPU\r\nused_cpu_sys:18.47\r\nused_cpu_user:166.35\r\n');
    expect(info.used_cpu_sys).toBe('18.47');
    expect(info.used_cpu_user).toBe('166.35');
    expect(info['# CPU']).toBeUndefined();
  });

  it('adds up the calls of every command in INFO commandstats', () => {
    const stats = [
      '# Commandstats',
      'cmdstat_evalsha:calls=120,usec=900,usec_per_call=7.50,rejected_calls=0,failed_calls=0',
      'cmdstat_hget:calls=30,usec=20,usec_per_call=0.67,rejected_calls=0,failed_calls=0',
      'cmdstat_client|setname:calls=2,usec=1,usec_per_call=0.50,rejected_calls=0,failed_calls=0',
    ].join('\r\n');
    expect(commandCalls(stats)).toBe(152);
    expect(commandCounts(stats)).toEqual({ evalsha: 120, hget: 30, 'client|setname': 2 });
    expect(commandCalls('')).toBe(0);
  });

  it('gives the CPU used between two snapshots', () => {
    const before = {
      redisCpuSeconds: 10,
      redisCommands: 1_000,
      redisByCommand: { evalsha: 900, hget: 100 },
      processes: { 'bench process': 1, 'worker 0': 2 },
    };
    const after = {
      redisCpuSeconds: 12.5,
      redisCommands: 4_000,
      redisByCommand: { evalsha: 3_000, hget: 100, zadd: 900 },
      processes: { 'bench process': 3, 'worker 0': 7 },
    };
    expect(diffCpu(before, after)).toEqual({
      redisCpuSeconds: 2.5,
      redisCommands: 3_000,
      redisByCommand: { evalsha: 2_100, zadd: 900 },
      processes: { 'bench process': 2, 'worker 0': 5 },
    });
  });
});
