import { readFile } from 'node:fs/promises';

/** Anything that answers INFO (an ioredis connection). */
export interface InfoClient {
  info(section: string): Promise<string>;
}

/** Fields of a Redis INFO reply as numbers where they are numbers. Pure. */
export function parseInfo(info: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of info.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) {
      out[line.slice(0, colon)] = line.slice(colon + 1);
    }
  }
  return out;
}

/** Total commands executed, from an INFO commandstats reply (`cmdstat_x:calls=N,…`). Pure. */
export function commandCalls(commandstats: string): number {
  let total = 0;
  for (const match of commandstats.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) {
    total += Number(match[1]);
  }
  return total;
}

/** User + system CPU seconds of a process from /proc/<pid>/stat (Linux; clock ticks of 1/100 s). */
export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: fields after it start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / 100;
}

export interface CpuSnapshot {
  redisCpuSeconds: number;
  redisCommands: number;
  /** CPU seconds by label (this process, each child). */
  processes: Record<string, number>;
}

/**
 * Where the CPU of a run goes: Redis (the shared server: its CPU includes anyone else's commands during the run),
 * this process and the given children. Take one snapshot before and one after; `diffCpu` gives the run's share.
 */
export async function snapshotCpu(redis: InfoClient, children: Record<string, number>): Promise<CpuSnapshot> {
  const [cpu, stats] = await Promise.all([redis.info('cpu'), redis.info('commandstats')]);
  const info = parseInfo(cpu);
  const processes: Record<string, number> = {};
  const self = process.cpuUsage();
  processes['bench process'] = (self.user + self.system) / 1e6;
  for (const [label, pid] of Object.entries(children)) {
    processes[label] = await processCpuSeconds(pid).catch(() => Number.NaN);
  }
  return {
    redisCpuSeconds: Number(info.used_cpu_user ?? 0) + Number(info.used_cpu_sys ?? 0),
    redisCommands: commandCalls(stats),
    processes,
  };
}

export interface CpuUse {
  redisCpuSeconds: number;
  redisCommands: number;
  processes: Record<string, number>;
}

/** The difference of two snapshots. Pure. */
export function diffCpu(before: CpuSnapshot, after: CpuSnapshot): CpuUse {
  const processes: Record<string, number> = {};
  for (const [label, value] of Object.entries(after.processes)) {
    processes[label] = value - (before.processes[label] ?? 0);
  }
  return {
    redisCpuSeconds: after.redisCpuSeconds - before.redisCpuSeconds,
    redisCommands: after.redisCommands - before.redisCommands,
    processes,
  };
}
