import type { Redis } from 'ioredis';
import pino from 'pino';
import type { AuditEvent } from '../../src/audit/audit-event';
import type { PresenceChangeRequestInput } from '../../src/jobs/presence-change-request';
import { parsePresencePolicy } from '../../src/policy/presence-policy';
import type { ActivityCategory, AgentTimeline } from '../../src/schedule/agent-timeline';
import { FollowIndex } from '../../src/schedule/follow-index';
import { TimelineCache } from '../../src/schedule/timeline-cache';
import { ScheduleFollower } from '../../src/workers/schedule-follower';
import { deleteKeys, testRedis, uniquePrefix } from '../helpers/redis';

/**
 * The follower's tick bookkeeping on real Redis: cursor, lateness, one boundary per agent, schedule changes,
 * permanent and transient refusals of the producer, one tick at a time. The producer here is a recording stand-in
 * for the pipeline (the pipeline itself is exercised in follower-boundaries.test.ts).
 */
const T0 = Date.parse('2025-03-12T15:00:00.000Z');
const MIN = 60_000;
const USERS = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'] as const;

class RecordingProducer {
  readonly requests: PresenceChangeRequestInput[] = [];
  private readonly seen = new Set<string>();
  failures = new Map<string, string>();

  async enqueuePresenceChange(input: PresenceChangeRequestInput) {
    const failure = this.failures.get(input.userId);
    if (failure !== undefined) {
      throw Object.assign(new Error(failure), { code: failure });
    }
    const key = `${input.userId}|${input.idempotencyKey}`;
    const replayed = this.seen.has(key);
    this.seen.add(key);
    this.requests.push(input);
    return { requestId: `${input.userId}.r${this.requests.length}`, version: this.requests.length, replayed };
  }
}

