import { EventEmitter, once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { QueueEvents } from 'bullmq';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { buildService } from '../../src/service/build-service';
import type { Role } from '../../src/service/roles';
import type { Service } from '../../src/service/service';
import { SCHEDULE_SYNC_QUEUE } from '../../src/workers/scheduler-spec';
import { requestScheduleSync } from '../../src/workers/schedule-sync-job';
import type { ScheduleSyncReport } from '../../src/workers/schedule-sync-service';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis';

/** A logger whose lines are emitted by message (`lines.on(msg, obj)`), so the test awaits them. */
function capturingLogger(lines: EventEmitter) {
  return createLogger(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n')) {
          if (line.trim() !== '') {
            const entry = JSON.parse(line) as { msg?: string };
            lines.emit(entry.msg ?? '', entry);
          }
        }
        done();
      },
    }),
  );
}

/**
 * Async WFM schedule searches in production wiring: the search is answered `Processing`, the emulator announces
 * the result on `v2.workforcemanagement.users.{client id}.schedules.search`, the stream leader hears it and
 * records it in Redis, and the schedule sync (worker role) downloads the result. The test forwards nothing.
 */
describe('async WFM schedule search through the stream role', () => {
  const redis = testRedis();
  let emulator: TestEmulator;
  let dataDir: string;
  let prefix: string;
  const services: Service[] = [];
  const queueEvents: QueueEvents[] = [];

  beforeAll(async () => {
    emulator = await startTestEmulator({ agents: 5 });
    dataDir = await mkdtemp(join(tmpdir(), 'wfm-async-'));
  });

  beforeEach(() => {
    prefix = uniquePrefix('wfm-async');
    emulator.admin.setFaults({ wfmSearchMode: 'async' });
  });

  afterEach(async () => {
    for (const service of services.splice(0).reverse()) {
      await service.stop();
    }
    await Promise.all(queueEvents.splice(0).map((q) => q.close()));
    emulator.admin.clearFaults();
    await deleteKeys(redis, prefix);
  });

  afterAll(async () => {
    await emulator.stop();
    redis.disconnect();
    await rm(dataDir, { recursive: true, force: true });
  });

  const config = (): Config =>
    loadConfig({
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      AUDIT_DIR: join(dataDir, prefix, 'audit'),
      TIMESHEET_DIR: join(dataDir, prefix, 'timesheets'),
      ...emulator.genesysEnv,
      SCHEDULE_SEARCH_WAIT_MS: '10000',
    });

  /** Builds and starts a service; resolves once its stream leader's socket is open when it runs the stream. */
  async function start(roles: Role[]): Promise<Service> {
    const lines = new EventEmitter();
    const service = await buildService(config(), { roles, logger: capturingLogger(lines) });
    services.push(service);
    const streamOpen = roles.includes('stream') ? once(lines, 'notification socket open') : undefined;
    await service.start();
    await streamOpen;
    return service;
  }

  async function syncNow(service: Service): Promise<ScheduleSyncReport> {
    const events = new QueueEvents(SCHEDULE_SYNC_QUEUE, { connection: { url: testRedisUrl() }, prefix });
    queueEvents.push(events);
    await events.waitUntilReady();
    const queue = service.queues.get(SCHEDULE_SYNC_QUEUE);
    const businessUnitId = emulator.admin.org().businessUnit.id;
    const job = await queue.getJob(await requestScheduleSync(queue, businessUnitId));
    return (await job!.waitUntilFinished(events, 20_000)) as ScheduleSyncReport;
  }

  it('completes a sync in a process running worker and stream', async () => {
    const service = await start(['worker', 'stream']);
    const report = await syncNow(service);
    expect(report).toMatchObject({ ran: true, agents: 5, delivery: ['download'] });
    expect(report.activities).toBeGreaterThan(0);
  });

  it('completes a sync when the stream runs in another process than the worker', async () => {
    await start(['stream']);
    const worker = await start(['worker']);
    const report = await syncNow(worker);
    expect(report).toMatchObject({ ran: true, agents: 5, delivery: ['download'] });
  });
});
