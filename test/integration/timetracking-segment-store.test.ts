import type { Redis } from 'ioredis';
import { SegmentOutbox } from '../../src/timetracking/segment-outbox';
import { SegmentStore } from '../../src/timetracking/segment-store';
import type { Transition } from '../../src/timetracking/transition';
import { deleteKeys, testRedis, uniquePrefix } from '../helpers/redis';

const T0 = Date.parse('2026-04-01T08:00:00Z');
const MIN = 60_000;

function presence(
  userId: string,
  minute: number,
  systemPresence: string,
  source: Transition['source'] = 'stream',
): Transition {
  return {
    kind: 'presence',
    userId,
    start: new Date(T0 + minute * MIN).toISOString(),
    presenceDefinitionId: `def-${systemPresence}`,
    systemPresence,
    source,
  };
}

describe('segment store (Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let store: SegmentStore;

  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix('tt-store');
    store = new SegmentStore(redis, { prefix, retentionMs: 30 * 86_400_000, now: () => T0 + 1_000 * MIN });
  });

  afterEach(async () => {
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it('closes the open segment at the next transition and reports the closed segment', async () => {
    const first = await store.record(presence('u1', 0, 'AVAILABLE'));
    expect(first).toEqual({ status: 'recorded', changed: [] });
    const second = await store.record(presence('u1', 30, 'ON_QUEUE'));
    expect(second.status).toBe('recorded');
    expect(second.changed).toEqual([
      expect.objectContaining({
        start: '2026-04-01T08:00:00.000Z',
        end: '2026-04-01T08:30:00.000Z',
        systemPresence: 'AVAILABLE',
      }),
    ]);
    const segments = await store.segments('u1', 'presence', T0, T0 + 60 * MIN);
    expect(segments.map((s) => [s.systemPresence, s.end])).toEqual([
      ['AVAILABLE', '2026-04-01T08:30:00.000Z'],
      ['ON_QUEUE', null],
    ]);
  });

  it('records each (user, kind, start) once, whatever the number and order of deliveries', async () => {
    const events = [0, 10, 20, 30, 40].map((m, i) => presence('u2', m, i % 2 === 0 ? 'ON_QUEUE' : 'BREAK'));
    const shuffled = [events[3], events[0], events[4], events[1], events[0], events[2], events[3], events[4]];
    const statuses: string[] = [];
    for (const e of shuffled) {
      statuses.push((await store.record(e as Transition)).status);
    }
    expect(statuses.filter((s) => s === 'recorded')).toHaveLength(5);
    expect(statuses.filter((s) => s === 'duplicate')).toHaveLength(3);
    const segments = await store.segments('u2', 'presence', T0 - MIN, T0 + 100 * MIN);
    expect(segments.map((s) => [s.start.slice(11, 16), s.end?.slice(11, 16) ?? null])).toEqual([
      ['08:00', '08:10'],
      ['08:10', '08:20'],
      ['08:20', '08:30'],
      ['08:30', '08:40'],
      ['08:40', null],
    ]);
  });

  it('splits a segment when a transition learnt late falls inside it, reporting both parts', async () => {
    await store.record(presence('u3', 0, 'ON_QUEUE'));
    await store.record(presence('u3', 60, 'MEAL'));
    const late = await store.record(presence('u3', 20, 'BREAK', 'backfill'));
    expect(late.changed.map((s) => [s.systemPresence, s.start.slice(11, 16), s.end?.slice(11, 16)])).toEqual([
      ['ON_QUEUE', '08:00', '08:20'],
      ['BREAK', '08:20', '09:00'],
    ]);
    expect(late.changed[1]?.source).toBe('backfill');
  });

  it('keeps the first state when a duplicate start disagrees, and re-emits on request', async () => {
    await store.record(presence('u4', 0, 'ON_QUEUE'));
    await store.record(presence('u4', 10, 'BREAK'));
    const conflict = await store.record(presence('u4', 10, 'MEAL', 'backfill'));
    expect(conflict).toEqual({ status: 'conflict', changed: [] });
    const again = await store.record(presence('u4', 10, 'BREAK'), { reemit: true });
    expect(again.status).toBe('duplicate');
    expect(again.changed.map((s) => s.systemPresence)).toEqual(['ON_QUEUE']);
  });

  it('keeps presence and routing status apart and lists the tracked agents', async () => {
    await store.record(presence('u5', 0, 'ON_QUEUE'));
    await store.record({
      kind: 'routing',
      userId: 'u5',
      start: new Date(T0).toISOString(),
      routingStatus: 'IDLE',
      source: 'stream',
    });
    await store.record(presence('u6', 0, 'BREAK'));
    expect(await store.trackedAgents()).toEqual(['u5', 'u6']);
    const all = await store.segmentsInWindow(T0, T0 + MIN);
    expect(all.map((s) => [s.userId, s.kind])).toEqual([
      ['u5', 'presence'],
      ['u5', 'routing'],
      ['u6', 'presence'],
    ]);
  });

  it('ignores transitions older than the retention and trims old segments but the newest', async () => {
    const short = new SegmentStore(redis, { prefix, retentionMs: 100 * MIN, now: () => T0 + 200 * MIN });
    expect((await short.record(presence('u7', 50, 'ON_QUEUE'))).status).toBe('expired');
    await store.record(presence('u7', 10, 'ON_QUEUE'));
    await store.record(presence('u7', 20, 'BREAK'));
    await short.record(presence('u7', 150, 'MEAL'));
    const left = await store.segments('u7', 'presence', 0, T0 + 1_000 * MIN);
    expect(left.map((s) => s.systemPresence)).toEqual(['BREAK', 'MEAL']);
  });

  it('hands outbox entries to one cutter at a time and gives them back after the cutter dies', async () => {
    const a = new SegmentOutbox(redis, { prefix, consumer: 'a', reclaimAfterMs: 50 });
    const b = new SegmentOutbox(redis, { prefix, consumer: 'b', reclaimAfterMs: 60_000 });
    const closed = (await store.record(presence('u8', 0, 'ON_QUEUE'))).changed;
    expect(closed).toEqual([]);
    const changed = (await store.record(presence('u8', 5, 'BREAK'))).changed;
    await a.append([...changed, ...changed, ...changed]);
    const first = await a.take(2);
    const second = await b.take(2);
    expect(first?.segments).toHaveLength(2);
    expect(second?.segments).toHaveLength(1);
    expect(second?.batchId).not.toBe(first?.batchId);
    await b.done(second?.entryIds ?? []);
    // "a" dies without finishing; after reclaimAfterMs another cutter gets the same batch again.
    const c = new SegmentOutbox(redis, { prefix, consumer: 'c', reclaimAfterMs: 0 });
    const reclaimed = await c.take(2);
    expect(reclaimed?.batchId).toBe(first?.batchId);
    await c.done(reclaimed?.entryIds ?? []);
    expect(await c.take(2)).toBeUndefined();
    expect(await c.backlog()).toBe(0);
  });
});
