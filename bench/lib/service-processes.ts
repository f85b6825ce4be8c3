import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ChildNode } from './worker-process';

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
}

/** The folder CPU profiles of a run go to. */
export function profileDir(runDir: string): string {
  return path.join(runDir, 'profiles');
}

/**
 * Starts `count` service processes with the production entry point (`node dist/main.js start --role …`), each
 * ready when it sends `ready` (every component started), logs in `<runDir>/<label>-<i>.log`.
 */
export async function startServiceProcesses(options: ServiceProcessOptions): Promise<ChildNode[]> {
  const flags: string[] = [...(options.nodeFlags ?? [])];
  if (options.profile === true) {
    await mkdir(profileDir(options.runDir), { recursive: true });
    flags.push('--cpu-prof', `--cpu-prof-dir=${profileDir(options.runDir)}`);
  }
  const started: ChildNode[] = [];
  try {
    for (let i = 0; i < options.count; i += 1) {
      const label = `${options.label}-${i}`;
      started.push(
        await ChildNode.start({
          label,
          args: ['dist/main.js', 'start', '--role', options.roles],
          nodeFlags: options.profile === true ? [...flags, `--cpu-prof-name=${label}.cpuprofile`] : flags,
          env: options.env,
          logFile: path.join(options.runDir, `${label}.log`),
        }),
      );
    }
  } catch (err) {
    await stopAll(started);
    throw err;
  }
  return started;
}

/** SIGTERM to each (they drain), waiting for all to exit. */
export async function stopAll(processes: readonly ChildNode[]): Promise<void> {
  await Promise.allSettled(processes.map((p) => p.stop()));
}