describe('schedule follower tick (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let now: number;
  let producer: RecordingProducer;
  let audit: AuditEvent[];

  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix('follow');
    now = T0;
    producer = new RecordingProducer();
    audit = [];
  });

  afterEach(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  function follower(
    options: {
      leadMs?: number;
      mandatory?: ActivityCategory[];
      privileged?: boolean;
      latenessMin?: number;
    } = {},
  ) {
    return new ScheduleFollower({
      redis,
      prefix,
      producer,
      audit: { emit: async (events) => void audit.push(...events) },
      policy: parsePresencePolicy(
        options.privileged === true ? { privilegedSources: ['schedule-follower'] } : {},
      ),
      mandatory: new Set(options.mandatory ?? ['Break']),
      leadMs: options.leadMs ?? 0,
      tickMs: 15_000,
      maxLatenessMs: (options.latenessMin ?? 5) * MIN,
      logger: pino({ level: 'silent' }),
      now: () => now,
    });
  }

  /** Each agent: OnQueueWork from T0+10 min, Break from T0+20 min, OnQueueWork again from T0+35 min. */
  async function seed(users: readonly string[] = USERS, indexed: number[] = [10, 20, 35]): Promise<void> {
    const at = (m: number) => new Date(T0 + m * MIN).toISOString();
    const timeline = (userId: string): AgentTimeline => ({
      userId,
      businessUnitId: 'bu-1',
      timeZone: 'UTC',
      windowStart: at(-600),
      windowEnd: at(600),
      activities: [
        {
          start: at(10),
          end: at(20),
          activityCodeId: 'work',
          category: 'OnQueueWork',
          secondaryPresenceIds: [],
        },
        {
          start: at(20),
          end: at(35),
          activityCodeId: 'brk',
          category: 'Break',
          secondaryPresenceIds: ['sec-brk'],
        },
        {
          start: at(35),
          end: at(60),
          activityCodeId: 'work',
          category: 'OnQueueWork',
          secondaryPresenceIds: [],
        },
      ],
      syncedAt: at(0),
    });
    await new TimelineCache(redis, prefix).writeTimelines(users.map(timeline), 3_600_000);
    await new FollowIndex(redis, prefix).replace(
      'bu-1',
      users.flatMap((userId) => indexed.map((m) => ({ userId, at: T0 + m * MIN }))),
      3_600_000,
    );
  }

  it('follows each boundary once, with its presence, and moves the cursor', async () => {
    await seed();
    expect((await follower().tick()).enqueued).toBe(0);
    now = T0 + 10 * MIN;
    const report = await follower().tick();
    expect(report).toMatchObject({
      enqueued: 2,
      after: T0,
      upTo: T0 + 10 * MIN,
      nextBoundary: T0 + 20 * MIN,
    });
    expect(producer.requests.map((r) => [r.userId, r.presence, r.source, r.idempotencyKey])).toEqual(
      USERS.map((u) => [u, 'onqueue', 'schedule-follower', `follow-${T0 + 10 * MIN}`]),
    );
    expect(audit.map((e) => [e.type, e.scheduleActivity?.category, e.force])).toEqual([
      ['schedule-followed', 'OnQueueWork', false],
      ['schedule-followed', 'OnQueueWork', false],
    ]);
    expect((await follower().tick()).enqueued).toBe(0);
  });

  it('asks ahead by the lead with notBefore, and forces a mandatory activity only for a privileged follower', async () => {
    await seed([USERS[0]]);
    now = T0 + 20 * MIN - 30_000;
    await follower({ leadMs: 30_000 }).tick();
    expect(producer.requests.at(-1)).toMatchObject({
      presence: 'sec-brk',
      notBefore: new Date(T0 + 20 * MIN).toISOString(),
    });
    expect(producer.requests.at(-1)?.force).toBeUndefined();

    await new FollowIndex(redis, prefix).setCursor(T0);
    await follower({ leadMs: 30_000, privileged: true }).tick();
    expect(producer.requests.at(-1)).toMatchObject({ presence: 'sec-brk', force: true });
  });

  it('handles only the latest due boundary of an agent and skips boundaries later than the lateness bound', async () => {
    await seed([USERS[0]]);
    await new FollowIndex(redis, prefix).setCursor(T0);
    now = T0 + 21 * MIN;
    const report = await follower({ latenessMin: 15 }).tick();
    expect(report).toMatchObject({ enqueued: 1, skipped: { 'superseded-boundary': 1 } });
    expect(producer.requests.map((r) => r.presence)).toEqual(['sec-brk']);

    now = T0 + 45 * MIN;
    const late = await follower().tick();
    expect(late).toMatchObject({ enqueued: 0, skipped: { late: 1 } });
  });

  it('skips a boundary the schedule no longer has', async () => {
    await seed([USERS[0]], [10, 25]);
    await new FollowIndex(redis, prefix).setCursor(T0 + 20 * MIN);
    now = T0 + 25 * MIN;
    expect(await follower().tick()).toMatchObject({ enqueued: 0, skipped: { 'schedule-changed': 1 } });
  });

  it('moves on past a permanent refusal but keeps the cursor on a transient failure', async () => {
    await seed();
    await new FollowIndex(redis, prefix).setCursor(T0);
    now = T0 + 10 * MIN;
    producer.failures.set(USERS[0], 'REDIS_UNAVAILABLE');
    await expect(follower().tick()).rejects.toMatchObject({ code: 'FOLLOW_TICK_INCOMPLETE' });
    expect(await new FollowIndex(redis, prefix).cursor()).toBe(T0);

    producer.failures.clear();
    const retried = await follower().tick();
    expect(retried).toMatchObject({ enqueued: 2, replayed: 1 });
    expect(await new FollowIndex(redis, prefix).cursor()).toBe(T0 + 10 * MIN);

    producer.failures.set(USERS[1], 'UNKNOWN_PRESENCE');
    now = T0 + 20 * MIN;
    expect(await follower().tick()).toMatchObject({ enqueued: 1, failed: 1, transientFailures: 0 });
    expect(await new FollowIndex(redis, prefix).cursor()).toBe(T0 + 20 * MIN);
  });

  it('ticks once at a time across processes', async () => {
    await seed();
    await new FollowIndex(redis, prefix).setCursor(T0);
    now = T0 + 10 * MIN;
    const reports = await Promise.all([follower().tick(), follower().tick(), follower().tick()]);
    expect(reports.filter((r) => r.ran)).toHaveLength(1);
    expect(producer.requests).toHaveLength(2);
  });
});
