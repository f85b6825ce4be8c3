import os from 'node:os';

/** What a result was measured on (the machine is shared and noisy: keep this next to every figure). */
export interface MachineDescription {
  cpuModel: string;
  cores: number;
  ramGiB: number;
  os: string;
  node: string;
  redis: string;
  /** 1-minute load average when the bench started: a hint of how busy the shared machine was. */
  loadAverage: number;
}

/** Anything that can answer `INFO server` (an ioredis connection). */
export interface InfoSource {
  info(section: 'server'): Promise<string>;
}

/** Reads `redis_version` out of an `INFO server` reply. */
export function redisVersionOf(info: string): string {
  const match = /^redis_version:(\S+)/m.exec(info);
  return match?.[1] ?? 'unknown';
}

export async function describeMachine(redis: InfoSource): Promise<MachineDescription> {
  const cpus = os.cpus();
  return {
    cpuModel: (cpus[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim(),
    cores: os.availableParallelism?.() ?? cpus.length,
    ramGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    redis: redisVersionOf(await redis.info('server')),
    loadAverage: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** One line: `AMD EPYC, 2 cores, 23.5 GiB RAM, Linux 6.1 x64, Node v20.20.2, Redis 7.0.15` (the load is reported apart). */
export function formatMachine(m: MachineDescription): string {
  return [
    m.cpuModel,
    `${m.cores} cores`,
    `${m.ramGiB} GiB RAM`,
    m.os,
    `Node ${m.node}`,
    `Redis ${m.redis}`,
  ].join(', ');
}
