import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { QueueEvents } from 'bullmq';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { buildService } from '../../src/service/build-service';
import type { Service } from '../../src/service/service';
import { enqueueTransitions, PRESENCE_EVENTS_QUEUE } from '../../src/workers/presence-events-queue';
import { FILES_JOB, TIME_EXPORT_QUEUE } from '../../src/workers/time-export-queue';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis';

const silent = () =>
  createLogger(
    { level: (process.env.TEST_LOG_LEVEL ?? 'warn') as 'warn' },
    new Writable({
      write(chunk, _enc, done) {
        if (process.env.TEST_LOG_LEVEL !== undefined) {
          process.stderr.write(chunk);
        }
        done();
      },
    }),
  );

/**
 * The worker role without TIMESHEET_TIME_ZONE cuts timesheet days in the business unit's time zone, read through
 * the Genesys client (not UTC).
 */
describe('worker role timesheet time zone', () => {
  const prefix = uniquePrefix('tz');
  const redis = testRedis();
  let emulator: TestEmulator;
  let dataDir: string;
  let service: Service | undefined;
  let events: QueueEvents | undefined;

  beforeAll(async () => {
    emulator = await startTestEmulator({ agents: 2, timeZone: 'Asia/Tokyo' });
    dataDir = await mkdtemp(join(tmpdir(), 'tz-'));
  });

  afterAll(async () => {
    await service?.stop();
    await events?.close();
    await emulator.stop();
    await deleteKeys(redis, prefix);
    redis.disconnect();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('writes the daily files in the business unit’s time zone', async () => {
    const timesheets = join(dataDir, 'timesheets');
    const config = loadConfig({
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      AUDIT_DIR: join(dataDir, 'audit'),
      TIMESHEET_DIR: timesheets,
      ...emulator.genesysEnv,
    });
    service = await buildService(config, { roles: ['worker'], logger: silent() });
    await service.start();

    const queueEvents = new QueueEvents(TIME_EXPORT_QUEUE, { connection: { url: testRedisUrl() }, prefix });
    events = queueEvents;
    await queueEvents.waitUntilReady();
    const exportQueue = service.queues.get(TIME_EXPORT_QUEUE);
    const filesWritten = new Promise<void>((resolve) => {
      queueEvents.on('completed', ({ jobId }) => {
        void exportQueue.getJob(jobId).then((job) => {
          if (job?.name === FILES_JOB) {
            resolve();
          }
        });
      });
    });

    // Two transitions: the second closes the segment the first opened, which is what gets exported.
    const userId = emulator.admin.agentIds()[0]!;
    const [first, second] = emulator.admin.org().presenceDefinitions;
    await enqueueTransitions(
      service.queues.get(PRESENCE_EVENTS_QUEUE),
      config,
      [first!, second!].map((definition, i) => ({
        kind: 'presence' as const,
        userId,
        start: new Date(Date.now() - 60_000 + i * 30_000).toISOString(),
        presenceDefinitionId: definition.id,
        systemPresence: definition.systemPresence,
        source: 'stream' as const,
      })),
    );
    await filesWritten;

    const csvs = (await readdir(timesheets)).filter((f) => f.endsWith('.totals.csv'));
    expect(csvs.length).toBeGreaterThan(0);
    for (const file of csvs) {
      const rows = (await readFile(join(timesheets, file), 'utf8')).trim().split('\n').slice(1);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.map((r) => r.split(',')[1])).toEqual(rows.map(() => 'Asia/Tokyo'));
    }
  });
});
