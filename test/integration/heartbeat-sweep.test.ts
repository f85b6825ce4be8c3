import { DEFAULT_PRESENCE_POLICY } from '../../src/policy/presence-policy';
import type { ActivityCategory } from '../../src/schedule/agent-timeline';
import { lookupActivity } from '../../src/schedule/lookup-activity';
import { TimelineCache } from '../../src/schedule/timeline-cache';
import { HeartbeatSweep } from '../../src/workers/heartbeat-sweep';
import type { PipelineHarness } from './pipeline-harness';
import { FakeClockPipeline } from './schedule-sync-harness';

/**
 * Heartbeat sweeps against the emulator, with the real pipeline behind enforcement. The emulator, the sync, the
 * pipeline and the sweep share a fake clock (Wednesday 12 March 2025, 11:00 in New York), so the published
 * schedules and the agents on a mandatory activity at that instant are the same on every run.
 */
const BULK_GET: [string, string] = ['GET', '/api/v2/users/presences/purecloud/bulk'];
const BULK_PUT: [string, string] = ['PUT', '/api/v2/users/presences/bulk'];
const PATCH: [string, string] = ['PATCH', '/api/v2/users/:userId/presences/purecloud'];
const ON_QUEUE = 'e08eaf1b-ee47-4fa9-a231-1200e284798f';
const AVAILABLE = '6a3af858-942f-489d-9700-5f9bcdcdae9b';
const MANDATORY = new Set<ActivityCategory>(['Break', 'Meal', 'Training']);

