import type { Redis } from 'ioredis';
import { AgentStateStore } from '../../src/jobs/agent-state-store';
import {
  agentLeaseKey,
  agentStateKey,
  enqueueOutboxKey,
  idempotencyKey,
  requestKey,
  timelineKey,
  wfmUnitKey,
} from '../../src/jobs/keys';
import { enqueueVerdict, jobVerdict, type JobState } from '../../src/policy/version-rules';
import { deleteKeys, testRedis, uniquePrefix } from '../helpers/redis';

const U = '0b9d4e4e-2222-4a4a-9c9c-00000000000a';
const TTL = 60_000;

/** Redis Cluster key slot (CRC16/XMODEM of the hash tag, mod 16384). */
function slot(key: string): number {
  const open = key.indexOf('{');
  let tagged = key;
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) {
      tagged = key.slice(open + 1, close);
    }
  }
  let crc = 0;
  for (const byte of Buffer.from(tagged)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i += 1) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc % 16384;
}

describe('agent state scripts on real Redis', () => {
  let redis: Redis;
  let prefix: string;
  let store: AgentStateStore;
  let seq = 0;

  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix('scripts');
    store = new AgentStateStore(redis, prefix);
  });

  afterEach(async () => {
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  async function accept(expectedVersion?: number) {
    seq += 1;
    const requestId = `${U}.${Date.now().toString(36)}${String(seq).padStart(6, '0')}`;
    const result = await store.enqueue({
      userId: U,
      requestId,
      expectedVersion,
      nowMs: Date.now(),
      requestTtlMs: TTL,
      desired: { presenceId: 'p', requestedAt: Date.now(), source: 'crm', force: 0 },
      record: { userId: U, presenceId: 'p', source: 'crm', requestedAt: Date.now() },
    });
    return { requestId, result };
  }

  test('every key of one agent is in one cluster slot; agents spread over slots even with a tagged prefix', () => {
    for (const p of ['gpw', '{gpw}']) {
      const keys = [
        agentStateKey(p, U),
        agentLeaseKey(p, U),
        requestKey(p, U, `${U}.abc123`),
        idempotencyKey(p, U, 'crm', 'k'),
        timelineKey(p, U),
        wfmUnitKey(p, U),
      ];
      expect(new Set(keys.map(slot)).size).toBe(1);
      expect(keys.every((k) => k.startsWith('gpw:{agent:'))).toBe(true);
    }
    const slots = new Set(
      Array.from({ length: 50 }, (_, i) =>
        slot(agentStateKey('{gpw}', `0b9d4e4e-2222-4a4a-9c9c-${String(i).padStart(12, '0')}`)),
      ),
    );
    expect(slots.size).toBeGreaterThan(40);
    expect(enqueueOutboxKey('{gpw}')).toBe('gpw:presence-change:outbox');
  });

  test.each([
    ['no expectation', [], undefined, 'accept'],
    ['expecting 0 on a new agent', [], 0, 'accept'],
    ['expecting the current version', [undefined, undefined], 2, 'accept'],
    ['expecting an old version', [undefined, undefined], 1, 'conflict'],
    ['expecting a future version', [undefined], 5, 'conflict'],
  ])('the enqueue script follows enqueueVerdict: %s', async (_name, before, expected, kind) => {
    for (const e of before) {
      await accept(e);
    }
    const state = await store.getAgentState(U);
    const pure = enqueueVerdict(
      { version: state?.version ?? 0, openRequestId: state?.openRequestId },
      expected,
    );
    const { result } = await accept(expected);
    expect(pure.kind).toBe(kind);
    expect(result.kind === 'accepted' ? 'accept' : result.kind).toBe(kind);
    if (pure.kind === 'accept' && result.kind === 'accepted') {
      expect(result.version).toBe(pure.version);
      expect(result.superseded?.requestId).toBe(pure.supersedes);
      if (result.superseded !== undefined) {
        // The replaced request's record comes back as the script left it (the producer audits it from this).
        expect(result.superseded.record).toEqual(await store.getRequestRecord(result.superseded.requestId));
        expect(result.superseded.record).toMatchObject({ status: 'superseded' });
      }
    }
    if (pure.kind === 'conflict' && result.kind === 'conflict') {
      expect(result.currentVersion).toBe(pure.currentVersion);
    }
  });

  type Setup = {
    requests: number;
    jobIndex: number;
    terminal?: boolean;
    missing?: boolean;
    lease?: 'same' | 'other';
  };
  test.each<[string, Setup]>([
    ['current version, lease free', { requests: 1, jobIndex: 0 }],
    ['older version', { requests: 2, jobIndex: 0, terminal: false }],
    ['older version, decided already', { requests: 2, jobIndex: 0 }],
    ['current version, another request in flight', { requests: 2, jobIndex: 1, lease: 'other' }],
    ['current version, the same request in flight elsewhere', { requests: 1, jobIndex: 0, lease: 'same' }],
    [
      'older version, the same request in flight elsewhere',
      { requests: 2, jobIndex: 0, lease: 'same', terminal: false },
    ],
    ['record gone', { requests: 1, jobIndex: 0, missing: true }],
  ])('the claim script follows jobVerdict: %s', async (_name, setup) => {
    const ids: string[] = [];
    for (let i = 0; i < setup.requests; i += 1) {
      if (setup.lease === 'other' && i === setup.requests - 1) {
        // the earlier request is in flight when the newer one arrives, so it is not superseded
        await redis.set(agentLeaseKey(prefix, U), `elsewhere|${ids[0] ?? ''}`, 'PX', TTL);
      }
      ids.push((await accept()).requestId);
    }
    const jobId = ids[setup.jobIndex] ?? '';
    if (setup.terminal === false) {
      // the CAS superseded it; make it pending again as if it had been in flight (its worker died)
      await redis.hset(requestKey(prefix, U, jobId), 'status', 'pending');
    }
    if (setup.lease === 'same') {
      await redis.set(agentLeaseKey(prefix, U), `elsewhere|${jobId}`, 'PX', TTL);
    }
    if (setup.missing === true) {
      await redis.del(requestKey(prefix, U, jobId));
    }
    const record = await store.getRequestRecord(jobId);
    const state = await store.getAgentState(U);
    const expected: JobState = {
      jobVersion: setup.jobIndex + 1,
      desiredVersion: state?.version ?? 0,
      requestStatus: record === undefined ? 'missing' : record.status === 'pending' ? 'pending' : 'terminal',
      lease: setup.lease === 'same' ? 'same-request' : setup.lease === 'other' ? 'other-request' : 'free',
    };
    const claimed = await store.claim(U, jobId, setup.jobIndex + 1, 'me', TTL, Date.now(), TTL);
    expect(claimed.kind === 'claimed' ? 'claim' : claimed.kind).toBe(jobVerdict(expected));
  });

  test('the enqueue script adds an accepted request to the outbox it is given, atomically, and a refused one not', async () => {
    const outbox = enqueueOutboxKey(prefix);
    const enqueue = (requestId: string, expectedVersion: number | undefined, key: string, nowMs: number) =>
      store.enqueue({
        userId: U,
        requestId,
        expectedVersion,
        nowMs,
        requestTtlMs: TTL,
        idempotency: { source: 'crm', key, ttlMs: TTL, bodyHash: `body-${key}` },
        outbox,
        desired: { presenceId: 'p', requestedAt: nowMs, source: 'crm', force: 0 },
        record: { userId: U, presenceId: 'p', source: 'crm', requestedAt: nowMs },
      });
    const first = `${U}.aaaaaa000001`;
    expect(await enqueue(first, undefined, 'k1', 1_000)).toMatchObject({ kind: 'accepted', version: 1 });
    // refused: version conflict, then the same idempotency key with another body
    expect(await enqueue(`${U}.aaaaaa000002`, 5, 'k2', 2_000)).toEqual({
      kind: 'conflict',
      currentVersion: 1,
    });
    expect(await enqueue(`${U}.aaaaaa000003`, undefined, 'k1', 3_000)).toMatchObject({ kind: 'duplicate' });
    const second = `${U}.aaaaaa000004`;
    expect(await enqueue(second, 1, 'k4', 4_000)).toMatchObject({ kind: 'accepted', version: 2 });
    expect(await redis.zrange(outbox, 0, -1, 'WITHSCORES')).toEqual([first, '1000', second, '4000']);
    // the idempotency key (KEYS[5] after the outbox) was written for the accepted requests
    expect(
      await redis.exists(idempotencyKey(prefix, U, 'crm', 'k1'), idempotencyKey(prefix, U, 'crm', 'k4')),
    ).toBe(2);
    expect(await redis.exists(idempotencyKey(prefix, U, 'crm', 'k2'))).toBe(0);
    // without an outbox (the cluster path, where the producer writes it) the script leaves it alone
    await accept();
    expect(await redis.zcard(outbox)).toBe(2);
  });

  test('settling an enqueue removes it from the outbox and marks the decided request it superseded as audited', async () => {
    const outbox = enqueueOutboxKey(prefix);
    const first = await accept();
    const second = await accept(); // supersedes the first (pending, no job running)
    expect(second.result).toMatchObject({ kind: 'accepted', superseded: { requestId: first.requestId } });
    await redis.zadd(outbox, 1, first.requestId, 2, second.requestId);
    await store.settleEnqueue(outbox, second.requestId, first.requestId);
    expect(await redis.zrange(outbox, 0, -1)).toEqual([first.requestId]);
    expect(await redis.hget(requestKey(prefix, U, first.requestId), 'outcomeAudited')).toBe('1');
    // a pending request is never marked (its outcome is not decided), and nothing else is touched
    await store.settleEnqueue(outbox, first.requestId, second.requestId);
    expect(await redis.zcard(outbox)).toBe(0);
    expect(await redis.hget(requestKey(prefix, U, second.requestId), 'outcomeAudited')).toBeNull();
    expect(await redis.hget(requestKey(prefix, U, second.requestId), 'status')).toBe('pending');
  });

  test('claim takes the lease; finalize applied sets the applied version, the observed presence and frees the lease', async () => {
    const { requestId } = await accept();
    const claimed = await store.claim(U, requestId, 1, 'tok', TTL, Date.now(), TTL);
    expect(claimed.kind).toBe('claimed');
    expect(await redis.get(agentLeaseKey(prefix, U))).toBe(`tok|${requestId}`);
    // a second worker is kept out
    expect((await store.claim(U, requestId, 1, 'other', TTL, Date.now(), TTL)).kind).toBe('busy');

    const modified = Date.parse('2026-03-30T10:00:00.123Z');
    const done = await store.finalize({
      userId: U,
      requestId,
      version: 1,
      outcome: 'applied',
      leaseToken: 'tok',
      nowMs: Date.now(),
      requestTtlMs: TTL,
      appliedPresenceId: 'p',
      modifiedMs: modified,
      record: { rule: 'category.Break', genesys: JSON.stringify({ correlationId: 'c-1', status: 200 }) },
    });
    expect(done).toMatchObject({ kind: 'ok', record: { status: 'applied', rule: 'category.Break' } });
    expect(await redis.exists(agentLeaseKey(prefix, U))).toBe(0);
    const state = await store.getAgentState(U);
    expect(state).toMatchObject({
      appliedVersion: 1,
      appliedPresenceId: 'p',
      appliedRequestId: requestId,
      serviceWrite: { presenceId: 'p', modifiedMs: modified },
      observed: { presenceId: 'p', modifiedMs: modified, source: 'service-write' },
    });
    expect(state?.openRequestId).toBeUndefined();
    expect(await store.getRequestStatus(requestId)).toMatchObject({
      status: 'applied',
      outcome: { rule: 'category.Break', genesys: { correlationId: 'c-1', status: 200 } },
    });
    // exactly one terminal outcome: a second finalize changes nothing
    const again = await store.finalize({
      userId: U,
      requestId,
      version: 1,
      outcome: 'failed',
      nowMs: Date.now(),
      requestTtlMs: TTL,
      record: {},
    });
    expect(again).toMatchObject({
      kind: 'terminal',
      status: 'applied',
      record: { status: 'applied', version: '1' },
    });
    expect((await store.getRequestStatus(requestId))?.status).toBe('applied');
  });

  test('a stolen lease is neither released nor renewed by its former holder', async () => {
    const { requestId } = await accept();
    await store.claim(U, requestId, 1, 'tok', TTL, Date.now(), TTL);
    await redis.set(agentLeaseKey(prefix, U), `thief|${requestId}`, 'PX', TTL);
    expect(await store.release(U, 'tok')).toBe(false);
    expect(await store.renew([{ userId: U, token: 'tok' }], TTL)).toEqual([U]);
    expect(await store.renew([{ userId: U, token: 'thief' }], TTL)).toEqual([]);
    expect(await store.release(U, 'thief')).toBe(true);
  });

  test('observations only move forward in time', async () => {
    expect(
      await store.recordObservedPresence(U, {
        presenceId: 'a',
        modifiedMs: 2_000,
        observedAtMs: 10,
        source: 'stream',
      }),
    ).toBe(true);
    expect(
      await store.recordObservedPresence(U, {
        presenceId: 'b',
        modifiedMs: 1_000,
        observedAtMs: 11,
        source: 'stream',
      }),
    ).toBe(false);
    expect(
      await store.recordObservedPresence(U, {
        presenceId: 'c',
        modifiedMs: 3_000,
        observedAtMs: 12,
        source: 'poll',
      }),
    ).toBe(true);
    expect((await store.getAgentState(U))?.observed).toEqual({
      presenceId: 'c',
      modifiedMs: 3_000,
      observedAtMs: 12,
      source: 'poll',
    });
  });
});
