import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as netConnect, createServer } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DemoRedis {
  url: string;
  /** True when the demo started its own redis-server (stopped by `stop()`). */
  privateServer: boolean;
  stop(): Promise<void>;
}

/**
 * Does a Redis answer at `url` within `timeoutMs`? A raw PING over TCP (TLS for rediss://): any RESP answer,
 * `-NOAUTH` included, means a server is there.
 */
export function redisAnswers(url: string, timeoutMs = 1_500): Promise<boolean> {
  const target = new URL(url);
  const port = Number(target.port || 6379);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket =
      target.protocol === 'rediss:'
        ? tlsConnect({ host, port, servername: host, rejectUnauthorized: false })
        : netConnect({ host, port });
    const finish = (answer: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once(target.protocol === 'rediss:' ? 'secureConnect' : 'connect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk: Buffer) => finish(/^[+-]/.test(chunk.toString())));
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    throw new Error('could not find a free port');
  }
  return address.port;
}

/** Waits until redis-server says it accepts connections, or fails with its own words. */
function untilReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => fail(new Error(`redis-server did not start within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        done();
        resolve();
      }
    };
    const onExit = (code: number | null): void =>
      fail(new Error(`redis-server exited (${code}): ${output.slice(-500)}`));
    const onError = (err: Error): void => fail(err);
    function done(): void {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    }
    function fail(err: Error): void {
      done();
      reject(err);
    }
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/**
 * The Redis the demo uses: the one at `url` when it answers; otherwise, if `redis-server` is installed, a
 * private one on a free loopback port with no persistence, in a temporary folder, stopped (and the folder
 * removed) by `stop()`.
 */
export async function ensureDemoRedis(url: string, redisServer = 'redis-server'): Promise<DemoRedis> {
  if (await redisAnswers(url)) {
    return { url, privateServer: false, stop: async () => undefined };
  }
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'presence-demo-redis-'));
  const child = spawn(
    redisServer,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    await untilReady(child, 10_000);
  } catch (err) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    const missing = (err as { code?: string }).code === 'ENOENT';
    throw new Error(
      missing
        ? `no Redis answers at ${url} and redis-server is not installed: start Redis or set REDIS_URL`
        : `no Redis answers at ${url} and a private redis-server could not start: ${(err as Error).message}`,
    );
  }
  child.stdout?.resume();
  child.stderr?.resume();
  let stopped: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    privateServer: true,
    stop: () => {
      stopped ??= (async () => {
        if (child.exitCode === null) {
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        }
        await rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
