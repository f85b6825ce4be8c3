import { timelineKey } from '../../src/jobs/keys';
import { agentTimelineSchema } from '../../src/schedule/agent-timeline';
import { FollowIndex } from '../../src/schedule/follow-index';
import { ScheduleSearchCompletions } from '../../src/schedule/schedule-search-completions';
import { TimelineCache } from '../../src/schedule/timeline-cache';
import { SweepHarness, WFM_ROUTES } from './schedule-sync-harness';

describe('schedule sync against the emulator (real Redis)', () => {
  let h: SweepHarness;

  beforeAll(async () => {
    h = await SweepHarness.start({ agents: 30 });
  });

  afterAll(async () => {
    await h.stop();
  });

  beforeEach(async () => {
    h.emulator.admin.reset();
    // Start each test from a cold cache.
    const keys = await h.redis.keys(`${h.prefix.replace(/[{}]/g, '')}*`);
    if (keys.length > 0) {
      await h.redis.unlink(...keys);
    }
  });

  it('writes every agent of the business unit from an inline result, then costs one search when warm', async () => {
    const sync = h.sync();
    const report = await sync.syncBusinessUnit(h.businessUnitId, 'scheduled');

    const agents = h.emulator.admin.agentIds();
    expect(report).toMatchObject({
      ran: true,
      agents: agents.length,
      delivery: ['inline'],
      unknownActivityCodeIds: [],
    });
    expect(report.calls).toBe(3);
    expect([
      h.count(WFM_ROUTES.businessUnit),
      h.count(WFM_ROUTES.activityCodes),
      h.count(WFM_ROUTES.search),
    ]).toEqual([1, 1, 1]);
    expect(report.activities).toBeGreaterThan(agents.length);

    const raw = await h.redis.get(timelineKey(h.prefix, agents[0]!));
    const timeline = agentTimelineSchema.parse(JSON.parse(raw!));
    expect(timeline).toMatchObject({
      userId: agents[0],
      businessUnitId: h.businessUnitId,
      timeZone: 'America/New_York',
      windowStart: report.window?.start,
      windowEnd: report.window?.end,
    });
    const ttl = await h.redis.pttl(timelineKey(h.prefix, agents[0]!));
    expect(ttl).toBeGreaterThan(sync.timelineTtlMs - 5_000);
    expect(ttl).toBeLessThanOrEqual(sync.timelineTtlMs);
    // Four local days: yesterday 00:00 to the day after tomorrow 24:00, New York time.
    expect(Date.parse(timeline.windowEnd) - Date.parse(timeline.windowStart)).toBeGreaterThanOrEqual(
      95 * 3_600_000,
    );

    h.emulator.admin.resetCalls();
    const again = await sync.syncBusinessUnit(h.businessUnitId, 'scheduled');
    expect(again.calls).toBe(1);
    expect(h.wfmCalls()).toBe(1);
  });

  it('follows a downloadUrl result', async () => {
    h.emulator.admin.setFaults({ wfmSearchMode: 'download' });
    const report = await h.sync().syncBusinessUnit(h.businessUnitId, 'on-demand');
    expect(report).toMatchObject({ ran: true, agents: 30, delivery: ['download'] });
    // BU + activity codes + search + the download
    expect(report.calls).toBe(4);
    const cache = new TimelineCache(h.redis, h.prefix);
    expect((await cache.readTimelines(h.emulator.admin.agentIds())).size).toBe(30);
  });

  it('waits for an async (Processing) search to complete through the notification and downloads the result', async () => {
    h.emulator.admin.setFaults({ wfmSearchMode: 'async' });
    const completions = new ScheduleSearchCompletions(h.redis, h.prefix);
    await h.forwardSearchCompletions(completions);
    const report = await h.sync({ completions }).syncBusinessUnit(h.businessUnitId, 'scheduled');
    expect(report).toMatchObject({ ran: true, agents: 30, delivery: ['download'] });
    expect(h.count(WFM_ROUTES.search)).toBe(1);
  });

  it('gives up on a search stuck in Processing after the wait, writing nothing', async () => {
    h.emulator.admin.setFaults({ wfmSearchMode: 'stuck' });
    const completions = new ScheduleSearchCompletions(h.redis, h.prefix);
    const started = Date.now();
    await expect(
      h.sync({ completions, searchWaitMs: 300 }).syncBusinessUnit(h.businessUnitId, 'scheduled'),
    ).rejects.toMatchObject({ code: 'SCHEDULE_SEARCH_PENDING' });
    expect(Date.now() - started).toBeLessThan(5_000);
    const cache = new TimelineCache(h.redis, h.prefix);
    expect((await cache.readTimelines(h.emulator.admin.agentIds())).size).toBe(0);
  });

  it('syncs a business unit once at a time across processes', async () => {
    const [a, b] = await Promise.all([
      h.sync().syncBusinessUnit(h.businessUnitId, 'scheduled'),
      h.sync().syncBusinessUnit(h.businessUnitId, 'scheduled'),
    ]);
    expect([a.ran, b.ran].sort()).toEqual([false, true]);
    expect(h.count(WFM_ROUTES.search)).toBe(1);
  });

  it('searches only the configured agents and caches their business unit', async () => {
    const agents = h.emulator.admin.agentIds();
    const managed = agents.slice(0, 5);
    // First sync learns the agents' business unit; the second can mark absent ones as off shift.
    const report = await h.sync({ managed }).syncBusinessUnit(h.businessUnitId, 'scheduled');
    expect(report.agents).toBe(5);
    const cache = new TimelineCache(h.redis, h.prefix);
    expect([...(await cache.readTimelines(agents)).keys()].sort()).toEqual([...managed].sort());
    expect(await cache.readUnits(managed)).toEqual(
      new Map(managed.map((id) => [id, { businessUnitId: h.businessUnitId }])),
    );
  });

  it('resolves management units once for followed units and indexes only followed agents’ boundaries', async () => {
    // 120 agents: three management units.
    const big = await SweepHarness.start({ agents: 120 });
    try {
      const org = big.emulator.admin.org();
      const mu = org.managementUnits[0]!.id;
      const members = org.agents.filter((a) => a.managementUnitId === mu).map((a) => a.id);
      const extra = org.agents.find((a) => a.managementUnitId !== mu)!.id;
      const sync = big.sync({ follow: { managementUnitIds: new Set([mu]), userIds: new Set([extra]) } });

      const first = await sync.syncBusinessUnit(big.businessUnitId, 'scheduled');
      expect(first.unitLookups).toBe(120);
      expect(big.count(WFM_ROUTES.managementUnit)).toBe(120);
      expect(first.followedAgents).toBe(members.length + 1);
      expect(first.followBoundaries).toBeGreaterThan(0);

      const cache = new TimelineCache(big.redis, big.prefix);
      const timelines = await cache.readTimelines(org.agents.map((a) => a.id));
      for (const agent of org.agents) {
        expect(timelines.get(agent.id)?.managementUnitId).toBe(agent.managementUnitId);
      }
      const index = new FollowIndex(big.redis, big.prefix);
      const indexed = new Set((await index.due(0, Number.MAX_SAFE_INTEGER)).map((b) => b.userId));
      // Only followed agents are indexed (some have no activity left in the window: days off).
      const followed = new Set([...members, extra]);
      expect([...indexed].filter((id) => !followed.has(id))).toEqual([]);
      expect(indexed.size).toBeGreaterThan(followed.size / 2);

      big.emulator.admin.resetCalls();
      const second = await sync.syncBusinessUnit(big.businessUnitId, 'scheduled');
      expect(second.unitLookups).toBe(0);
      expect(big.count(WFM_ROUTES.managementUnit)).toBe(0);
    } finally {
      await big.stop();
    }
  });

  it('caps management-unit lookups per sync and finishes them on the next syncs', async () => {
    const mu = h.emulator.admin.org().managementUnits[0]!.id;
    const sync = h.sync({ follow: { managementUnitIds: new Set([mu]) }, unitLookupsPerSync: 12 });
    expect((await sync.syncBusinessUnit(h.businessUnitId, 'scheduled')).unitLookups).toBe(12);
    expect((await sync.syncBusinessUnit(h.businessUnitId, 'scheduled')).unitLookups).toBe(12);
    expect((await sync.syncBusinessUnit(h.businessUnitId, 'scheduled')).unitLookups).toBe(6);
    expect((await sync.syncBusinessUnit(h.businessUnitId, 'scheduled')).unitLookups).toBe(0);
  });
});
