import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The require hook that runs the TypeScript sources directly (swc, no type check). */
const TS_HOOK = path.join(REPO_ROOT, 'scripts', 'bench-ts-hook.js');

/**
 * How a service child is started:
 * - `source` (default): `node --require scripts/bench-ts-hook.js src/main.ts start …` — always the code the test
 *   was written against, with no stale `dist/` to trip over;
 * - `dist`: `node dist/main.js start …`, the production artefact (`npm run build` first). Chosen with
 *   `CHAOS_SERVICE_ENTRY=dist`.
 */
export function serviceEntry(): string[] {
  if (process.env.CHAOS_SERVICE_ENTRY === 'dist') {
    const main = path.join(REPO_ROOT, 'dist', 'main.js');
    if (!existsSync(main)) {
      throw new Error('CHAOS_SERVICE_ENTRY=dist but dist/main.js is missing: run `npm run build` first');
    }
    return [main];
  }
  return ['--require', TS_HOOK, path.join(REPO_ROOT, 'src', 'main.ts')];
}

export interface ChildSpec {
  /** Name in messages and log file names, e.g. `worker-1`. */
  label: string;
  /** Arguments after `node` (script first). */
  args: readonly string[];
  env: Record<string, string>;
  /** stdout + stderr of the child are appended here. */
  logFile: string;
  /** Longest wait for readiness (default 30 s). */
  readyTimeoutMs?: number;
  /** Which IPC message means ready (default: the string `ready`, as `presence-worker start` sends). */
  isReady?: (message: unknown) => boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * One child process of a chaos test: output kept in memory (for the secret scan) and in a log file (for the
 * person reading a failure), readiness over IPC, SIGKILL / SIGSTOP on demand, RSS from /proc. Every instance is
 * registered so {@link killAllChildren} can end whatever a failed test left behind.
 */
export class ChaosChild {
  private static readonly live = new Set<ChaosChild>();
  private readonly chunks: Buffer[] = [];
  private readonly log: WriteStream;
  private exitInfo: ExitInfo | undefined;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;

  private constructor(
    readonly spec: ChildSpec,
    private readonly child: ChildProcess,
  ) {
    this.log = createWriteStream(spec.logFile, { flags: 'a' });
    const collect = (chunk: Buffer): void => {
      this.chunks.push(chunk);
      this.log.write(chunk);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = once(child, 'exit').then(([code, signal]) => {
      this.exitInfo = { code: code as number | null, signal: signal as NodeJS.Signals | null };
      ChaosChild.live.delete(this);
      return this.exitInfo;
    });
    // Output may still be in the pipes when `exit` fires: end the log once both streams closed.
    void once(child, 'close').then(() => this.log.end());
    ChaosChild.live.add(this);
  }

  /** Spawns the child and waits until it says it is ready (or fails with the tail of its output). */
  static async start(spec: ChildSpec): Promise<ChaosChild> {
    const child = spawn(process.execPath, [...spec.args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const node = new ChaosChild(spec, child);
    const isReady = spec.isReady ?? ((m: unknown) => m === 'ready');
    const timeoutMs = spec.readyTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    let onMessage: ((m: unknown) => void) | undefined;
    try {
      await Promise.race([
        new Promise<void>((resolve) => {
          onMessage = (message: unknown): void => {
            if (isReady(message)) {
              resolve();
            }
          };
          child.on('message', onMessage);
        }),
        node.exited.then((info) => {
          throw new Error(
            `${spec.label} exited before it was ready (code ${info.code}, signal ${info.signal}):\n${node.tail(20)}`,
          );
        }),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${spec.label} not ready within ${timeoutMs} ms:\n${node.tail(20)}`)),
            timeoutMs,
          );
        }),
      ]);
    } catch (err) {
      await node.kill('SIGKILL');
      throw err;
    } finally {
      clearTimeout(timer);
      if (onMessage !== undefined) {
        child.off('message', onMessage);
      }
    }
    return node;
  }

  get label(): string {
    return this.spec.label;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Everything the child wrote so far (stdout and stderr interleaved as received). */
  output(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  /** The last `lines` lines of output. */
  tail(lines: number): string {
    return this.output()
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  }

  /** Parsed pino lines (non-JSON lines are skipped). */
  logLines(): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const line of this.output().split('\n')) {
      if (line.startsWith('{')) {
        try {
          out.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // a line cut by a SIGKILL
        }
      }
    }
    return out;
  }

  /** Sends `signal` and waits for the exit (SIGKILL, SIGTERM…); resolves at once if already gone. */
  async kill(signal: NodeJS.Signals): Promise<ExitInfo> {
    if (this.exitInfo !== undefined) {
      return this.exitInfo;
    }
    this.child.kill(signal);
    return this.exited;
  }

  /** SIGSTOP / SIGCONT: the process freezes without closing its sockets. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    if (this.exitInfo === undefined) {
      this.child.kill(signal);
    }
  }

  /** Graceful stop: SIGTERM, SIGKILL after `graceMs`. Resolves with how it ended. */
  async stop(graceMs = 15_000): Promise<ExitInfo> {
    if (this.exitInfo !== undefined) {
      return this.exitInfo;
    }
    this.child.kill('SIGCONT');
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const info = await Promise.race([
      this.exited,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), graceMs);
      }),
    ]);
    clearTimeout(timer);
    return info ?? this.kill('SIGKILL');
  }

  /** Resident set size in MiB (Linux /proc). */
  async rssMiB(): Promise<number> {
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    if (match === null) {
      throw new Error(`no VmRSS for ${this.label}`);
    }
    return Number(match[1]) / 1024;
  }

  /** CPU time (user + system) the process has used so far, in seconds (Linux /proc, 100 ticks/s). */
  async cpuSeconds(): Promise<number> {
    const stat = await readFile(`/proc/${this.pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  }

  /** SIGKILLs every child still running (afterAll safety net). */
  static async killAll(): Promise<void> {
    await Promise.all([...ChaosChild.live].map((c) => c.kill('SIGKILL')));
  }
}

/** SIGKILLs every chaos child still running (call in afterAll). */
export function killAllChildren(): Promise<void> {
  return ChaosChild.killAll();
}

/** One role set of the service as a child process (`presence-worker start --role <roles>`). */
export function startServiceProcess(options: {
  label: string;
  roles: string;
  env: Record<string, string>;
  logDir: string;
  readyTimeoutMs?: number;
}): Promise<ChaosChild> {
  return ChaosChild.start({
    label: options.label,
    args: [...serviceEntry(), 'start', '--role', options.roles],
    env: options.env,
    logFile: path.join(options.logDir, `${options.label}.log`),
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
  });
}

/** Runs one CLI command of the service to its end (bounded): exit code and output. */
export function runCli(
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...serviceEntry(), ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`presence-worker ${args.join(' ')} did not end within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
