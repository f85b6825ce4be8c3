import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFAULT_PRESENCE_POLICY } from '../../src/policy/presence-policy';
import { lookupActivity } from '../../src/schedule/lookup-activity';
import { targetPresence } from '../../src/schedule/target-presence';
import { TimelineCache } from '../../src/schedule/timeline-cache';
import type { HeartbeatReport } from '../../src/workers/heartbeat-sweep';
import {
  HEARTBEAT_QUEUE,
  SCHEDULE_FOLLOW_QUEUE,
  SCHEDULE_SYNC_QUEUE,
} from '../../src/workers/scheduler-spec';
import { createSweeps, type Sweeps } from '../../src/workers/scheduler-sweeps';
import type { ScheduleSyncReport } from '../../src/workers/schedule-sync-service';
import { testRedis, testRedisUrl } from '../helpers/redis';
import { PipelineHarness } from './pipeline-harness';

/**
 * The sweeps as the composition root builds them (`createSweeps`), on BullMQ with real Redis and the emulator:
 * jobs requested on demand are processed by the workers; the scheduler role registers the schedulers; and a
 * presence change costs no WFM call once the sync has warmed the schedule cache.
 */
describe('sweeps on BullMQ', () => {
  let h: PipelineHarness;
  let sweeps: Sweeps;
  let connection: Redis;
  const queues = new Map<string, Queue>();
  const events: QueueEvents[] = [];

  const queue = (name: string): Queue => {
    let q = queues.get(name);
    if (q === undefined) {
      q = new Queue(name, { connection: { url: testRedisUrl() }, prefix: h.prefix });
      queues.set(name, q);
    }
    return q;
  };

  async function finished<T>(name: string, jobId: Promise<string>): Promise<T> {
    const queueEvents = new QueueEvents(name, { connection: { url: testRedisUrl() }, prefix: h.prefix });
    events.push(queueEvents);
    await queueEvents.waitUntilReady();
    const id = await jobId;
    const job = await queue(name).getJob(id);
    return (await job!.waitUntilFinished(queueEvents, 15_000)) as T;
  }

  beforeEach(async () => {
    h = await PipelineHarness.start({
      agents: 40,
      env: { FOLLOW_USER_IDS: '' },
    });
    connection = testRedis();
    sweeps = createSweeps({
      config: { ...h.config, FOLLOW_MANAGEMENT_UNIT_IDS: [h.emulator.admin.org().managementUnits[0]!.id] },
      connection,
      queue,
      genesys: h.client,
      producer: h.producer,
      audit: h.audit,
      policy: DEFAULT_PRESENCE_POLICY,
      logger: h.logger,
    });
    for (const worker of sweeps.workers) {
      await worker.start();
    }
  });

  afterEach(async () => {
    for (const worker of [...sweeps.workers].reverse()) {
      await worker.stop();
    }
    await Promise.all(events.splice(0).map((e) => e.close()));
    for (const q of queues.values()) {
      await q.obliterate({ force: true });
      await q.close();
    }
    queues.clear();
    await connection.quit();
    await h.stop();
  });

  it('runs an on-demand sync and an on-demand heartbeat sweep through their queues', async () => {
    const buId = h.emulator.admin.org().businessUnit.id;
    const sync = await finished<ScheduleSyncReport>(SCHEDULE_SYNC_QUEUE, sweeps.requestScheduleSync(buId));
    expect(sync).toMatchObject({ businessUnitId: buId, ran: true, agents: 40 });
    const sweep = await finished<HeartbeatReport>(HEARTBEAT_QUEUE, sweeps.requestHeartbeatSweep());
    expect(sweep).toMatchObject({ ran: true, agents: 40, calls: 1 });
  });

  it('registers the heartbeat, one sync per business unit and the follower tick, once', async () => {
    const role = sweeps.schedulerRole();
    await Promise.all([role.reconcile(), sweeps.schedulerRole().reconcile()]);
    await role.reconcile();
    const counts = await Promise.all(
      [HEARTBEAT_QUEUE, SCHEDULE_SYNC_QUEUE, SCHEDULE_FOLLOW_QUEUE].map((n) =>
        queue(n).getJobSchedulersCount(),
      ),
    );
    expect(counts).toEqual([1, 1, 1]);
    const scheduler = await queue(SCHEDULE_SYNC_QUEUE).getJobScheduler(
      `schedule-sync-${h.emulator.admin.org().businessUnit.id}`,
    );
    expect(scheduler).toMatchObject({ every: h.config.SCHEDULE_SYNC_EVERY_MS });
  });

  it('makes a presence change cost zero WFM calls once the cache is warm', async () => {
    const buId = h.emulator.admin.org().businessUnit.id;
    await finished<ScheduleSyncReport>(SCHEDULE_SYNC_QUEUE, sweeps.requestScheduleSync(buId));
    const timelines = await new TimelineCache(h.redis, h.prefix).readTimelines(h.agents);
    await h.startWorkers(1);
    h.emulator.admin.resetCalls();

    const requestIds: string[] = [];
    for (const userId of h.agents.slice(0, 10)) {
      const at = lookupActivity(timelines.get(userId)!, new Date());
      const presence = targetPresence(
        DEFAULT_PRESENCE_POLICY,
        at.kind === 'activity' ? at.activity : undefined,
      )!;
      const { requestId } = await h.producer.enqueuePresenceChange({ userId, presence, source: 'crm' });
      requestIds.push(requestId);
    }
    await h.audit.waitForOutcomes(requestIds, 15_000);
    expect(requestIds.map((id) => h.audit.outcomeOf(id))).toEqual(requestIds.map(() => 'applied'));
    const wfm = Object.entries(h.emulator.admin.calls()).filter(([route]) =>
      route.includes('workforcemanagement'),
    );
    expect(wfm).toEqual([]);
    // Each decision used the synced schedule, not "unknown".
    for (const id of requestIds) {
      const status = await h.producer.getRequestStatus(id);
      expect(status?.outcome?.rule).not.toMatch(/^missing-schedule/);
    }
  });
});
