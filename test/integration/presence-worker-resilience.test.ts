import type { Queue } from 'bullmq';
import { PresenceProducer } from '../../src/jobs/presence-producer';
import { DEFAULT_PRESENCE_POLICY } from '../../src/policy/presence-policy';
import type { PresencePipelineObserver } from '../../src/workers/presence-observer';
import { PresenceWorker } from '../../src/workers/presence-worker';
import { testRedis } from '../helpers/redis';
import { PipelineHarness } from './pipeline-harness';

/** How the worker behaves when Genesys or the service itself misbehaves: every case ends in one outcome. */
describe('presence worker resilience', () => {
  let h: PipelineHarness;

  afterEach(async () => {
    await h.stop();
  });

  const enqueue = (
    producer: PresenceProducer,
    userId: string,
    presence: string,
    extra: Record<string, unknown> = {},
  ) => producer.enqueuePresenceChange({ userId, presence, source: 'crm', ...extra });

  test('an open breaker delays jobs instead of failing them; they apply once Genesys recovers', async () => {
    h = await PipelineHarness.start({
      env: { BREAKER_VOLUME_THRESHOLD: '2', BREAKER_RESET_MS: '400', JOB_ATTEMPTS: '3' },
    });
    const agents = h.agents.slice(0, 4);
    const ids: string[] = [];
    for (const a of agents) {
      await h.setSchedule(a, 'Break');
      ids.push((await enqueue(h.producer, a, 'Break')).requestId);
    }
    let breakerDelayed!: () => void;
    const delayed = new Promise<void>((resolve) => (breakerDelayed = resolve));
    const observer: PresencePipelineObserver = {
      onDelayed: (_ms, reason) => (reason === 'breaker' ? breakerDelayed() : undefined),
    };
    h.emulator.admin.setFaults({ errorRatio: 1, errorStatus: 503 });
    await h.startWorkers(1, { observer, config: { BATCH_WINDOW_MS: 0 } });
    await delayed;
    h.emulator.admin.clearFaults();
    await h.audit.waitForOutcomes(ids, 20_000);
    expect(ids.map((id) => h.audit.outcomeOf(id))).toEqual(ids.map(() => 'applied'));
    expect(await h.queue.getFailedCount()).toBe(0);
  });

  test('when the shared budget says wait, the queue is rate-limited and nothing is called until it allows', async () => {
    h = await PipelineHarness.start();
    const [agent] = h.agents as [string];
    await h.setSchedule(agent, 'Break');
    const client = h.newClient();
    let refusals = 1;
    const limited: string[] = [];
    // the real client, except that its first look at the shared budget says "wait 300 ms"
    const genesys = {
      getUserPresencesBulk: client.getUserPresencesBulk.bind(client),
      patchUserPresence: client.patchUserPresence.bind(client),
      putUserPresencesBulk: client.putUserPresencesBulk.bind(client),
      checkBudget: () =>
        Promise.resolve(refusals-- > 0 ? { ok: false as const, retryAfterMs: 300 } : { ok: true as const }),
    };
    const connection = testRedis();
    const worker = new PresenceWorker({
      config: h.config,
      connection,
      genesys,
      schedule: h.scheduleSource(),
      policy: DEFAULT_PRESENCE_POLICY,
      audit: h.audit,
      logger: h.logger,
      observer: { onRateLimited: (_ms, code) => limited.push(code) },
    });
    await worker.start();
    try {
      const started = Date.now();
      const { requestId } = await enqueue(h.producer, agent, 'Break');
      await h.audit.waitForOutcomes([requestId], 10_000);
      expect(h.audit.outcomeOf(requestId)).toBe('applied');
      expect(limited).toEqual(['GENESYS_BUDGET_EXHAUSTED']);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect((await h.queue.getJob(requestId))?.attemptsMade).toBe(0);
    } finally {
      await worker.stop();
      await connection.quit();
    }
  });

  test('a request accepted while its job could not be added is finished by a worker’s outbox recovery', async () => {
    h = await PipelineHarness.start({ env: { OUTBOX_RECOVERY_AFTER_MS: '1000' } });
    const [agent] = h.agents as [string];
    await h.setSchedule(agent, 'Break');
    const broken: Pick<Queue, 'add'> = { add: () => Promise.reject(new Error('connection lost')) };
    const producer = new PresenceProducer({
      redis: h.redis,
      queue: broken,
      resolver: h.client,
      audit: h.audit,
      config: h.config,
      logger: h.logger,
    });
    const { requestId } = await enqueue(producer, agent, 'Break');
    expect(await h.queue.count()).toBe(0);
    await h.startWorkers(1);
    await h.audit.waitForOutcomes([requestId], 10_000);
    expect(h.audit.outcomeOf(requestId)).toBe('applied');
    expect(h.audit.eventsOf(requestId).map((e) => e.type)).toEqual(['requested', 'applied']);
  });

  test('notBefore holds the change back until its time', async () => {
    h = await PipelineHarness.start();
    const [agent] = h.agents as [string];
    await h.setSchedule(agent, 'Break');
    await h.startWorkers(1);
    const notBefore = Date.now() + 800;
    const { requestId } = await enqueue(h.producer, agent, 'Break', {
      notBefore: new Date(notBefore).toISOString(),
    });
    await h.audit.waitForOutcomes([requestId], 10_000);
    const applied = h.emulator.admin
      .presenceHistory(agent)
      .filter((e) => e.changedBy === 'service')
      .at(-1);
    expect(applied?.time).toBeGreaterThanOrEqual(notBefore);
  });

  test('stopping a worker lets the change in flight finish', async () => {
    h = await PipelineHarness.start({ emulator: { latencyMs: 300 } });
    const [agent] = h.agents as [string];
    await h.setSchedule(agent, 'Break');
    let writing!: () => void;
    const inFlight = new Promise<void>((resolve) => (writing = resolve));
    const [worker] = await h.startWorkers(1, {
      observer: { onBatch: (kind) => (kind === 'patch' ? writing() : undefined) },
    });
    const { requestId } = await enqueue(h.producer, agent, 'Break');
    await inFlight;
    await worker?.stop();
    expect(h.audit.outcomeOf(requestId)).toBe('applied');
  });
});