describe('heartbeat sweep against the emulator', () => {
  let p: FakeClockPipeline;
  let h: PipelineHarness;

  beforeEach(async () => {
    p = await FakeClockPipeline.start({ agents: 120 });
    h = p.h;
    await p.sync().syncBusinessUnit(p.businessUnitId, 'scheduled');
    h.emulator.admin.resetCalls();
  });

  afterEach(async () => {
    await p.stop();
  });

  function sweep(mode: 'observe' | 'enforce' = 'observe', observer = {}): HeartbeatSweep {
    return new HeartbeatSweep({
      redis: h.redis,
      prefix: h.prefix,
      genesys: h.client,
      roster: p.roster(),
      producer: p.producer,
      audit: h.audit,
      policy: DEFAULT_PRESENCE_POLICY,
      mandatory: MANDATORY,
      mode,
      everyMs: 60_000,
      logger: h.logger,
      observer,
      now: p.now,
    });
  }

  /** Agents whose synced schedule has them in `category` at the fake now. */
  async function agentsIn(category: ActivityCategory): Promise<string[]> {
    const timelines = await new TimelineCache(h.redis, h.prefix).readTimelines(h.agents);
    return h.agents.filter((id) => {
      const t = timelines.get(id);
      const at = t === undefined ? undefined : lookupActivity(t, new Date(p.now()));
      return at?.kind === 'activity' && at.activity.category === category;
    });
  }

  const events = (type: string, userId?: string) =>
    [...h.audit.byEventId.values()].filter(
      (e) => e.type === type && (userId === undefined || e.userId === userId),
    );

  it('reads 120 agents with 3 bulk GETs and writes nothing when all is in line', async () => {
    // Everyone in line with the schedule: agents on a mandatory activity already show its presence.
    for (const category of MANDATORY) {
      for (const id of await agentsIn(category)) {
        h.emulator.admin.agentChangesPresence(id, category === 'Training' ? 'Training' : category);
      }
    }
    const report = await sweep().run('sweep-1');
    expect(report).toMatchObject({ ran: true, agents: 120, calls: 3, missing: 0, reasserted: 0 });
    expect(h.emulator.admin.callCount(...BULK_GET)).toBe(3);
    expect(h.emulator.admin.callCount(...BULK_PUT) + h.emulator.admin.callCount(...PATCH)).toBe(0);
  });

  it('reports an agent who changed the presence the service applied, once per change', async () => {
    const [agent] = await agentsIn('OnQueueWork');
    expect(agent).toBeDefined();
    await p.startPresenceWorkers(1);
    const { requestId } = await p.producer.enqueuePresenceChange({
      userId: agent!,
      presence: 'On Queue',
      source: 'crm',
    });
    await h.audit.waitForOutcomes([requestId], 10_000);
    expect(h.audit.outcomeOf(requestId)).toBe('applied');

    p.clock.advance(60_000);
    h.emulator.admin.agentChangesPresence(agent!, 'Available');
    const drifts: string[][] = [];
    const first = await sweep('observe', { onDrift: (k: readonly string[]) => drifts.push([...k]) }).run(
      's1',
    );
    expect(events('drift-detected', agent)).toHaveLength(1);
    expect(events('drift-detected', agent)[0]).toMatchObject({
      decision: 'desired-mismatch',
      source: 'heartbeat',
      previousPresence: { id: AVAILABLE },
      requestedPresence: { id: ON_QUEUE },
    });
    expect(drifts).toContainEqual(['desired-mismatch']);
    expect(first.drifted).toBeGreaterThanOrEqual(1);

    const second = await sweep().run('s2');
    expect(second.reported).toBe(0);
    expect(events('drift-detected', agent)).toHaveLength(1);
    expect((await p.producer.getAgentView(agent!))?.observed).toMatchObject({
      presenceId: AVAILABLE,
      source: 'heartbeat',
    });

    p.clock.advance(60_000);
    h.emulator.admin.agentChangesPresence(agent!, 'Busy');
    await sweep().run('s3');
    expect(events('drift-detected', agent)).toHaveLength(2);
  });

  it('in enforce mode re-asserts a mandatory break through the pipeline, and the next sweep finds it in line', async () => {
    const onBreak = await agentsIn('Break');
    expect(onBreak.length).toBeGreaterThan(0);
    const agent = onBreak[0]!;
    const timeline = (await new TimelineCache(h.redis, h.prefix).readTimelines([agent])).get(agent)!;
    const breakActivity = lookupActivity(timeline, new Date(p.now()));
    const target =
      breakActivity.kind === 'activity'
        ? (breakActivity.activity.secondaryPresenceIds[0] ?? 'break')
        : 'break';
    h.emulator.admin.agentChangesPresence(agent, 'On Queue');
    await p.startPresenceWorkers(1);
    const sweeps: Array<{ drifted: number; reasserted?: number }> = [];

    const report = await sweep('enforce', {
      recordHeartbeatSweep: (s: { drifted: number }) => sweeps.push(s),
    }).run('e1');
    expect(report.reasserted).toBeGreaterThanOrEqual(1);
    const reasserted = events('heartbeat-reasserted', agent);
    expect(reasserted).toHaveLength(1);
    expect(reasserted[0]).toMatchObject({
      source: 'heartbeat',
      requestedPresence: { label: target },
      scheduleActivity: { category: 'Break' },
      policyRule: 'category.Break',
    });
    expect(events('drift-detected', agent)[0]).toMatchObject({
      decision: 'schedule-violation',
      reason: 'mandatory activity',
    });
    const requestId = reasserted[0]!.requestId!;
    await h.audit.waitForOutcomes([requestId], 10_000);
    expect(h.audit.outcomeOf(requestId)).toBe('applied');
    expect(h.emulator.admin.presence(agent).systemPresence).toBe('BREAK');
    expect(h.emulator.admin.presenceHistory(agent).at(-1)).toMatchObject({ changedBy: 'service' });
    expect(sweeps[0]).toMatchObject({ reasserted: report.reasserted });

    // Every agent off their mandatory activity was re-asserted; once those land, the next sweep finds all in line.
    const all = events('heartbeat-reasserted').map((e) => e.requestId!);
    expect(all).toHaveLength(report.reasserted);
    await h.audit.waitForOutcomes(all, 10_000);
    p.clock.advance(60_000);
    const after = await sweep('enforce').run('e2');
    expect(events('heartbeat-reasserted', agent)).toHaveLength(1);
    expect(after.reasserted).toBe(0);
    // Drifts left are non-mandatory ones (e.g. On Queue off shift), all reported already.
    expect(after.reported).toBe(0);
    expect(await h.redis.hexists(`${h.prefix}:heartbeat:drift`, agent)).toBe(0);
  });

  it('in observe mode reports the violated break without asking for any change', async () => {
    const agent = (await agentsIn('Break'))[0]!;
    h.emulator.admin.agentChangesPresence(agent, 'On Queue');
    const report = await sweep('observe').run('o1');
    expect(report.reasserted).toBe(0);
    expect(events('drift-detected', agent)[0]).toMatchObject({
      decision: 'schedule-violation',
      policyRule: 'category.Break',
    });
    expect(events('heartbeat-reasserted')).toHaveLength(0);
    expect(events('requested')).toHaveLength(0);
  });

  it('runs overlapping sweeps once', async () => {
    const [a, b] = await Promise.all([sweep().run('x1'), sweep().run('x2')]);
    expect([a.ran, b.ran].sort()).toEqual([false, true]);
    expect(h.emulator.admin.callCount(...BULK_GET)).toBe(3);
  });
});
