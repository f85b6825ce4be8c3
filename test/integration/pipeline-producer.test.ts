import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { auditEventSchema, type AuditEvent, type AuditEmitter } from '../../src/audit/audit-event';
import { agentLeaseKey, enqueueOutboxKey, requestKey } from '../../src/jobs/keys';
import { PRESENCE_CHANGE_QUEUE } from '../../src/jobs/queue-names';
import {
  PresenceProducer,
  type PresenceResolver,
  type ProducerConfig,
} from '../../src/jobs/presence-producer';
import { deleteKeys, testRedis, uniquePrefix } from '../helpers/redis';

const AGENT = '0b9d4e4e-1111-4a4a-9c9c-000000000001';
const OTHER = '0b9d4e4e-1111-4a4a-9c9c-000000000002';
const BREAK = '227b37e2-f1d0-4dd0-8f50-badd7cf6d158';
const ON_QUEUE = 'e08eaf1b-ee47-4fa9-a231-1200e284798f';

const resolver: PresenceResolver = {
  resolvePresence(nameOrId: string) {
    const key = nameOrId.toLowerCase().replace(/[\s_]/g, '');
    if (key === 'break' || key === BREAK) {
      return Promise.resolve({ id: BREAK, systemPresence: 'BREAK', name: 'Break' });
    }
    if (key === 'onqueue' || key === ON_QUEUE) {
      return Promise.resolve({ id: ON_QUEUE, systemPresence: 'ON_QUEUE', name: 'On Queue' });
    }
    return Promise.resolve(undefined);
  },
};

class MemoryAudit implements AuditEmitter {
  readonly events: AuditEvent[] = [];
  emit(events: readonly AuditEvent[]): Promise<void> {
    for (const e of events) {
      auditEventSchema.parse(e);
      this.events.push(e);
    }
    return Promise.resolve();
  }
  types(requestId: string): string[] {
    return this.events.filter((e) => e.requestId === requestId).map((e) => e.type);
  }
}

function config(prefix: string): ProducerConfig {
  return {
    QUEUE_PREFIX: prefix,
    REQUEST_TTL_SECONDS: 3600,
    IDEMPOTENCY_TTL_SECONDS: 600,
    JOB_ATTEMPTS: 5,
    JOB_BACKOFF_MS: 100,
    JOB_KEEP_COMPLETED: 100,
    JOB_KEEP_COMPLETED_SECONDS: 3600,
    JOB_KEEP_FAILED: 100,
    JOB_KEEP_FAILED_SECONDS: 3600,
  };
}

