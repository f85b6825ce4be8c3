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

/** Calls per command, from an INFO commandstats reply (`cmdstat_x:calls=N,…`). Pure. */
export function commandCounts(commandstats: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const match of commandstats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    out[match[1]!] = Number(match[2]);
  }
  return out;
}

/** Total commands executed, from an INFO commandstats reply. Pure. */
export function commandCalls(commandstats: string): number {
  return Object.values(commandCounts(commandstats)).reduce((n, v) => n + v, 0);
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
  /** Calls per Redis command (commands run inside Lua scripts included). */
  redisByCommand: Record<string, number>;
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
  const byCommand = commandCounts(stats);
  return {
    redisCpuSeconds: Number(info.used_cpu_user ?? 0) + Number(info.used_cpu_sys ?? 0),
    redisCommands: Object.values(byCommand).reduce((n, v) => n + v, 0),
    redisByCommand: byCommand,
    processes,
  };
}

export interface CpuUse {
  redisCpuSeconds: number;
  redisCommands: number;
  redisByCommand: Record<string, number>;
  processes: Record<string, number>;
}

/** The difference of two snapshots. Pure. */
export function diffCpu(before: CpuSnapshot, after: CpuSnapshot): CpuUse {
  const processes: Record<string, number> = {};
  for (const [label, value] of Object.entries(after.processes)) {
    processes[label] = value - (before.processes[label] ?? 0);
  }
  const redisByCommand: Record<string, number> = {};
  for (const [command, calls] of Object.entries(after.redisByCommand)) {
    const delta = calls - (before.redisByCommand[command] ?? 0);
    if (delta > 0) {
      redisByCommand[command] = delta;
    }
  }
  return {
    redisCpuSeconds: after.redisCpuSeconds - before.redisCpuSeconds,
    redisCommands: after.redisCommands - before.redisCommands,
    redisByCommand,
    processes,
  };
}
