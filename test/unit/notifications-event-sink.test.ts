import pino from 'pino';
import { loadConfig } from '../../src/config';
import type { Transition } from '../../src/timetracking/transition';
import type { BackfillRangeJob } from '../../src/workers/analytics-backfill-queue';
import { StreamEventSink } from '../../src/workers/stream-event-sink';
import type { ObservedWrite } from '../../src/workers/stream-observed-presence';

const config = loadConfig({ BACKFILL_MARGIN_MS: '60000', BACKFILL_USERS_PER_QUERY: '2' });
const logger = pino({ level: 'silent' });

interface BulkJob {
  name: string;
  data: unknown;
  opts?: { jobId?: string };
}

function fakes(options: { failWrites?: number; result?: ObservedWrite } = {}) {
  let failures = options.failWrites ?? 0;
  const writes: { t: Transition; token: number }[] = [];
  const events: BulkJob[] = [];
  const backfills: BulkJob[] = [];
  return {
    writes,
    events,
    backfills,
    observed: {
      write: async (t: Transition, token: number): Promise<ObservedWrite> => {
        if (failures > 0) {
          failures -= 1;
          throw new Error('Connection is closed.');
        }
        writes.push({ t, token });
        return options.result ?? 'written';
      },
    },
    presenceEventsQueue: { addBulk: async (jobs: BulkJob[]) => (events.push(...jobs), []) },
    backfillQueue: { addBulk: async (jobs: BulkJob[]) => (backfills.push(...jobs), []) },
  };
}

function presence(i: number, userId = `u${i}`) {
  return {
    userId,
    presenceDefinitionId: 'e08eaf1b',
    systemPresence: 'On Queue',
    modifiedDate: new Date(Date.UTC(2026, 0, 1, 8, 0, i)).toISOString(),
  };
}

describe('stream event sink', () => {
  it('writes the observed presence (fenced) and queues one presence-events job per event', async () => {
    const f = fakes();
    const sink = new StreamEventSink({ ...f, config, fencingToken: 7, logger, flushMs: 1 });
    sink.onPresence(presence(1));
    sink.onRoutingStatus({ userId: 'u1', status: 'idle', startTime: '2026-01-01T08:00:01Z' });
    await sink.close();
    expect(f.writes.map((w) => w.token)).toEqual([7, 7]);
    expect(f.events.map((j) => j.data)).toEqual([
      expect.objectContaining({ kind: 'presence', systemPresence: 'ON_QUEUE', source: 'stream' }),
      expect.objectContaining({ kind: 'routing', routingStatus: 'IDLE', start: '2026-01-01T08:00:01.000Z' }),
    ]);
    expect(f.events[0]?.opts?.jobId).toBe(`u1_presence_${Date.UTC(2026, 0, 1, 8, 0, 1)}`);
    expect(sink.idle).toBe(true);
  });

  it('turns a gap into backfill jobs widened by the margin, a few agents per job', async () => {
    const f = fakes();
    const sink = new StreamEventSink({ ...f, config, fencingToken: 1, logger });
    sink.onGap({
      channel: 0,
      userIds: ['a', 'b', 'c'],
      fromMs: 1_000_000,
      toMs: 2_000_000,
      reason: 'reconnected',
    });
    await sink.close();
    const jobs = f.backfills.map((j) => j.data as BackfillRangeJob);
    expect(jobs.map((j) => j.userIds)).toEqual([['a', 'b'], ['c']]);
    expect(jobs[0]).toMatchObject({
      from: new Date(1_000_000 - 60_000).toISOString(),
      to: new Date(2_000_000 + 60_000).toISOString(),
      reason: 'gap',
    });
  });

  it('holds events while Redis is unreachable and writes them all once it answers', async () => {
    const f = fakes({ failWrites: 2 });
    const sink = new StreamEventSink({ ...f, config, fencingToken: 1, logger, flushMs: 1 });
    for (let i = 0; i < 5; i += 1) {
      sink.onPresence(presence(i));
    }
    await sink.close();
    expect(f.events).toHaveLength(5);
    expect(new Set(f.events.map((j) => j.opts?.jobId)).size).toBe(5);
  });

  it('past its bound, drops the oldest events and backfills their agents and time span instead', async () => {
    const f = fakes({ failWrites: 1 });
    const sink = new StreamEventSink({ ...f, config, fencingToken: 1, logger, flushMs: 1, maxBuffered: 3 });
    for (let i = 0; i < 6; i += 1) {
      sink.onPresence(presence(i));
    }
    await sink.close();
    expect(f.events.map((j) => (j.data as Transition).userId)).toEqual(['u3', 'u4', 'u5']);
    const jobs = f.backfills.map((j) => j.data as BackfillRangeJob);
    expect(jobs.flatMap((j) => j.userIds).sort()).toEqual(['u0', 'u1', 'u2']);
    expect(Date.parse(jobs[0]?.from ?? '')).toBeLessThanOrEqual(Date.UTC(2026, 0, 1, 8, 0, 0) - 60_000);
  });

  it('reports once that a newer leader fenced this one off', async () => {
    const f = fakes({ result: 'fenced' });
    const fenced: number[] = [];
    const sink = new StreamEventSink({
      ...f,
      config,
      fencingToken: 3,
      logger,
      flushMs: 1,
      observer: { onFenced: () => fenced.push(1) },
    });
    sink.onPresence(presence(1));
    sink.onPresence(presence(2));
    await sink.close();
    expect(fenced).toEqual([1]);
  });
});
