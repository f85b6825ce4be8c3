import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface ChildOptions {
  /** Script and arguments after `node` (e.g. `['dist/main.js', 'start', '--role', 'worker']`). */
  args: readonly string[];
  /** Extra Node flags (e.g. `--cpu-prof`). */
  nodeFlags?: readonly string[];
  env: Record<string, string>;
  /** stdout and stderr of the child go here (never to the bench's stdout: its last line is the result). */
  logFile: string;
  /** Longest wait for the child's `ready` IPC message. */
  readyTimeoutMs?: number;
  /** Which IPC message means ready (default: the string `ready`). */
  isReady?: (message: unknown) => boolean;
  label: string;
}

/** Every child process still running, so an interrupted bench can stop them all. */
const running = new Set<ChildNode>();

/** SIGTERM to every child process still running (an interrupted bench); resolves when they are gone. */
export async function stopAllChildren(): Promise<void> {
  await Promise.allSettled([...running].map((c) => c.stop(5_000)));
}

/**
 * A Node child process that announces readiness over IPC (`process.send('ready')`, as `presence-worker start` does
 * for PM2), with its output in a log file. `stop()` sends SIGTERM and waits for the exit (SIGKILL after a grace).
 */
export class ChildNode {
  private exited = false;
  private readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The IPC message that announced readiness. */
  readyMessage: unknown;
  /** Port of the process's /metrics, when it serves one. */
  metricsPort: number | undefined;

  private constructor(
    readonly label: string,
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    running.add(this);
    this.exit = once(child, 'exit').then(([code, signal]) => {
      this.exited = true;
      running.delete(this);
      return { code: code as number | null, signal: signal as NodeJS.Signals | null };
    });
  }

  static async start(options: ChildOptions): Promise<ChildNode> {
    const log = createWriteStream(options.logFile, { flags: 'a' });
    await once(log, 'open');
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...options.args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('exit', () => {
      setImmediate(() => log.end());
    });
    const node = new ChildNode(options.label, child, options.logFile);
    const timeoutMs = options.readyTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((resolve) => {
          const isReady = options.isReady ?? ((m: unknown) => m === 'ready');
          const onMessage = (message: unknown): void => {
            if (isReady(message)) {
              node.readyMessage = message;
              child.off('message', onMessage);
              resolve();
            }
          };
          child.on('message', onMessage);
        }),
        node.exit.then(({ code, signal }) => {
          throw new Error(
            `${options.label} exited before ready (code ${code}, signal ${signal}); see ${options.logFile}`,
          );
        }),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(
            () =>
              reject(new Error(`${options.label} not ready after ${timeoutMs} ms; see ${options.logFile}`)),
            timeoutMs,
          );
        }),
      ]);
    } catch (err) {
      await node.stop();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return node;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Sends a signal (e.g. SIGUSR2 for a heap snapshot). */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Sends a message over IPC (children that take commands). */
  send(message: unknown): void {
    this.child.send?.(message as never);
  }

  /** Calls `listener` with every IPC message from now on; returns the unsubscribe function. */
  onMessage(listener: (message: unknown) => void): () => void {
    this.child.on('message', listener);
    return () => this.child.off('message', listener);
  }

  /** The next IPC message that satisfies `accept`. */
  nextMessage<T>(accept: (m: unknown) => m is T, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.off('message', onMessage);
        reject(new Error(`${this.label}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (m: unknown): void => {
        if (accept(m)) {
          clearTimeout(timer);
          this.child.off('message', onMessage);
          resolve(m);
        }
      };
      this.child.on('message', onMessage);
    });
  }

  /** Resident set size in MiB, from /proc (Linux). */
  async rssMiB(): Promise<number> {
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    if (match === null) {
      throw new Error(`no VmRSS for ${this.label}`);
    }
    return Number(match[1]) / 1024;
  }

  /** Peak resident set size in MiB since start (VmHWM). */
  async peakRssMiB(): Promise<number> {
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    if (match === null) {
      throw new Error(`no VmHWM for ${this.label}`);
    }
    return Number(match[1]) / 1024;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code once the process is gone. */
  async stop(graceMs = 20_000): Promise<number | null> {
    if (!this.exited) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!this.exited) {
          this.child.kill('SIGKILL');
        }
      }, graceMs);
      try {
        return (await this.exit).code;
      } finally {
        clearTimeout(timer);
      }
    }
    return (await this.exit).code;
  }
}
