import { PRESENCE_CHANGE_JOB_NAME, presenceChangeJobOptions } from '../../src/jobs/presence-change-job';
import { DEFAULT_PRESENCE_POLICY } from '../../src/policy/presence-policy';
import { requestKey } from '../../src/jobs/keys';
import type { PresencePipelineObserver } from '../../src/workers/presence-observer';
import { PipelineHarness } from './pipeline-harness';

/**
 * The presence worker end to end on real Redis, the real Genesys client and the emulator: outcomes, audit events,
 * the Genesys calls made (counted by the emulator) and its presence history.
 */
const ID = {
  available: '6a3af858-942f-489d-9700-5f9bcdcdae9b',
  break: '227b37e2-f1d0-4dd0-8f50-badd7cf6d158',
  onQueue: 'e08eaf1b-ee47-4fa9-a231-1200e284798f',
  meal: '3fd96123-badb-4f69-bc03-1b1ccc6d8014',
};
const BULK_PUT: [string, string] = ['PUT', '/api/v2/users/presences/bulk'];
const PATCH: [string, string] = ['PATCH', '/api/v2/users/:userId/presences/purecloud'];
const BULK_GET: [string, string] = ['GET', '/api/v2/users/presences/purecloud/bulk'];

describe('presence worker against the emulator', () => {
  let h: PipelineHarness;
  const calls = (route: [string, string]) => h.emulator.admin.callCount(route[0], route[1]);
  const serviceWrites = (userId: string) =>
    h.emulator.admin.presenceHistory(userId).filter((e) => e.changedBy === 'service');

  beforeEach(async () => {
    h = await PipelineHarness.start({ agents: 60 });
  });

  afterEach(async () => {
    await h.stop();
  });

  async function enqueue(userId: string, presence: string, extra: Record<string, unknown> = {}) {
    return h.producer.enqueuePresenceChange({
      userId,
      presence,
      source: 'crm',
      requestedBy: 'tester',
      ...extra,
    });
  }

  test('an allowed change is applied in Genesys, recorded with its decision and audited once', async () => {
    const [agent] = h.agents as [string];
    await h.setSchedule(agent, 'Break');
    await h.startWorkers(1);
    const { requestId } = await enqueue(agent, 'Break', { reason: 'scheduled break' });
    await h.audit.waitForOutcomes([requestId], 10_000);

    expect(h.audit.outcomeOf(requestId)).toBe('applied');
    expect(h.emulator.admin.presence(agent).definitionId).toBe(ID.break);
    const status = await h.producer.getRequestStatus(requestId);
    expect(status).toMatchObject({
      status: 'applied',
      outcome: { rule: 'category.Break', appliedVersion: 1, scheduleActivity: { category: 'Break' } },
    });
    expect(status?.outcome?.genesys?.correlationId).toEqual(expect.any(String));
    const view = await h.producer.getAgentView(agent);
    expect(view).toMatchObject({ version: 1, applied: { version: 1, presenceId: ID.break, requestId } });
    expect(view?.observed?.presenceId).toBe(ID.break);
    expect(view?.pendingRequestId).toBeUndefined();
    const applied = h.audit.eventsOf(requestId).find((e) => e.type === 'applied');
    expect(applied).toMatchObject({
      userId: agent,
      source: 'crm',
      reason: 'scheduled break',
      requestedPresence: { id: ID.break },
      version: 1,
      appliedVersion: 1,
      policyRule: 'category.Break',
      scheduleActivity: { category: 'Break' },
    });
    expect(applied?.genesys?.correlationId).toEqual(expect.any(String));
  });

  test('a change the schedule forbids is blocked without any write; a supervisor can force it', async () => {
    const [agent] = h.agents as [string];
    await h.setSchedule(agent, 'Break');
    await h.startWorkers(1);
    const before = serviceWrites(agent).length;
    const blocked = await enqueue(agent, 'On Queue');
    await h.audit.waitForOutcomes([blocked.requestId], 10_000);
    expect(h.audit.outcomeOf(blocked.requestId)).toBe('blocked');
    expect(await h.producer.getRequestStatus(blocked.requestId)).toMatchObject({
      status: 'blocked',
      outcome: { rule: 'category.Break', scheduleActivity: { category: 'Break' } },
    });
    expect(serviceWrites(agent)).toHaveLength(before);

    const forced = await enqueue(agent, 'On Queue', {
      force: true,
      source: 'supervisor',
      reason: 'queue emergency',
    });
    await h.audit.waitForOutcomes([forced.requestId], 10_000);
    expect(await h.producer.getRequestStatus(forced.requestId)).toMatchObject({
      status: 'applied',
      outcome: { rule: 'force.override', override: true },
    });
    expect(h.emulator.admin.presence(agent).definitionId).toBe(ID.onQueue);
  });

  test('an agent who changed presence after the request wins: the request is a conflict', async () => {
    const [agent] = h.agents as [string];
    await h.setSchedule(agent, 'OffQueueWork');
    const { requestId } = await enqueue(agent, 'Available');
    h.emulator.admin.agentChangesPresence(agent, 'Meeting');
    const writesBefore = serviceWrites(agent).length;
    await h.startWorkers(1);
    await h.audit.waitForOutcomes([requestId], 10_000);
    expect(h.audit.outcomeOf(requestId)).toBe('conflict');
    expect((await h.producer.getRequestStatus(requestId))?.outcome?.detail).toMatch(/by someone else/);
    expect(serviceWrites(agent)).toHaveLength(writesBefore);
    expect(h.emulator.admin.presence(agent).systemPresence).toBe('MEETING');
  });

  test('an older request that has not been applied yet is superseded with no API call', async () => {
    const [agent] = h.agents as [string];
    await h.setSchedule(agent, 'OffQueueWork');
    const first = await enqueue(agent, 'Available');
    const second = await enqueue(agent, 'Busy');
    await h.startWorkers(1);
    await h.audit.waitForOutcomes([first.requestId, second.requestId], 10_000);
    expect(h.audit.outcomeOf(first.requestId)).toBe('superseded');
    expect(h.audit.outcomeOf(second.requestId)).toBe('applied');
    expect(serviceWrites(agent).map((e) => e.systemPresence)).toEqual(['BUSY']);
  });

  /** Resolves when the worker has finished `count` jobs (any result), counted from now. */
  function jobsFinished(count: number): { observer: PresencePipelineObserver; done: Promise<string[]> } {
    const results: string[] = [];
    let resolve: (r: string[]) => void = () => undefined;
    const done = new Promise<string[]>((r) => (resolve = r));
    return {
      observer: {
        onJobDuration: (_ms, result) => {
          results.push(result);
          if (results.length === count) {
            resolve(results);
          }
        },
      },
      done,
    };
  }

  test("a superseded request's audit event is emitted once, by the producer: its job completes without re-emitting it", async () => {
    const [agent] = h.agents as [string];
    await h.setSchedule(agent, 'OffQueueWork');
    const first = await enqueue(agent, 'Available');
    const second = await enqueue(agent, 'Busy');
    const jobs = jobsFinished(2);
    await h.startWorkers(1, { observer: jobs.observer });
    expect((await jobs.done).sort()).toEqual(['already-decided', 'applied']);
    expect(h.audit.outcomeOf(first.requestId)).toBe('superseded');
    expect(h.audit.emitCounts.get(`${first.requestId}:superseded`)).toBe(1);
    expect(h.audit.emitCounts.get(`${second.requestId}:applied`)).toBe(1);
    expect(await h.redis.hget(requestKey(h.prefix, agent, first.requestId), 'outcomeAudited')).toBe('1');
  });

  test("when the producer could not queue the superseded event, the replaced request's job emits it", async () => {
    const [agent] = h.agents as [string];
    await h.setSchedule(agent, 'OffQueueWork');
    const first = await enqueue(agent, 'Available');
    h.audit.failNextEmit = new Error('audit queue unreachable');
    const second = await enqueue(agent, 'Busy'); // accepted; its events and job are left to the outbox recovery
    expect(await h.redis.hget(requestKey(h.prefix, agent, first.requestId), 'outcomeAudited')).toBeNull();
    await h.startWorkers(1);
    await h.audit.waitForOutcomes([first.requestId, second.requestId], 15_000);
    expect(h.audit.outcomeOf(first.requestId)).toBe('superseded');
    expect(h.audit.outcomeOf(second.requestId)).toBe('applied');
    expect(h.audit.emitCounts.get(`${first.requestId}:superseded`)).toBeGreaterThanOrEqual(1);
  });

  test('a worker that died after recording an outcome but before emitting it: the redelivered job emits it', async () => {
    const [agent] = h.agents as [string];
    await h.setSchedule(agent, 'Break');
    const { requestId, version } = await enqueue(agent, 'On Queue');
    // What the dead run left: the outcome recorded by the finalize script, no audit event, the job still queued.
    const recorded = await h.producer.store.finalize({
      userId: agent,
      requestId,
      version,
      outcome: 'blocked',
      nowMs: Date.now(),
      requestTtlMs: 60_000,
      record: { decision: 'blocked by the schedule policy', rule: 'category.Break' },
    });
    expect(recorded.kind).toBe('ok');
    expect(h.audit.outcomeOf(requestId)).toBeUndefined();
    const jobs = jobsFinished(1);
    await h.startWorkers(1, { observer: jobs.observer });
    expect(await jobs.done).toEqual(['already-decided']);
    expect(h.audit.outcomeOf(requestId)).toBe('blocked');
    expect(h.audit.emitCounts.get(`${requestId}:blocked`)).toBe(1);
    expect(h.audit.eventsOf(requestId).find((e) => e.type === 'blocked')).toMatchObject({
      decision: 'blocked by the schedule policy',
      policyRule: 'category.Break',
    });
  });

  test('thirty changes ready together cost one bulk PUT and one bulk GET, not thirty PATCHes', async () => {
    const agents = h.agents.slice(0, 30);
    for (const a of agents) {
      await h.setSchedule(a, 'Meal');
    }
    const ids = [];
    for (const a of agents) {
      ids.push((await enqueue(a, 'Meal')).requestId);
    }
    h.emulator.admin.resetCalls();
    await h.startWorkers(1, { config: { BATCH_WINDOW_MS: 25 } });
    await h.audit.waitForOutcomes(ids, 15_000);
    expect(ids.map((id) => h.audit.outcomeOf(id))).toEqual(ids.map(() => 'applied'));
    // agents already at Meal need no write; the rest share the bulk PUTs
    const writes = calls(BULK_PUT) + calls(PATCH);
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThanOrEqual(3);
    expect(calls(BULK_GET)).toBeLessThanOrEqual(3);
    for (const a of agents) {
      expect(h.emulator.admin.presence(a).definitionId).toBe(ID.meal);
    }
  });

  test('a 429 pauses the queue and the change is applied afterwards; no attempt is used up', async () => {
    const [agent] = h.agents as [string];
    await h.setSchedule(agent, 'Break');
    h.emulator.admin.failNext({
      count: 2,
      kind: 'status',
      status: 429,
      retryAfterSeconds: 1,
      method: 'PATCH',
    });
    await h.startWorkers(1);
    const started = Date.now();
    const { requestId } = await enqueue(agent, 'Break');
    await h.audit.waitForOutcomes([requestId], 15_000);
    expect(h.audit.outcomeOf(requestId)).toBe('applied');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    // Drained: the job has been moved to completed; BullMQ counts the finished attempt, the 429s count nothing.
    await h.stopWorkers();
    const job = await h.queue.getJob(requestId);
    expect(await job?.getState()).toBe('completed');
    expect(job?.attemptsMade).toBe(1);
  });

  test('a 5xx is retried with backoff and the change lands once', async () => {
    const [agent] = h.agents as [string];
    await h.setSchedule(agent, 'Break');
    h.emulator.admin.failNext({ count: 1, kind: 'status', status: 503, method: 'PATCH' });
    await h.startWorkers(1);
    const { requestId } = await enqueue(agent, 'Break');
    await h.audit.waitForOutcomes([requestId], 15_000);
    expect(h.audit.outcomeOf(requestId)).toBe('applied');
    expect(serviceWrites(agent).filter((e) => e.definitionId === ID.break)).toHaveLength(1);
    // Drained: the job has been moved to completed; the failed attempt and the one that succeeded are counted.
    await h.stopWorkers();
    const job = await h.queue.getJob(requestId);
    expect(await job?.getState()).toBe('completed');
    expect(job?.attemptsMade).toBe(2);
  });

  test('a permanent 4xx fails the request and dead-letters the job with the reason', async () => {
    const [agent] = h.agents as [string];
    await h.setSchedule(agent, 'Break');
    h.emulator.admin.failNext({ count: 1, kind: 'status', status: 400, method: 'PATCH' });
    await h.startWorkers(1);
    const { requestId } = await enqueue(agent, 'Break');
    await h.audit.waitForOutcomes([requestId], 10_000);
    expect(h.audit.outcomeOf(requestId)).toBe('failed');
    expect(await h.producer.getRequestStatus(requestId)).toMatchObject({
      status: 'failed',
      outcome: { errorCode: 'GENESYS_BAD_REQUEST' },
    });
    // The outcome is recorded before the job is dead-lettered and moved to failed: drain the worker first.
    await h.stopWorkers();
    const dead = await h.deadLetters.getJobs(['waiting']);
    expect(dead.map((j) => j.data)).toEqual([
      expect.objectContaining({
        requestId,
        userId: agent,
        code: 'GENESYS_BAD_REQUEST',
        queue: 'presence-change',
      }),
    ]);
    const job = await h.queue.getJob(requestId);
    expect(await job?.getState()).toBe('failed');
    expect(job?.attemptsMade).toBe(1);
  });

  test('a corrupt job placed directly in the queue is dead-lettered and the worker keeps working', async () => {
    const [agent, other] = h.agents as [string, string];
    await h.setSchedule(other, 'Break');
    await h.startWorkers(1);
    await h.queue.add(
      PRESENCE_CHANGE_JOB_NAME,
      { userId: agent, version: 'x', token: 'secret' },
      presenceChangeJobOptions(h.config, 'corrupt-1', 0),
    );
    const { requestId } = await enqueue(other, 'Break');
    await h.audit.waitForOutcomes([requestId], 10_000);
    // The corrupt job is handled beside the valid one: drain the worker before reading the dead letters.
    await h.stopWorkers();
    const dead = await h.deadLetters.getJobs(['waiting']);
    expect(dead.map((j) => j.data.code)).toEqual(['JOB_INVALID_PAYLOAD']);
    expect(JSON.stringify(dead[0]?.data)).not.toContain('secret');
    expect(h.audit.outcomeOf(requestId)).toBe('applied');
  });

  test('a job BullMQ fails for stalling too often ends its request as failed (JOB_STALLED), audited and dead-lettered', async () => {
    const [agent, other] = h.agents as [string, string];
    await h.setSchedule(agent, 'Break');
    await h.setSchedule(other, 'Break');
    const { requestId } = await enqueue(agent, 'Break');
    // What BullMQ's stalled-job check leaves on a job whose workers died under it more than maxStalledCount
    // times (moveStalledJobsToWait: HSET <job> defa "job stalled more than allowable limit", back to wait).
    await h.redis.hset(
      `${h.prefix}:presence-change:${requestId}`,
      'defa',
      'job stalled more than allowable limit',
    );
    await h.startWorkers(1);
    const second = await enqueue(other, 'Break');
    await h.audit.waitForOutcomes([requestId, second.requestId], 10_000);

    expect(h.audit.outcomeOf(requestId)).toBe('failed');
    expect(h.audit.outcomeOf(second.requestId)).toBe('applied');
    expect(await h.producer.getRequestStatus(requestId)).toMatchObject({
      status: 'failed',
      outcome: {
        errorCode: 'JOB_STALLED',
        detail: expect.stringContaining('stalled more than allowable limit'),
      },
    });
    expect(serviceWrites(agent)).toHaveLength(0);
    await h.stopWorkers();
    const dead = await h.deadLetters.getJobs(['waiting']);
    expect(dead.map((j) => j.data)).toEqual([
      expect.objectContaining({ requestId, userId: agent, code: 'JOB_STALLED', queue: 'presence-change' }),
    ]);
    const job = await h.queue.getJob(requestId);
    expect(await job?.getState()).toBe('failed');
    expect(job?.failedReason).toBe('job stalled more than allowable limit');
  });

  test('the schedule is fetched through WFM on a cache miss, once per agent, and cached', async () => {
    const [a, b] = h.agents as [string, string];
    // The two misses share one schedule search because the batch closes when both have arrived (size 2), not when
    // a timer fires: how far apart the worker takes the two jobs does not matter.
    await h.startWorkers(1, {
      policy: { ...DEFAULT_PRESENCE_POLICY, onMissingSchedule: 'block' },
      schedule: h.scheduleSource({ batchMaxUsers: 2, batchWindowMs: 120_000 }),
    });
    const search = () =>
      h.emulator.admin.callCount(
        'POST',
        '/api/v2/workforcemanagement/businessunits/:buId/agentschedules/search',
      );
    const unit = () =>
      h.emulator.admin.callCount('GET', '/api/v2/workforcemanagement/agents/:agentId/managementunit');
    h.emulator.admin.resetCalls();
    const first = await Promise.all([enqueue(a, 'Offline'), enqueue(b, 'Offline')]);
    await h.audit.waitForOutcomes(
      first.map((r) => r.requestId),
      10_000,
    );
    expect(search()).toBe(1);
    expect(unit()).toBe(2);
    // known schedule: not blocked as "missing"
    for (const r of first) {
      expect((await h.producer.getRequestStatus(r.requestId))?.outcome?.rule).not.toMatch(/missing-schedule/);
    }
    // Both agents again: served from the cache, no WFM call at all (two misses would fill a batch: a 2nd search).
    const second = await Promise.all([enqueue(a, 'Offline'), enqueue(b, 'Offline')]);
    await h.audit.waitForOutcomes(
      second.map((r) => r.requestId),
      10_000,
    );
    expect(search()).toBe(1);
    expect(unit()).toBe(2);
  });
});
