import { AgentRoster } from '../../src/schedule/agent-roster';
import { ScheduleSearchCompletions } from '../../src/schedule/schedule-search-completions';
import { SweepHarness, WFM_ROUTES } from './schedule-sync-harness';

describe('managed agent roster (real Redis, emulator)', () => {
  let h: SweepHarness;

  beforeAll(async () => {
    h = await SweepHarness.start({ agents: 30 });
  });

  afterAll(async () => {
    await h.stop();
  });

  beforeEach(async () => {
    h.emulator.admin.resetCalls();
    const keys = await h.redis.keys(`${h.prefix}*`);
    if (keys.length > 0) {
      await h.redis.unlink(...keys);
    }
  });

  function roster(now: () => number = Date.now, managed: string[] = []): AgentRoster {
    return new AgentRoster({
      redis: h.redis,
      prefix: h.prefix,
      managedUserIds: managed,
      directory: h.client,
      refreshMs: 60_000,
      logger: h.logger,
      now,
    });
  }

  it('reads every user once for all processes and re-reads after ROSTER_REFRESH_MS', async () => {
    let now = Date.now();
    const clock = () => now;
    const lists = await Promise.all([roster(clock).list(), roster(clock).list(), roster(clock).list()]);
    const expected = [...h.emulator.admin.agentIds()].sort();
    for (const list of lists) {
      expect(list).toEqual(expected);
    }
    expect(h.count(WFM_ROUTES.users)).toBe(1);
    await roster(clock).list();
    expect(h.count(WFM_ROUTES.users)).toBe(1);
    now += 60_001;
    expect(await roster(clock).list()).toEqual(expected);
    expect(h.count(WFM_ROUTES.users)).toBe(2);
  });

  it('uses MANAGED_USER_IDS as given, without asking Genesys', async () => {
    expect(await roster(Date.now, ['b', 'a', 'b']).list()).toEqual(['a', 'b']);
    expect(h.count(WFM_ROUTES.users)).toBe(0);
  });
});

describe('schedule search completions (real Redis)', () => {
  let h: SweepHarness;

  beforeAll(async () => {
    h = await SweepHarness.start({ agents: 1 });
  });

  afterAll(async () => {
    await h.stop();
  });

  it('hands a completion to a waiter, also when it arrived before the wait began', async () => {
    const completions = new ScheduleSearchCompletions(h.redis, h.prefix);
    await completions.record({ operationId: 'op-early', downloadUrl: 'http://127.0.0.1/early' });
    expect(await completions.waitFor('op-early', new AbortController().signal)).toBe(
      'http://127.0.0.1/early',
    );

    const waiting = completions.waitFor('op-late', new AbortController().signal);
    // Let the waiter subscribe, then complete another operation first and ours second.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await completions.record({ operationId: 'op-other', downloadUrl: 'http://127.0.0.1/other' });
    await completions.record({ operationId: 'op-late', downloadUrl: 'http://127.0.0.1/late' });
    expect(await waiting).toBe('http://127.0.0.1/late');
  });

  it('gives up when the wait is aborted', async () => {
    const completions = new ScheduleSearchCompletions(h.redis, h.prefix);
    const controller = new AbortController();
    const waiting = completions.waitFor('op-never', controller.signal);
    controller.abort();
    expect(await waiting).toBeUndefined();
    expect(ScheduleSearchCompletions.topic('client-1')).toBe(
      'v2.workforcemanagement.users.client-1.schedules.search',
    );
  });
});
