import { fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis';

const ROOT = join(__dirname, '..', '..');

/** `presence-worker start` as PM2 runs it: an IPC channel, 'ready' once started, SIGINT/SIGTERM drain. */
describe('presence-worker start (child process)', () => {
  const prefix = uniquePrefix('proc');
  const redis = testRedis();
  let emulator: TestEmulator;

  beforeAll(async () => {
    emulator = await startTestEmulator({ agents: 3 });
  });

  afterAll(async () => {
    await emulator.stop();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  function start(args: string[], env: Record<string, string> = {}) {
    const child = fork(join(ROOT, 'src', 'main.ts'), ['start', ...args], {
      execArgv: ['--require', join(ROOT, 'scripts', 'bench-ts-hook.js')],
      env: {
        ...process.env,
        REDIS_URL: testRedisUrl(),
        QUEUE_PREFIX: prefix,
        HTTP_PORT: '0',
        LOG_LEVEL: 'info',
        ...emulator.genesysEnv,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    return { child, output: () => out };
  }

  it.each([['SIGTERM'], ['SIGINT']] as const)(
    "sends 'ready' once started, then drains on %s and exits 0",
    async (signal) => {
      const { child, output } = start(['--role', 'api']);
      const [message] = (await once(child, 'message')) as [unknown];
      expect(message).toBe('ready');
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
      const lines = output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg: string; component?: string });
      expect(lines.map((l) => l.msg)).toEqual(
        expect.arrayContaining(['service started', 'shutting down: draining', 'shutdown complete']),
      );
      expect(lines.filter((l) => l.msg === 'component stopped').map((l) => l.component)).toEqual([
        'http',
        'genesys-client',
        'queues',
        'redis',
      ]);
    },
  );

  it('exits 2 naming the variable when the configuration is invalid', async () => {
    const { child, output } = start(['--role', 'api'], { HTTP_PORT: 'eighty' });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(output()).toContain('HTTP_PORT');
  });

  it('exits 1 at once, saying why, when the Genesys credentials are missing', async () => {
    const { child, output } = start(['--role', 'api'], { GENESYS_CLIENT_SECRET: '' });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(output()).toContain('GENESYS_CLIENT_SECRET');
  });

  it('exits 2 for an unknown role', async () => {
    const { child, output } = start(['--role', 'web']);
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(output()).toContain('unknown role(s) "web"');
  });
});
