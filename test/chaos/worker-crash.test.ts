import { Queue, QueueEvents } from 'bullmq';
import { PRESENCE_CHANGE_QUEUE } from '../../src/jobs/queue-names';
import type { Redis } from 'ioredis';
import { checkInvariants, discoverRequests, settle } from '../helpers/chaos-invariants';
import { runLoad, statusCount } from '../helpers/chaos-load';
import { ChaosStack } from '../helpers/chaos-stack';
import { testRedisUrl } from '../helpers/redis';

const PRESENCES = ['Available', 'Away', 'Busy', 'Meal', 'Available', 'On Queue'];

/**
 * Scenario 1: a worker process SIGKILLed mid-batch three times while requests flow. Each time a replacement
 * starts; the killed worker's active jobs stall and are recovered by the others (BullMQ stalled-job check), and
 * every accepted request still ends in exactly one outcome.
 */
describe('worker processes killed mid-batch', () => {
  let stack: ChaosStack;

  beforeAll(async () => {
    stack = await ChaosStack.start({
      name: 'worker-crash',
      redis: { url: testRedisUrl() },
      workers: 2,
      // Each Genesys call takes 150 ms, so batches are in flight most of the time.
      emulator: { agents: 40, latencyMs: 150, rateLimitPerMinute: 100_000 },
      env: { GENESYS_RATE_BUDGET_PER_MINUTE: '100000' },
    });
  });

  afterAll(async () => {
    await ChaosStack.dispose(stack, { deleteKeys: true });
  });

  it('recovers the stalled jobs of three SIGKILLed workers and loses no request', async () => {
    const agents = stack.emulator.admin.agentIds();
    const queue = new Queue(PRESENCE_CHANGE_QUEUE, { connection: stack.redis(), prefix: stack.prefix });
    const url = new URL(testRedisUrl());
    const events = new QueueEvents(PRESENCE_CHANGE_QUEUE, {
      connection: { host: url.hostname, port: Number(url.port || 6379) },
      prefix: stack.prefix,
    });
    let stalled = 0;
    events.on('stalled', () => {
      stalled += 1;
    });
    await events.waitUntilReady();
    const kills: Array<{ label: string; activeJobs: number; atMs: number }> = [];
    const restarts: number[] = [];
    const started = Date.now();
    try {
      const load = runLoad({
        api: stack.client,
        rate: 40,
        durationMs: 30_000,
        request: (i) => ({
          userId: agents[i % agents.length] ?? '',
          body: { presence: PRESENCES[i % PRESENCES.length], source: 'crm', requestedBy: 'chaos-crash' },
        }),
      });
      // Replacements start in the background, so the kills keep to their schedule while requests flow.
      const starting: Array<Promise<unknown>> = [];
      for (const atMs of [5_000, 12_000, 19_000]) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + atMs - Date.now())));
        if (stack.workers.length === 0) {
          await Promise.race(starting);
        }
        // Kill while jobs are active (mid-batch): wait, bounded, until the queue shows some.
        const deadline = Date.now() + 5_000;
        let active = await queue.getActiveCount();
        while (active === 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          active = await queue.getActiveCount();
        }
        const victim = stack.workers[0];
        if (victim === undefined) {
          throw new Error('no worker to kill');
        }
        await stack.killWorker(victim);
        kills.push({ label: victim.label, activeJobs: active, atMs: Date.now() - started });
        const t0 = Date.now();
        starting.push(stack.startWorker().then(() => restarts.push(Date.now() - t0)));
      }
      await Promise.all(starting);
      const report = await load;
      const input = stack.invariantInput(report.accepted);
      const settleMs = await settle(input, { timeoutMs: 150_000 });
      const check = await checkInvariants(input);
      process.stdout.write(
        `chaos worker-crash: sent=${report.sent} accepted=${report.accepted.length} outcomes=${JSON.stringify(check.outcomes)} kills=${JSON.stringify(kills)} restart_ms=${JSON.stringify(restarts)} stalled_events=${stalled} settle_ms=${Math.round(settleMs)} audit_records=${check.auditRecords} by_status=${JSON.stringify(report.byStatus)} samples=${JSON.stringify(report.samples.slice(0, 3))}\n`,
      );
      expect(statusCount(report, 202)).toBe(report.sent);
      expect(kills).toHaveLength(3);
      expect(kills.some((k) => k.activeJobs > 0)).toBe(true);
      expect(stalled).toBeGreaterThan(0);
      expect(check.violations).toEqual([]);
      expect(stack.fatalLogs()).toEqual([]);
      expect(check.chainOk).toBe(true);
      // Nothing is left behind on the queue. A job whose request was already decided may still be marked active
      // on a killed worker until its lock expires and a live worker takes it back: await those jobs' ends.
      const stillActive = await queue.getJobs(['active']);
      await Promise.all(
        stillActive.map((job) => job.waitUntilFinished(events, 60_000).catch(() => undefined)),
      );
      const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'failed');
      expect(counts).toEqual({ wait: 0, active: 0, delayed: 0, failed: 0 });
    } finally {
      await events.close();
      await queue.close();
    }
  });

  it('settles every request an api process accepted before it was SIGKILLed, answered or not (outbox recovery)', async () => {
    const agents = stack.emulator.admin.agentIds();
    const before = new Set(
      (await discoverRequests(stack.redis() as Redis, stack.prefix)).map((r) => r.requestId),
    );
    const started = Date.now();
    const load = runLoad({
      api: stack.client,
      rate: 60,
      durationMs: 10_000,
      request: (i) => ({
        userId: agents[i % agents.length] ?? '',
        body: {
          presence: PRESENCES[(i + 1) % PRESENCES.length],
          source: 'crm',
          requestedBy: 'chaos-api-kill',
        },
      }),
    });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const killedAt = Date.now() - started;
    await stack.api.kill('SIGKILL');
    await stack.startApi();
    const restartedAt = Date.now() - started;
    const report = await load;

    // Every request the pipeline accepted, including those whose answer died with the process.
    const all = await discoverRequests(stack.redis() as Redis, stack.prefix);
    const known = new Set(all.map((r) => r.requestId));
    const input = stack.invariantInput(all);
    const settleMs = await settle(input, { timeoutMs: 60_000 });
    const check = await checkInvariants(input);
    const answered = new Set(report.accepted.map((r) => r.requestId));
    process.stdout.write(
      `chaos api-kill: sent=${report.sent} by_status=${JSON.stringify(report.byStatus)} killed_at_ms=${killedAt} restarted_at_ms=${restartedAt} accepted_in_redis=${all.filter((r) => !before.has(r.requestId)).length} accepted_unanswered=${all.filter((r) => !before.has(r.requestId) && !answered.has(r.requestId)).length} settle_ms=${Math.round(settleMs)} outcomes=${JSON.stringify(check.outcomes)}\n`,
    );
    expect(report.accepted.every((r) => known.has(r.requestId))).toBe(true);
    expect(statusCount(report, 202) + statusCount(report, 'network')).toBe(report.sent);
    expect(statusCount(report, 'network')).toBeGreaterThan(0);
    expect(check.violations).toEqual([]);
    expect(stack.fatalLogs()).toEqual([]);
  });
});
