import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Job, QueueEvents } from 'bullmq';
import { chromium, type BrowserContext } from 'playwright-core';
import { loadConfig } from '../../src/config';
import { PRESENCE_CHANGE_QUEUE } from '../../src/jobs/queue-names';
import { createLogger } from '../../src/logger';
import { buildService } from '../../src/service/build-service';
import type { Service } from '../../src/service/service';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ADMIN_KEY = 'admin-key-for-the-browser-test-0123';
const OUTPUT = join(__dirname, '..', '..', 'test-output');

describe('Bull Board in a browser', () => {
  const prefix = uniquePrefix('board');
  const redis = testRedis();
  let emulator: TestEmulator;
  let service: Service;
  let dataDir: string;
  let profileDir: string;
  let browser: BrowserContext | undefined;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: run "apt-get install -y chromium" (.ci/run installs it)`);
    }
    dataDir = await mkdtemp(join(tmpdir(), 'board-data-'));
    profileDir = await mkdtemp(join(tmpdir(), 'board-profile-'));
    emulator = await startTestEmulator({ agents: 10 });
    const config = loadConfig({
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      HTTP_PORT: '0',
      AUDIT_DIR: join(dataDir, 'audit'),
      TIMESHEET_DIR: join(dataDir, 'timesheets'),
      ...emulator.genesysEnv,
      API_KEYS: JSON.stringify([{ name: 'ops', key: ADMIN_KEY, scopes: ['admin'], sources: ['*'] }]),
    });
    const logger = createLogger(
      { level: 'warn' },
      new Writable({
        write(_chunk, _enc, done) {
          done();
        },
      }),
    );
    service = await buildService(config, { roles: ['api', 'worker'], logger });
    await service.start();
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await emulator?.stop();
    await deleteKeys(redis, prefix);
    redis.disconnect();
    await rm(dataDir, { recursive: true, force: true });
    await rm(profileDir, { recursive: true, force: true });
  });

  it('logs in with the admin key and shows the presence-change queue with completed jobs', async () => {
    const base = service.httpUrl!;
    // Some presence changes, through the API, all the way through the worker.
    const redisUrl = new URL(testRedisUrl());
    const events = new QueueEvents(PRESENCE_CHANGE_QUEUE, {
      connection: { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) },
      prefix,
    });
    await events.waitUntilReady();
    const requestIds: string[] = [];
    try {
      for (const userId of emulator.admin.agentIds().slice(0, 5)) {
        const res = await fetch(`${base}/v1/agents/${userId}/presence`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ presence: 'Available', source: 'supervisor', requestedBy: 'browser-test' }),
        });
        expect(res.status).toBe(202);
        requestIds.push(((await res.json()) as { requestId: string }).requestId);
      }
      const queue = service.queues.get(PRESENCE_CHANGE_QUEUE);
      await Promise.all(
        requestIds.map(async (id) => {
          const job = await Job.fromId(queue, id);
          await job?.waitUntilFinished(events, 60_000);
        }),
      );
    } finally {
      await events.close();
    }

    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      httpCredentials: { username: 'ops', password: ADMIN_KEY },
      viewport: { width: 1400, height: 900 },
    });
    const page = await browser.newPage();

    const overview = await page.goto(`${base}/admin/queues`);
    expect(overview?.status()).toBe(200);
    await page.getByRole('link', { name: PRESENCE_CHANGE_QUEUE, exact: true }).first().waitFor();

    await page.goto(`${base}/admin/queues/queue/${PRESENCE_CHANGE_QUEUE}?status=completed`);
    // The job id of a completed job is the request id the API answered with.
    await page.getByText(requestIds[0]!, { exact: true }).first().waitFor({ timeout: 15_000 });
    const body = await page.innerText('body');
    expect(body).toMatch(/COMPLETED\s*\n?\s*[1-9]\d*/i);

    await mkdir(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'bull-board.png') });
    expect(existsSync(join(OUTPUT, 'bull-board.png'))).toBe(true);
  });

  it('refuses the board without credentials', async () => {
    const res = await fetch(`${service.httpUrl!}/admin/queues`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
  });
});
