import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis';

const ROOT = join(__dirname, '..', '..');
const DEMO_KEY = 'demo-key-presence-worker-not-for-production';

/**
 * `presence-worker demo --seconds 20` as a user runs it (the CLI entry point in a child process, the TypeScript
 * sources loaded through the repository's require hook): it must print its URLs, serve them while it runs,
 * apply changes through the whole pipeline, write the audit log and exit 0 by itself.
 */
describe('npm run demo', () => {
  const prefix = uniquePrefix('demo');
  const redis = testRedis();
  let cwd: string;

  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'presence-demo-'));
  });

  afterAll(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
    await rm(cwd, { recursive: true, force: true });
  });

  it('runs for 20 s: prints the URLs, serves the API, Bull Board and metrics, applies changes, exits 0', async () => {
    const child = spawn(
      process.execPath,
      [
        '--require',
        join(ROOT, 'scripts', 'bench-ts-hook.js'),
        join(ROOT, 'src', 'main.ts'),
        'demo',
        '--seconds',
        '20',
        '--port',
        '0',
        '--agents',
        '40',
      ],
      {
        cwd,
        env: { ...process.env, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = once(child, 'exit');

    // While it runs: the printed URLs answer.
    const metricsUrl = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /Metrics\s+(http:\/\/\S+)/.exec(stdout);
        if (match?.[1] !== undefined) {
          resolve(match[1]);
        }
      });
      child.once('exit', () => reject(new Error(`demo exited early:\n${stdout}\n${stderr}`)));
    });
    const base = metricsUrl.replace(/\/metrics$/, '');
    expect(stdout).toContain(`${base}/admin/queues`);
    expect(stdout).toContain(`${base}/v1`);
    expect(stdout).toContain(DEMO_KEY);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const board = await fetch(`${base}/admin/queues/api/queues`, {
      headers: { authorization: `Basic ${Buffer.from(`demo:${DEMO_KEY}`).toString('base64')}` },
    });
    expect(board.status).toBe(200);
    const openapi = await fetch(`${base}/docs/openapi.json`);
    expect(openapi.status).toBe(200);

    const [code] = (await exited) as [number | null];
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });

    // Summary lines every few seconds, and a final one with traffic served and changes applied.
    const summaries = stdout.split('\n').filter((l) => /^\[\d\d:\d\d\] http \d+ sent/.test(l));
    expect(summaries.length).toBeGreaterThanOrEqual(4);
    const last = summaries[summaries.length - 1]!;
    expect(Number(/202×(\d+)/.exec(last)?.[1] ?? 0)).toBeGreaterThan(20);
    expect(Number(/applied (\d+)/.exec(last)?.[1] ?? 0)).toBeGreaterThan(0);
    expect(last).toMatch(/400×\d+/);

    // The JSONL audit log got the evidence.
    const auditDir = join(cwd, 'data', 'demo', 'audit');
    const files = (await readdir(auditDir)).filter((f) => f.endsWith('.jsonl'));
    expect(files.length).toBeGreaterThan(0);
    const records = (await readFile(join(auditDir, files[0]!), 'utf8')).trim().split('\n');
    expect(records.length).toBeGreaterThan(20);
    expect(records.some((r) => (JSON.parse(r) as { type?: string }).type === 'applied')).toBe(true);
  });
});