describe('presence producer on real Redis', () => {
  let redis: Redis;
  let prefix: string;
  let queue: Queue;
  let audit: MemoryAudit;
  let producer: PresenceProducer;

  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix('producer');
    queue = new Queue(PRESENCE_CHANGE_QUEUE, { connection: redis, prefix });
    audit = new MemoryAudit();
    producer = new PresenceProducer({
      redis,
      queue,
      resolver,
      audit,
      config: config(prefix),
      logger: pino({ level: 'silent' }),
      privilegedSources: ['supervisor'],
    });
  });

  afterEach(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  const request = (extra: Record<string, unknown> = {}) => ({
    userId: AGENT,
    presence: 'Break',
    source: 'crm',
    requestedBy: 'jane@example.com',
    ...extra,
  });

  test('an accepted request gets version 1, a pending record, a small job and a "requested" audit event', async () => {
    const result = await producer.enqueuePresenceChange(request({ reason: 'scheduled break' }));
    expect(result).toMatchObject({ version: 1, status: 'queued', replayed: false });
    expect(result.requestId.startsWith(`${AGENT}.`)).toBe(true);

    const jobs = await queue.getJobs(['waiting', 'delayed']);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.id).toBe(result.requestId);
    expect(jobs[0]?.data).toEqual({ userId: AGENT, version: 1, requestId: result.requestId });
    expect(jobs[0]?.opts).toMatchObject({
      attempts: 5,
      backoff: { type: 'exponential', delay: 100 },
      removeOnComplete: { count: 100, age: 3600 },
      removeOnFail: { count: 100, age: 3600 },
    });

    const status = await producer.getRequestStatus(result.requestId);
    expect(status).toMatchObject({
      requestId: result.requestId,
      userId: AGENT,
      version: 1,
      status: 'pending',
      presence: { requested: 'Break', id: BREAK, systemPresence: 'BREAK' },
      source: 'crm',
      reason: 'scheduled break',
      force: false,
    });
    expect(audit.types(result.requestId)).toEqual(['requested']);
    expect(await redis.zcard(enqueueOutboxKey(prefix))).toBe(0);

    const view = await producer.getAgentView(AGENT);
    expect(view).toMatchObject({
      userId: AGENT,
      version: 1,
      desired: { requestId: result.requestId, presenceId: BREAK, source: 'crm', force: false },
      pendingRequestId: result.requestId,
    });
    expect(view?.applied).toBeUndefined();
  });

  test('bad input is refused with every problem listed and nothing written', async () => {
    await expect(
      producer.enqueuePresenceChange({
        userId: 'not-a-uuid',
        presence: '',
        source: 'CRM!',
        message: 'line1\nline2',
        reason: 'x'.repeat(1001),
        expectedVersion: -1,
        colour: 'red',
      }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      problems: expect.arrayContaining([
        expect.objectContaining({ path: 'userId' }),
        expect.objectContaining({ path: 'presence' }),
        expect.objectContaining({ path: 'source' }),
        expect.objectContaining({ path: 'message', message: 'must not contain control characters' }),
        expect.objectContaining({ path: 'reason' }),
        expect.objectContaining({ path: 'expectedVersion' }),
        expect.objectContaining({ path: 'colour', message: 'unknown field' }),
      ]),
    });
    expect(await redis.keys(`${prefix}*`)).toEqual([]);
    // the refusal is audited: who asked (as far as known) and why, no free text from the request
    expect(audit.events).toEqual([
      expect.objectContaining({
        type: 'rejected',
        decision: 'VALIDATION_FAILED',
        userId: undefined,
        source: undefined,
      }),
    ]);
    expect(audit.events[0]?.detail).toMatch(/userId: must be a Genesys user id/);
    expect(JSON.stringify(audit.events)).not.toContain('line1');
  });

  test('an unknown presence name is UNKNOWN_PRESENCE and nothing is written', async () => {
    await expect(producer.enqueuePresenceChange(request({ presence: 'Gardening' }))).rejects.toMatchObject({
      code: 'UNKNOWN_PRESENCE',
      httpStatus: 400,
    });
    expect(await redis.keys(`${prefix}*`)).toEqual([]);
  });

  test('force from a source that is not privileged is FORCE_NOT_PERMITTED', async () => {
    await expect(producer.enqueuePresenceChange(request({ force: true }))).rejects.toMatchObject({
      code: 'FORCE_NOT_PERMITTED',
    });
    await expect(
      producer.enqueuePresenceChange(request({ force: true, source: 'supervisor' })),
    ).resolves.toMatchObject({
      version: 1,
    });
  });

  test('expectedVersion: a match bumps the version, a mismatch is VERSION_CONFLICT with the current version', async () => {
    await expect(producer.enqueuePresenceChange(request({ expectedVersion: 0 }))).resolves.toMatchObject({
      version: 1,
    });
    await expect(producer.enqueuePresenceChange(request({ expectedVersion: 1 }))).resolves.toMatchObject({
      version: 2,
    });
    await expect(producer.enqueuePresenceChange(request({ expectedVersion: 1 }))).rejects.toMatchObject({
      code: 'VERSION_CONFLICT',
      httpStatus: 409,
      currentVersion: 2,
      details: { currentVersion: 2, expectedVersion: 1, userId: AGENT },
    });
    expect((await producer.getAgentView(AGENT))?.version).toBe(2);
    expect(await queue.count()).toBe(2);
    expect(audit.events.filter((e) => e.type === 'rejected')).toEqual([
      expect.objectContaining({ decision: 'VERSION_CONFLICT', userId: AGENT, source: 'crm' }),
    ]);
  });

  test('a newer request supersedes the unapplied earlier one at once, with an audit event', async () => {
    const first = await producer.enqueuePresenceChange(request());
    const second = await producer.enqueuePresenceChange(request({ presence: 'On Queue' }));
    expect(second).toMatchObject({ version: 2, supersededRequestId: first.requestId });
    expect(await producer.getRequestStatus(first.requestId)).toMatchObject({
      status: 'superseded',
      outcome: { supersededBy: second.requestId },
    });
    expect(audit.types(first.requestId)).toEqual(['requested', 'superseded']);
    expect((await producer.getRequestStatus(second.requestId))?.supersedes).toBe(first.requestId);
    expect((await producer.getAgentView(AGENT))?.desired?.presenceId).toBe(ON_QUEUE);
    // the superseded event is known to be queued (its job will not emit it again); both jobs are out of the outbox
    expect(await redis.hget(requestKey(prefix, AGENT, first.requestId), 'outcomeAudited')).toBe('1');
    expect(await redis.zcard(enqueueOutboxKey(prefix))).toBe(0);
  });

  test('a request whose change is in flight is not superseded; its worker records how it ended', async () => {
    const first = await producer.enqueuePresenceChange(request());
    await redis.set(agentLeaseKey(prefix, AGENT), `worker-token|${first.requestId}`, 'PX', 10_000);
    const second = await producer.enqueuePresenceChange(request({ presence: 'On Queue' }));
    expect(second.supersededRequestId).toBeUndefined();
    expect((await producer.getRequestStatus(first.requestId))?.status).toBe('pending');
  });

  test('the same idempotency key and body answers with the first request and adds no job', async () => {
    const first = await producer.enqueuePresenceChange(
      request({ idempotencyKey: 'abc-1', expectedVersion: 0 }),
    );
    const again = await producer.enqueuePresenceChange(
      request({ idempotencyKey: 'abc-1', expectedVersion: 0 }),
    );
    expect(again).toEqual({ requestId: first.requestId, version: 1, status: 'pending', replayed: true });
    // the name and the id of the same presence are the same body
    const byId = await producer.enqueuePresenceChange(
      request({ idempotencyKey: 'abc-1', expectedVersion: 0, presence: BREAK }),
    );
    expect(byId.requestId).toBe(first.requestId);
    expect(await queue.count()).toBe(1);
    expect(audit.events).toHaveLength(1);
  });

  test('the same idempotency key with another body is IDEMPOTENCY_MISMATCH; other sources and agents have their own keys', async () => {
    const first = await producer.enqueuePresenceChange(request({ idempotencyKey: 'k1' }));
    await expect(
      producer.enqueuePresenceChange(request({ idempotencyKey: 'k1', presence: 'On Queue' })),
    ).rejects.toMatchObject({
      code: 'IDEMPOTENCY_MISMATCH',
      httpStatus: 422,
      details: { originalRequestId: first.requestId },
    });
    await expect(
      producer.enqueuePresenceChange(request({ idempotencyKey: 'k1', source: 'wfm' })),
    ).resolves.toMatchObject({
      replayed: false,
    });
    await expect(
      producer.enqueuePresenceChange(request({ idempotencyKey: 'k1', userId: OTHER })),
    ).resolves.toMatchObject({
      replayed: false,
      version: 1,
    });
  });

  test('notBefore delays the job', async () => {
    const notBefore = new Date(Date.now() + 60_000).toISOString();
    const result = await producer.enqueuePresenceChange(request({ notBefore }));
    const job = await queue.getJob(result.requestId);
    expect(await job?.getState()).toBe('delayed');
    expect(job?.opts.delay).toBeGreaterThan(55_000);
    expect((await producer.getRequestStatus(result.requestId))?.notBefore).toBe(notBefore);
  });

  test('a request accepted while the queue is unreachable is finished by the outbox recovery', async () => {
    let failing = true;
    const flaky = {
      add: (...args: Parameters<Queue['add']>) =>
        failing ? Promise.reject(new Error('queue down')) : queue.add(...args),
    };
    let clock = Date.now();
    const flakyProducer = new PresenceProducer({
      redis,
      queue: flaky,
      resolver,
      audit,
      config: config(prefix),
      logger: pino({ level: 'silent' }),
      now: () => clock,
    });
    const accepted = await flakyProducer.enqueuePresenceChange(request());
    expect(accepted.status).toBe('queued');
    expect(await queue.count()).toBe(0);
    expect(await redis.zrange(enqueueOutboxKey(prefix), 0, -1)).toEqual([accepted.requestId]);

    // too young: left alone
    expect(await flakyProducer.recoverOutbox(10_000)).toBe(0);
    failing = false;
    clock += 11_000;
    expect(await flakyProducer.recoverOutbox(10_000)).toBe(1);
    expect((await queue.getJob(accepted.requestId))?.data).toEqual({
      userId: AGENT,
      version: 1,
      requestId: accepted.requestId,
    });
    expect(await redis.zcard(enqueueOutboxKey(prefix))).toBe(0);
    // the "requested" event was emitted by the producer already; the audit store dedupes on eventId
    expect(new Set(audit.events.map((e) => e.eventId)).size).toBe(1);
    // a second recovery run finds nothing
    expect(await flakyProducer.recoverOutbox(0)).toBe(0);
  });

  test('the outbox recovery drops entries whose CAS never happened', async () => {
    await redis.zadd(enqueueOutboxKey(prefix), 1, `${AGENT}.abcdef0123`);
    await redis.zadd(enqueueOutboxKey(prefix), 1, 'garbage');
    expect(await producer.recoverOutbox(0)).toBe(2);
    expect(await queue.count()).toBe(0);
  });

  test('request records expire with REQUEST_TTL_SECONDS', async () => {
    const result = await producer.enqueuePresenceChange(request());
    const ttl = await redis.pttl(requestKey(prefix, AGENT, result.requestId));
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
    expect(await producer.getRequestStatus('nobody.abcdef0123')).toBeUndefined();
    expect(await producer.getRequestStatus('garbage')).toBeUndefined();
    expect(await producer.getAgentView(OTHER)).toBeUndefined();
  });
});
