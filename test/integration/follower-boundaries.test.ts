import { Queue } from 'bullmq';
import { normalizePresenceName } from '../../src/policy/presence-name';
import { parsePresencePolicy, type PresencePolicy } from '../../src/policy/presence-policy';
import { activityBoundaries, type ActivityBoundary } from '../../src/schedule/activity-boundaries';
import type { ActivityCategory, AgentTimeline } from '../../src/schedule/agent-timeline';
import { FollowIndex } from '../../src/schedule/follow-index';
import { targetPresence } from '../../src/schedule/target-presence';
import { TimelineCache } from '../../src/schedule/timeline-cache';
import { ScheduleFollower } from '../../src/workers/schedule-follower';
import { followBoundaryJobId } from '../../src/workers/schedule-follower-job';
import { SCHEDULE_FOLLOW_QUEUE } from '../../src/workers/scheduler-spec';
import { FakeClockPipeline } from './schedule-sync-harness';

/**
 * The schedule follower on a fake clock: the emulator's published schedules, the sync, the follower and the
 * pipeline all read the same clock, so boundaries are reached by setting it — no real waiting.
 */
const MANDATORY = new Set<ActivityCategory>(['Break', 'Meal', 'Training']);
const POLICY: PresencePolicy = parsePresencePolicy({
  privilegedSources: ['supervisor', 'schedule-follower'],
});
const BULK_PUT: [string, string] = ['PUT', '/api/v2/users/presences/bulk'];
const PATCH: [string, string] = ['PATCH', '/api/v2/users/:userId/presences/purecloud'];
const BULK_GET: [string, string] = ['GET', '/api/v2/users/presences/purecloud/bulk'];

