import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

/** Resolves once a Redis answers on `port` (a fresh connection gets `ready`), or rejects after `timeoutMs`. */
export async function waitForRedis(port: number, timeoutMs = 10_000): Promise<void> {
  const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
  client.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      timer = setTimeout(
        () => reject(new Error(`redis on ${port} not ready within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

export interface OwnRedisOptions {
  /** Extra `redis-server` arguments (`--cluster-enabled yes`, …). */
  args?: readonly string[];
  /** Use this folder (kept across restarts); default a new temp folder removed by `destroy()`. */
  dir?: string;
  port?: number;
}

/**
 * A `redis-server` that belongs to one test: loopback only, a free port, its own temp folder, AOF on with
 * `appendfsync always` (a SIGKILL loses nothing acknowledged), `noeviction` as production runs it. It can be
 * killed, restarted on the same port with the same data, frozen (SIGSTOP) and thawed. Never the shared Redis.
 */
export class OwnRedis {
  private process: ChildProcess | undefined;
  private exited: Promise<unknown> | undefined;
  private output = '';

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly ownsDir: boolean,
    private readonly extraArgs: readonly string[],
  ) {}

  static async start(options: OwnRedisOptions = {}): Promise<OwnRedis> {
    const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'chaos-redis-')));
    const redis = new OwnRedis(
      options.port ?? (await freePort()),
      dir,
      options.dir === undefined,
      options.args ?? [],
    );
    await redis.launch();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.process?.pid ?? -1;
  }

  get running(): boolean {
    return this.process !== undefined;
  }

  /** What redis-server printed (for failure messages). */
  log(): string {
    return this.output;
  }

  private async launch(): Promise<void> {
    const args = [
      '--bind',
      '127.0.0.1',
      '--port',
      String(this.port),
      '--dir',
      this.dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
      '--protected-mode',
      'no',
      ...this.extraArgs,
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => {
      this.output += d.toString('utf8');
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.output += d.toString('utf8');
    });
    this.process = child;
    this.exited = once(child, 'exit').then(() => {
      if (this.process === child) {
        this.process = undefined;
      }
    });
    try {
      await waitForRedis(this.port);
    } catch (err) {
      await this.kill();
      throw new Error(`${(err as Error).message}\n${this.output.slice(-2000)}`);
    }
  }

  /** SIGKILL (a crash): only what the AOF holds survives. */
  async kill(): Promise<void> {
    const child = this.process;
    if (child === undefined) {
      return;
    }
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await this.exited;
  }

  /** Starts it again on the same port and folder after a `kill()` (the AOF is replayed). */
  async boot(): Promise<void> {
    if (this.process !== undefined) {
      throw new Error(`redis on ${this.port} is running`);
    }
    await this.launch();
  }

  /** SIGKILL and start again at once on the same port and folder (the AOF is replayed). */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  /** Freezes the server: connections stay open, nothing answers (a network partition as clients see it). */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }

  /** A client for assertions (close it yourself). */
  client(): Redis {
    return new Redis({ host: '127.0.0.1', port: this.port, maxRetriesPerRequest: null });
  }

  /** Kills the server and removes its folder (if the folder was made here). */
  async destroy(): Promise<void> {
    await this.kill();
    if (this.ownsDir) {
      await rm(this.dir, { recursive: true, force: true });
    }
  }
}
