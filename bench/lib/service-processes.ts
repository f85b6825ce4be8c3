import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { freePort, scrapeMetrics, type MetricSample } from './service-metrics';
import { ChildNode, REPO_ROOT } from './worker-process';

export interface ServiceProcessOptions {
  /** How many processes. */
  count: number;
  /** `presence-worker start --role <roles>`. */
  roles: string;
  env: Record<string, string>;
  runDir: string;
  label: string;
  /** Run with `--cpu-prof`; profiles land in `<runDir>/profiles/` when the process exits. */
  profile?: boolean;
  /** More Node flags (e.g. `--heapsnapshot-signal=SIGUSR2`). */
  nodeFlags?: readonly string[];
  /** Serve /metrics on a free loopback port per process (METRICS_PORT), for {@link scrapeAll}. Default true. */
  metrics?: boolean;
}

/**
 * The Node flags production gives a process of these roles: the `node_args` of the PM2 app in ecosystem.config.js
 * that runs `start --role <roles>` (the shared ones when no app runs exactly those roles), so a benchmark measures
 * the process as it is deployed — the heap cap included.
 */
export function deployedNodeFlags(roles: string): string[] {
  // ecosystem.config.js is the PM2 process file (CommonJS, no types).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ecosystem = require(path.join(REPO_ROOT, 'ecosystem.config.js')) as {
    apps: { args?: string; node_args?: string }[];
  };
  const app =
    ecosystem.apps.find((a) => a.args === `start --role ${roles}`) ??
    ecosystem.apps.find((a) => a.args === 'start --role worker');
  return (app?.node_args ?? '').split(/\s+/).filter((f) => f !== '');
}

/** The folder CPU profiles of a run go to. */
export function profileDir(runDir: string): string {
  return path.join(runDir, 'profiles');
}

/**
 * Starts `count` service processes with the production entry point and Node flags (`node <deployed flags>
 * dist/main.js start --role …`), each
 * ready when it sends `ready` (every component started), logs in `<runDir>/<label>-<i>.log`.
 */
export async function startServiceProcesses(options: ServiceProcessOptions): Promise<ChildNode[]> {
  const flags: string[] = [...deployedNodeFlags(options.roles), ...(options.nodeFlags ?? [])];
  if (options.profile === true) {
    await mkdir(profileDir(options.runDir), { recursive: true });
    flags.push('--cpu-prof', `--cpu-prof-dir=${profileDir(options.runDir)}`);
  }
  const started: ChildNode[] = [];
  try {
    for (let i = 0; i < options.count; i += 1) {
      const label = `${options.label}-${i}`;
      const metricsPort = options.metrics === false ? undefined : await freePort();
      const child = await ChildNode.start({
        label,
        args: ['dist/main.js', 'start', '--role', options.roles],
        nodeFlags: options.profile === true ? [...flags, `--cpu-prof-name=${label}.cpuprofile`] : flags,
        env: metricsPort === undefined ? options.env : { ...options.env, METRICS_PORT: String(metricsPort) },
        logFile: path.join(options.runDir, `${label}.log`),
      });
      child.metricsPort = metricsPort;
      started.push(child);
    }
  } catch (err) {
    await stopAll(started);
    throw err;
  }
  return started;
}

/** The /metrics samples of every process that serves them (concatenated; sum them per series). */
export async function scrapeAll(processes: readonly ChildNode[]): Promise<MetricSample[]> {
  const all = await Promise.all(
    processes.map((p) => (p.metricsPort === undefined ? Promise.resolve([]) : scrapeMetrics(p.metricsPort))),
  );
  return all.flat();
}

/** SIGTERM to each (they drain), waiting for all to exit. */
export async function stopAll(processes: readonly ChildNode[]): Promise<void> {
  await Promise.allSettled(processes.map((p) => p.stop()));
}