describe('schedule follower', () => {
  let p: FakeClockPipeline;
  let queue: Queue | undefined;

  afterEach(async () => {
    await queue?.obliterate({ force: true });
    await queue?.close();
    queue = undefined;
    await p.stop();
  });

  function follower(
    options: { leadMs?: number; tickMs?: number; withQueue?: boolean } = {},
  ): ScheduleFollower {
    if (options.withQueue === true && queue === undefined) {
      queue = new Queue(SCHEDULE_FOLLOW_QUEUE, { connection: p.h.redis, prefix: p.h.prefix });
    }
    return new ScheduleFollower({
      redis: p.h.redis,
      prefix: p.h.prefix,
      producer: p.producer,
      audit: p.h.audit,
      policy: POLICY,
      mandatory: MANDATORY,
      leadMs: options.leadMs ?? 0,
      tickMs: options.tickMs ?? 15_000,
      maxLatenessMs: 300_000,
      queue: options.withQueue === true ? queue : undefined,
      logger: p.h.logger,
      now: p.now,
    });
  }

  async function timelines(): Promise<Map<string, AgentTimeline>> {
    return new TimelineCache(p.h.redis, p.h.prefix).readTimelines(p.h.agents);
  }

  const followed = (userId?: string) =>
    [...p.h.audit.byEventId.values()].filter(
      (e) => e.type === 'schedule-followed' && (userId === undefined || e.userId === userId),
    );

  /** Does the agent's presence in the emulator match a follower target (a name or a definition id)? */
  function shows(userId: string, target: string): boolean {
    const now = p.h.emulator.admin.presence(userId);
    return now.definitionId === target || normalizePresenceName(now.systemPresence) === target;
  }

  it('at a boundary enqueues the new activity’s presence for every agent changing there, once', async () => {
    p = await FakeClockPipeline.start({ agents: 50 });
    const mu = p.h.emulator.admin.org().managementUnits[0]!.id;
    await p.sync({ managementUnitIds: new Set([mu]) }).syncBusinessUnit(p.businessUnitId, 'scheduled');
    const index = new FollowIndex(p.h.redis, p.h.prefix);
    const first = await follower().tick();
    expect(first.ran).toBe(true);
    const earlier = new Set(followed().map((e) => e.eventId));

    const next = (await index.next(p.now()))!;
    const changing = (await index.due(next - 1, next)).map((b) => b.userId);
    expect(changing.length).toBeGreaterThan(0);
    await p.startPresenceWorkers(1, POLICY);
    p.clock.set(next);
    const report = await follower().tick();
    expect(report).toMatchObject({ ran: true, enqueued: changing.length, failed: 0 });

    const events = followed().filter((e) => !earlier.has(e.eventId));
    expect(events.map((e) => e.userId).sort()).toEqual([...changing].sort());
    const requestIds = events.map((e) => e.requestId!);
    await p.h.audit.waitForOutcomes(requestIds, 15_000);
    const all = await timelines();
    for (const e of events) {
      expect(p.h.audit.outcomeOf(e.requestId!)).toBe('applied');
      const boundary = activityBoundaries(all.get(e.userId!)!).find((b) => b.at === next)!;
      expect(e.scheduleActivity).toMatchObject({
        category: boundary.to!.category,
        start: boundary.to!.start,
      });
      expect(shows(e.userId!, targetPresence(POLICY, boundary.to)!)).toBe(true);
      const status = await p.producer.getRequestStatus(e.requestId!);
      expect(status).toMatchObject({ source: 'schedule-follower', requestedBy: 'schedule-follower' });
    }

    const again = await follower().tick();
    expect(again.enqueued).toBe(0);
    expect(followed()).toHaveLength(earlier.size + events.length);
  });

  it('enqueues FOLLOW_LEAD_MS ahead with notBefore at the boundary, and schedules a wake-up job for the next one', async () => {
    p = await FakeClockPipeline.start({ agents: 50 });
    const agents = p.h.agents;
    await p.sync({ userIds: new Set(agents) }).syncBusinessUnit(p.businessUnitId, 'scheduled');
    const index = new FollowIndex(p.h.redis, p.h.prefix);
    const lead = 30_000;
    await follower({ leadMs: lead }).tick();
    const next = (await index.next(p.now() + lead))!;

    p.clock.set(next - lead - 1);
    expect((await follower({ leadMs: lead }).tick()).enqueued).toBe(0);
    p.clock.set(next - lead);
    const report = await follower({ leadMs: lead, tickMs: 86_400_000, withQueue: true }).tick();
    expect(report.enqueued).toBeGreaterThan(0);
    for (const e of followed()) {
      const status = await p.producer.getRequestStatus(e.requestId!);
      expect(status).toMatchObject({ status: 'pending', notBefore: new Date(next).toISOString() });
      expect(Date.parse(status!.requestedAt)).toBe(next - lead);
    }
    const wake = await queue!.getJob(followBoundaryJobId(report.nextBoundary!));
    expect(wake?.opts.delay).toBe(report.nextBoundary! - lead - p.now());
  });

  it('leaves a newer manual change alone before a normal activity but not before a mandatory one', async () => {
    p = await FakeClockPipeline.start({ agents: 50 });
    await p.sync({ userIds: new Set(p.h.agents) }).syncBusinessUnit(p.businessUnitId, 'scheduled');
    const now = p.now();
    const upcoming: ActivityBoundary[] = [...(await timelines()).values()]
      .flatMap((t) => activityBoundaries(t))
      .filter((b) => b.at > now + 60_000 && b.to !== undefined)
      .sort((a, b) => a.at - b.at);
    const normal = upcoming.find((b) => b.to!.category === 'OnQueueWork')!;
    const mandatory = upcoming.find(
      (b) => b.at > normal.at && b.userId !== normal.userId && MANDATORY.has(b.to!.category),
    )!;
    expect(normal).toBeDefined();
    expect(mandatory).toBeDefined();
    // Only these two agents follow from now on.
    await p
      .sync({ userIds: new Set([normal.userId, mandatory.userId]) })
      .syncBusinessUnit(p.businessUnitId, 'scheduled');
    await p.startPresenceWorkers(1, POLICY);
    const lead = 400;

    for (const [boundary, manual, expected] of [
      [normal, 'Busy', 'conflict'],
      [mandatory, 'Available', 'applied'],
    ] as const) {
      p.clock.set(boundary.at - lead);
      const report = await follower({ leadMs: lead }).tick();
      expect(report.enqueued).toBe(1);
      const [event] = followed(boundary.userId);
      expect(event!.force).toBe(expected === 'applied');
      // The agent changes presence after the request was made, before the boundary.
      p.clock.advance(100);
      p.h.emulator.admin.agentChangesPresence(boundary.userId, manual);
      p.clock.set(boundary.at);
      await p.h.audit.waitForOutcomes([event!.requestId!], 10_000);
      expect(p.h.audit.outcomeOf(event!.requestId!)).toBe(expected);
      const target = targetPresence(POLICY, boundary.to)!;
      expect(shows(boundary.userId, target)).toBe(expected === 'applied');
    }
  });

  it('lands a boundary where 1,000 agents change through the batched pipeline', async () => {
    p = await FakeClockPipeline.start({ agents: 1_000 });
    const agents = p.h.agents;
    const boundary = p.now() + 60_000;
    const timeline = (userId: string): AgentTimeline => ({
      userId,
      businessUnitId: p.businessUnitId,
      timeZone: 'America/New_York',
      windowStart: new Date(boundary - 86_400_000).toISOString(),
      windowEnd: new Date(boundary + 86_400_000).toISOString(),
      activities: [
        {
          start: new Date(boundary).toISOString(),
          end: new Date(boundary + 8 * 3_600_000).toISOString(),
          activityCodeId: 'shift-start',
          category: 'OnQueueWork',
          secondaryPresenceIds: [],
        },
      ],
      syncedAt: new Date(p.now()).toISOString(),
    });
    // A shift start shared by every agent, as the sync would index it for agents who follow their schedule.
    await new TimelineCache(p.h.redis, p.h.prefix).writeTimelines(agents.map(timeline), 3_600_000);
    await new FollowIndex(p.h.redis, p.h.prefix).replace(
      p.businessUnitId,
      agents.map((userId) => ({ userId, at: boundary })),
      3_600_000,
    );
    await follower().tick();
    await p.startPresenceWorkers(2, POLICY);
    p.h.emulator.admin.resetCalls();
    const needWrite = agents.filter(
      (id) => p.h.emulator.admin.presence(id).systemPresence !== 'ON_QUEUE',
    ).length;

    p.clock.set(boundary);
    const report = await follower().tick();
    expect(report).toMatchObject({ enqueued: 1_000, failed: 0 });
    const requestIds = followed().map((e) => e.requestId!);
    await p.h.audit.waitForOutcomes(requestIds, 40_000);
    expect(requestIds.filter((id) => p.h.audit.outcomeOf(id) !== 'applied')).toEqual([]);
    expect(agents.filter((id) => p.h.emulator.admin.presence(id).systemPresence !== 'ON_QUEUE')).toEqual([]);

    const puts = p.h.emulator.admin.callCount(...BULK_PUT);
    const patches = p.h.emulator.admin.callCount(...PATCH);
    const gets = p.h.emulator.admin.callCount(...BULK_GET);
    // ≤ 50 agents per bulk PUT; a batch may close early, a lone change may PATCH.
    expect(puts + patches).toBeGreaterThanOrEqual(Math.ceil(needWrite / 50));
    expect(puts).toBeGreaterThan(patches);
    expect(puts + patches).toBeLessThanOrEqual(60);
    expect(puts + patches + gets).toBeLessThan(150);
    process.stdout.write(
      `follower boundary of 1000 agents (${needWrite} not yet On Queue): bulk PUT ${puts}, PATCH ${patches}, bulk GET ${gets}\n`,
    );
  });
});
