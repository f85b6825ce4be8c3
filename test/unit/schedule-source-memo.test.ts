import pino from 'pino';
import type { RedisConnection } from '../../src/redis';
import { timelineKey } from '../../src/jobs/keys';
import { GenesysScheduleSource, type ScheduleWfmApi } from '../../src/workers/presence-schedule-source';

/**
 * The schedule source's in-process memo of parsed timelines: reused for a second (the two lookups of one decision
 * read Redis once), then dropped — it must not grow with the roster. The Redis cache itself is a plain key/value
 * read here, so a map-backed `get` stands in for it; the source's Redis behaviour is covered by the pipeline tests.
 */
describe('GenesysScheduleSource memo', () => {
  const prefix = 'memo-test';
  const store = new Map<string, string>();
  let reads = 0;
  const redis = {
    get: (key: string) => {
      reads += 1;
      return Promise.resolve(store.get(key) ?? null);
    },
  } as unknown as RedisConnection; // only `get` is reached while every timeline is cached
  const wfm: ScheduleWfmApi = {
    getAgentManagementUnit: () => Promise.reject(new Error('not expected')),
    listActivityCodes: () => Promise.reject(new Error('not expected')),
    searchAgentSchedules: () => Promise.reject(new Error('not expected')),
  };
  let clock = Date.parse('2026-12-07T10:00:00.000Z');
  const source = new GenesysScheduleSource({
    redis,
    prefix,
    wfm,
    ttlSeconds: 3600,
    logger: pino({ level: 'silent' }),
    now: () => clock,
  });

  const agents = Array.from({ length: 300 }, (_, i) => `agent-${i}`);
  beforeAll(() => {
    for (const userId of agents) {
      store.set(
        timelineKey(prefix, userId),
        JSON.stringify({
          userId,
          businessUnitId: 'bu',
          timeZone: 'UTC',
          windowStart: '2026-12-07T00:00:00.000Z',
          windowEnd: '2026-12-08T00:00:00.000Z',
          activities: [
            {
              start: '2026-12-07T09:00:00.000Z',
              end: '2026-12-07T11:00:00.000Z',
              activityCodeId: 'code-break',
              category: 'Break',
              secondaryPresenceIds: [],
            },
          ],
          syncedAt: '2026-12-07T00:00:00.000Z',
        }),
      );
    }
  });

  it('reads Redis once for lookups within a second, again after it', async () => {
    reads = 0;
    const at = new Date(clock);
    expect((await source.lookup('agent-0', at)).kind).toBe('activity');
    expect((await source.lookup('agent-0', at)).kind).toBe('activity');
    expect(reads).toBe(1);
    clock += 1_500;
    expect((await source.lookup('agent-0', new Date(clock))).kind).toBe('activity');
    expect(reads).toBe(2);
  });

  it('holds only the agents seen in the last second, not the whole roster', async () => {
    for (const [i, userId] of agents.entries()) {
      clock += 10; // 300 lookups over 3 s: about 100 fall within any one second
      await source.lookup(userId, new Date(clock));
      if (i >= 100) {
        expect(source.memoSize).toBeLessThanOrEqual(101);
      }
    }
    expect(source.memoSize).toBeGreaterThan(90);
    clock += 2_000;
    await source.lookup('agent-0', new Date(clock));
    expect(source.memoSize).toBe(1);
  });
});
