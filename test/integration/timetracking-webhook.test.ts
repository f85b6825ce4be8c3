import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { Lifecycle } from '../../src/lifecycle';
import { segmentId, type Segment } from '../../src/timetracking/segment';
import type { Transition } from '../../src/timetracking/transition';
import { verifyWebhookSignature } from '../../src/timetracking/webhook-signature';
import { nextDay, zonedDate, zonedStartOfDay } from '../../src/timetracking/zoned-day';
import { enqueueTransitions } from '../../src/workers/presence-events-queue';
import { createTimeTrackingWorkers } from '../../src/workers/presence-events-stack';
import { deleteKeys, testRedis, uniquePrefix } from '../helpers/redis';

const SECRET = 'webhook-test-secret';
const logger = pino({ level: process.env.TEST_LOG ?? 'silent' });
// Recent instants (segments older than the retention are ignored): yesterday 06:00 UTC.
const T0 = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 18 * 3_600_000;
const STATES = ['ON_QUEUE', 'BREAK', 'AVAILABLE', 'MEAL'];

interface Received {
  batchId: string;
  segments: Segment[];
}

/** A webhook receiver that fails the first `failFirst` attempts of every batch with `failStatus`. */
async function startReceiver(failFirst: number, failStatus = 503) {
  const attempts = new Map<string, number>();
  const accepted: Received[] = [];
  const badSignatures: string[] = [];
  let onAccept: () => void = () => undefined;
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const verdict = verifyWebhookSignature({
        secret: SECRET,
        body,
        signature: req.headers['x-signature'] as string | undefined,
        timestamp: req.headers['x-signature-timestamp'] as string | undefined,
        nowMs: Date.now(),
      });
      const parsed = JSON.parse(body) as Received;
      if (!verdict.ok) {
        badSignatures.push(parsed.batchId);
      }
      const n = (attempts.get(parsed.batchId) ?? 0) + 1;
      attempts.set(parsed.batchId, n);
      if (n <= failFirst) {
        res.writeHead(failStatus).end();
        return;
      }
      accepted.push(parsed);
      res.writeHead(204).end();
      onAccept();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/time`;
  return {
    url,
    attempts,
    accepted,
    badSignatures,
    /** Resolves once `predicate` holds after an accepted delivery. */
    until(predicate: () => boolean): Promise<void> {
      return new Promise((resolve) => {
        onAccept = () => predicate() && resolve();
        if (predicate()) {
          resolve();
        }
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function dayOfTransitions(agents: number, perAgent: number): Transition[] {
  const out: Transition[] = [];
  for (let a = 0; a < agents; a += 1) {
    for (let i = 0; i < perAgent; i += 1) {
      const state = STATES[(a + i) % STATES.length] as string;
      out.push({
        kind: 'presence',
        userId: `agent-${a}`,
        start: new Date(T0 + (i * 37 + a) * 60_000).toISOString(),
        presenceDefinitionId: `def-${state}`,
        systemPresence: state,
        source: 'stream',
      });
    }
  }
  return out;
}

describe('time tracking webhook sink', () => {
  let redis: Redis;
  let prefix: string;
  let dir: string;
  let lifecycle: Lifecycle;
  let queueEvents: QueueEvents | undefined;
  let eventsConnection: Redis | undefined;

  beforeEach(async () => {
    redis = testRedis();
    prefix = uniquePrefix('tt-hook');
    dir = await mkdtemp(join(tmpdir(), 'timesheets-'));
    lifecycle = new Lifecycle(logger);
  });

  afterEach(async () => {
    await lifecycle.stop();
    await queueEvents?.close();
    queueEvents = undefined;
    await eventsConnection?.quit();
    eventsConnection = undefined;
    await deleteKeys(redis, prefix);
    await redis.quit();
    await rm(dir, { recursive: true, force: true });
  });

  function stack(url: string, attempts: number, extra: Record<string, string> = {}) {
    const config = loadConfig({
      QUEUE_PREFIX: prefix,
      WEBHOOK_URL: url,
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_ATTEMPTS: String(attempts),
      WEBHOOK_BACKOFF_MS: '20',
      WEBHOOK_BATCH_SIZE: '40',
      TIMESHEET_DIR: dir,
      ...extra,
    });
    return createTimeTrackingWorkers({
      config,
      connection: redis,
      logger,
      timeZone: 'Europe/Paris',
      cutDelayMs: 50,
      filesDelayMs: 50,
    });
  }

  it('delivers every batch exactly once after the receiver failed its first attempts, each signed', async () => {
    const receiver = await startReceiver(2);
    try {
      const tt = stack(receiver.url, 5, { TIMESHEET_FILES: 'false' });
      await lifecycle.start(tt.components);
      const transitions = dayOfTransitions(30, 12);
      // Every transition but each agent's last closes one segment.
      const expected = new Set(transitions.map((t) => segmentId(t)));
      const expectedEnds = new Map<string, string>();
      transitions.forEach((t, i) => {
        const next = transitions[i + 1];
        if (next !== undefined && next.userId === t.userId) {
          expectedEnds.set(segmentId(t), next.start);
        }
      });
      for (let a = 0; a < 30; a += 1) {
        const last = transitions.filter((t) => t.userId === `agent-${a}`).pop() as Transition;
        expected.delete(segmentId(last));
      }
      await enqueueTransitions(tt.presenceEventsQueue, loadConfig({}), transitions);
      // …and again (the stream repeats events after reconnects): nothing new may be delivered.
      await enqueueTransitions(tt.presenceEventsQueue, loadConfig({}), transitions);
      const delivered = () => receiver.accepted.flatMap((b) => b.segments);
      // Workers record an agent's transitions concurrently, so a segment may be delivered first with a later end
      // and then corrected (its end only ever moves earlier); receivers keep the earliest end per segment id.
      const finalEnds = () => {
        const ends = new Map<string, string | null>();
        for (const seg of delivered()) {
          const id = segmentId(seg);
          const known = ends.get(id);
          if (known === undefined || (seg.end !== null && (known === null || seg.end < known))) {
            ends.set(id, seg.end);
          }
        }
        return ends;
      };
      const settled = () => {
        const ends = finalEnds();
        return ends.size === expected.size && [...ends].every(([id, end]) => expectedEnds.get(id) === end);
      };
      await receiver.until(settled);
      expect(new Set(finalEnds().keys())).toEqual(expected);
      await lifecycle.stop();
      const pending = await tt.timeExportQueue.getJobs(['waiting', 'delayed', 'active']);
      expect(pending.filter((j) => j.name === 'deliver-webhook')).toEqual([]);
      expect(await tt.outbox.backlog()).toBe(0);
      const batchIds = receiver.accepted.map((b) => b.batchId);
      expect(new Set(batchIds).size).toBe(batchIds.length);
      expect(batchIds.length).toBeGreaterThanOrEqual(Math.ceil(expected.size / 40));
      for (const id of batchIds) {
        expect(receiver.attempts.get(id)).toBe(3);
      }
      expect(receiver.badSignatures).toEqual([]);
      expect(await tt.deadLetterQueue.count()).toBe(0);
    } finally {
      await receiver.close();
    }
  });

  it('dead-letters a batch after WEBHOOK_ATTEMPTS failed attempts, and at once on a permanent 4xx', async () => {
    const receiver = await startReceiver(1_000);
    try {
      const tt = stack(receiver.url, 3, { WEBHOOK_BATCH_SIZE: '500' });
      eventsConnection = testRedis();
      queueEvents = new QueueEvents(tt.deadLetterQueue.name, { connection: eventsConnection, prefix });
      await queueEvents.waitUntilReady();
      const deadLettered = new Promise<string>((resolve) => {
        queueEvents?.on('waiting', ({ jobId }) => resolve(jobId));
      });
      await lifecycle.start(tt.components);
      await enqueueTransitions(tt.presenceEventsQueue, loadConfig({}), dayOfTransitions(1, 3));
      const batchId = await deadLettered;
      expect(receiver.attempts.get(batchId)).toBe(3);
      const job = await tt.deadLetterQueue.getJob(batchId);
      expect(job?.data).toMatchObject({ batchId, attemptsMade: 3, reason: expect.stringContaining('503') });
      expect(job?.data.segments).toHaveLength(2);
      expect(JSON.stringify(job?.data)).not.toContain(SECRET);
    } finally {
      await receiver.close();
    }
  });

  it('does not retry a batch the receiver refuses with 400', async () => {
    const receiver = await startReceiver(1_000, 400);
    try {
      const tt = stack(receiver.url, 5);
      eventsConnection = testRedis();
      queueEvents = new QueueEvents(tt.deadLetterQueue.name, { connection: eventsConnection, prefix });
      await queueEvents.waitUntilReady();
      const deadLettered = new Promise<string>((resolve) => {
        queueEvents?.on('waiting', ({ jobId }) => resolve(jobId));
      });
      await lifecycle.start(tt.components);
      await enqueueTransitions(tt.presenceEventsQueue, loadConfig({}), dayOfTransitions(1, 2));
      const batchId = await deadLettered;
      expect(receiver.attempts.get(batchId)).toBe(1);
    } finally {
      await receiver.close();
    }
  });

  it('writes the day files in the time zone, split at its midnight', async () => {
    const config = loadConfig({ QUEUE_PREFIX: prefix, TIMESHEET_DIR: dir });
    const written = new EventEmitter();
    const tt = createTimeTrackingWorkers({
      config,
      connection: redis,
      logger,
      timeZone: 'Europe/Paris',
      cutDelayMs: 10,
      filesDelayMs: 10,
      exportObserver: { onFilesWritten: (date) => written.emit(date) },
    });
    // An agent On Queue from 23:00 to 01:00 Paris time, then on Break.
    const day1 = zonedDate(T0, 'Europe/Paris');
    const day2 = nextDay(day1);
    const midnight = zonedStartOfDay(day2, 'Europe/Paris');
    const mk = (ms: number, s: string): Transition => ({
      kind: 'presence',
      userId: 'night-agent',
      start: new Date(ms).toISOString(),
      presenceDefinitionId: `def-${s}`,
      systemPresence: s,
      source: 'stream',
    });
    const bothDays = Promise.all([once(written, day1), once(written, day2)]);
    await lifecycle.start(tt.components);
    await enqueueTransitions(tt.presenceEventsQueue, config, [
      mk(midnight - 3_600_000, 'ON_QUEUE'),
      mk(midnight + 3_600_000, 'BREAK'),
    ]);
    await bothDays;
    const csv1 = await readFile(join(dir, `${day1}.totals.csv`), 'utf8');
    const csv2 = await readFile(join(dir, `${day2}.totals.csv`), 'utf8');
    expect(csv1).toContain(`${day1},Europe/Paris,night-agent,presence,ON_QUEUE,def-ON_QUEUE,3600,3600000`);
    expect(csv2).toContain(`${day2},Europe/Paris,night-agent,presence,ON_QUEUE,def-ON_QUEUE,3600,3600000`);
    const lines = (await readFile(join(dir, `${day2}.segments.jsonl`), 'utf8')).trim().split('\n');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      start: new Date(midnight).toISOString(),
      end: new Date(midnight + 3_600_000).toISOString(),
      segmentStart: new Date(midnight - 3_600_000).toISOString(),
    });
  });
});
