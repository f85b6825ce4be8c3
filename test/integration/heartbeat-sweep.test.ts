import type { Redis } from 'ioredis';
import { PresenceProducer } from '../../src/jobs/presence-producer';
import { DEFAULT_PRESENCE_POLICY } from '../../src/policy/presence-policy';
import { AgentRoster } from '../../src/schedule/agent-roster';
import type { ActivityCategory } from '../../src/schedule/agent-timeline';
import { lookupActivity } from '../../src/schedule/lookup-activity';
import { TimelineCache } from '../../src/schedule/timeline-cache';
import { HeartbeatSweep } from '../../src/workers/heartbeat-sweep';
import { GenesysScheduleSource } from '../../src/workers/presence-schedule-source';
import { PresenceWorker } from '../../src/workers/presence-worker';
import { ScheduleSync } from '../../src/workers/schedule-sync-service';
import { FakeClock } from '../helpers/emulator';
import { testRedis } from '../helpers/redis';
import { PipelineHarness } from './pipeline-harness';

/**
 * Heartbeat sweeps against the emulator, with the real pipeline behind enforcement. The emulator, the sync and
 * the sweep share a fake clock (Wednesday 12 March 2025, 11:00 in New York), so the published schedules and the
 * agents on a mandatory activity at that instant are the same on every run.
 */
const BULK_GET: [string, string] = ['GET', '/api/v2/users/presences/purecloud/bulk'];
const BULK_PUT: [string, string] = ['PUT', '/api/v2/users/presences/bulk'];
const PATCH: [string, string] = ['PATCH', '/api/v2/users/:userId/presences/purecloud'];
const ON_QUEUE = 'e08eaf1b-ee47-4fa9-a231-1200e284798f';
const AVAILABLE = '6a3af858-942f-489d-9700-5f9bcdcdae9b';
const MANDATORY = new Set<ActivityCategory>(['Break', 'Meal', 'Training']);

describe('heartbeat sweep against the emulator', () => {
  const clock = new FakeClock('2025-03-12T15:00:00.000Z');
  let h: PipelineHarness;
  let producer: PresenceProducer;
  const workers: Array<{ worker: PresenceWorker; connection: Redis }> = [];

  beforeEach(async () => {
    clock.set('2025-03-12T15:00:00.000Z');
    h = await PipelineHarness.start({ agents: 120, emulator: { now: clock.now } });
    await new ScheduleSync({
      redis: h.redis,
      prefix: h.prefix,
      wfm: h.client,
      roster: roster(),
      follow: { userIds: new Set(), managementUnitIds: new Set() },
      settings: {
        syncEveryMs: h.config.SCHEDULE_SYNC_EVERY_MS,
        minCacheTtlMs: 900_000,
        searchWaitMs: 5_000,
        unitLookupsPerSync: 0,
        followMaxLatenessMs: 300_000,
      },
      logger: h.logger,
      now: clock.now,
    }).syncBusinessUnit(h.emulator.admin.org().businessUnit.id, 'scheduled');
    h.emulator.admin.resetCalls();
    // The pipeline on the same fake clock: request times, the policy's "now" and the schedule source.
    producer = new PresenceProducer({
      redis: h.redis,
      queue: h.queue,
      resolver: h.client,
      audit: h.audit,
      config: h.config,
      logger: h.logger,
      now: clock.now,
    });
  });

  afterEach(async () => {
    for (const { worker, connection } of workers.splice(0)) {
      await worker.stop();
      await connection.quit();
    }
    await h.stop();
  });

  async function startPresenceWorker(): Promise<void> {
    const connection = testRedis();
    const worker = new PresenceWorker({
      config: h.config,
      connection,
      genesys: h.newClient(),
      schedule: new GenesysScheduleSource({
        redis: h.redis,
        prefix: h.prefix,
        wfm: h.client,
        ttlSeconds: 900,
        logger: h.logger,
        now: clock.now,
      }),
      policy: DEFAULT_PRESENCE_POLICY,
      audit: h.audit,
      logger: h.logger,
      now: clock.now,
    });
    await worker.start();
    workers.push({ worker, connection });
  }

  function roster(): AgentRoster {
    return new AgentRoster({
      redis: h.redis,
      prefix: h.prefix,
      managedUserIds: [],
      directory: h.client,
      refreshMs: 3_600_000,
      logger: h.logger,
    });
  }

  function sweep(mode: 'observe' | 'enforce' = 'observe', observer = {}): HeartbeatSweep {
    return new HeartbeatSweep({
      redis: h.redis,
      prefix: h.prefix,
      genesys: h.client,
      roster: roster(),
      producer,
      audit: h.audit,
      policy: DEFAULT_PRESENCE_POLICY,
      mandatory: MANDATORY,
      mode,
      everyMs: 60_000,
      logger: h.logger,
      observer,
      now: clock.now,
    });
  }

  /** Agents whose synced schedule has them in `category` at the fake now. */
  async function agentsIn(category: ActivityCategory): Promise<string[]> {
    const timelines = await new TimelineCache(h.redis, h.prefix).readTimelines(h.agents);
    return h.agents.filter((id) => {
      const t = timelines.get(id);
      const at = t === undefined ? undefined : lookupActivity(t, new Date(clock.now()));
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
    await startPresenceWorker();
    const { requestId } = await producer.enqueuePresenceChange({
      userId: agent!,
      presence: 'On Queue',
      source: 'crm',
    });
    await h.audit.waitForOutcomes([requestId], 10_000);
    expect(h.audit.outcomeOf(requestId)).toBe('applied');

    clock.advance(60_000);
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
    expect((await producer.getAgentView(agent!))?.observed).toMatchObject({
      presenceId: AVAILABLE,
      source: 'heartbeat',
    });

    clock.advance(60_000);
    h.emulator.admin.agentChangesPresence(agent!, 'Busy');
    await sweep().run('s3');
    expect(events('drift-detected', agent)).toHaveLength(2);
  });

  it('in enforce mode re-asserts a mandatory break through the pipeline, and the next sweep finds it in line', async () => {
    const onBreak = await agentsIn('Break');
    expect(onBreak.length).toBeGreaterThan(0);
    const agent = onBreak[0]!;
    const timeline = (await new TimelineCache(h.redis, h.prefix).readTimelines([agent])).get(agent)!;
    const breakActivity = lookupActivity(timeline, new Date(clock.now()));
    const target =
      breakActivity.kind === 'activity'
        ? (breakActivity.activity.secondaryPresenceIds[0] ?? 'break')
        : 'break';
    h.emulator.admin.agentChangesPresence(agent, 'On Queue');
    await startPresenceWorker();
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
    clock.advance(60_000);
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
