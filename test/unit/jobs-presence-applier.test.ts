import { PresenceApplier, type ApplyResult, type GuardedChange } from '../../src/pipeline/presence-applier';
import type {
  BulkWriteResult,
  PresenceApi,
  PresenceState,
  PresenceWriteRequest,
} from '../../src/pipeline/presence-api';

class CodedError extends Error {
  constructor(
    readonly code: string,
    readonly retryAfterMs?: number,
  ) {
    super(code);
  }
}

/** A scripted Genesys presence API in memory: each call is recorded; answers come from `state` or a script. */
class FakeApi implements PresenceApi {
  readonly calls: string[] = [];
  readonly state = new Map<string, PresenceState>();
  budget: { ok: true } | { ok: false; retryAfterMs: number } = { ok: true };
  /** Next write: fail the whole call with this error, optionally after applying it (an answer lost on the way). */
  writeFailure: { error: unknown; applied: boolean } | undefined;
  /** Users a bulk PUT answers for with an error (per-user) instead of applying. */
  perUser = new Map<string, unknown>();
  /** Users that make a whole bulk PUT fail with 400. */
  poison = new Set<string>();
  clock = Date.parse('2026-03-30T10:00:00Z');
  readFailure: unknown;

  checkBudget() {
    return Promise.resolve(this.budget);
  }

  getUserPresencesBulk(userIds: readonly string[]) {
    this.calls.push(`GET ${userIds.length}`);
    if (this.readFailure !== undefined) {
      return Promise.reject(this.readFailure);
    }
    return Promise.resolve({
      status: 200,
      correlationId: 'c-get',
      data: userIds.flatMap((id) => {
        const p = this.state.get(id);
        return p === undefined ? [] : [p];
      }),
    });
  }

  private set(u: PresenceWriteRequest): PresenceState {
    this.clock += 1;
    const p = {
      userId: u.userId,
      presenceDefinitionId: u.presenceDefinitionId,
      modifiedDate: new Date(this.clock).toISOString(),
    };
    this.state.set(u.userId, p);
    return p;
  }

  patchUserPresence(userId: string, update: { presenceDefinitionId: string }) {
    this.calls.push(`PATCH ${userId}`);
    if (this.poison.has(userId)) {
      return Promise.reject(new CodedError('GENESYS_BAD_REQUEST'));
    }
    const failure = this.writeFailure;
    this.writeFailure = undefined;
    if (failure !== undefined) {
      if (failure.applied) {
        this.set({ userId, ...update });
      }
      return Promise.reject(failure.error);
    }
    return Promise.resolve({ status: 200, correlationId: 'c-patch', data: this.set({ userId, ...update }) });
  }

  putUserPresencesBulk(updates: readonly PresenceWriteRequest[]) {
    this.calls.push(`PUT ${updates.map((u) => u.userId).join(',')}`);
    const failure = this.writeFailure;
    this.writeFailure = undefined;
    if (failure !== undefined || updates.some((u) => this.poison.has(u.userId))) {
      const error = failure?.error ?? new CodedError('GENESYS_BAD_REQUEST');
      if (failure?.applied === true) {
        updates.forEach((u) => this.set(u));
      }
      return Promise.resolve({
        status: 0,
        correlationId: undefined,
        data: updates.map((u): BulkWriteResult => ({
          userId: u.userId,
          ok: false,
          error,
          correlationId: undefined,
        })),
      });
    }
    return Promise.resolve({
      status: 200,
      correlationId: 'c-put',
      data: updates.map((u): BulkWriteResult => {
        const err = this.perUser.get(u.userId);
        return err === undefined
          ? { userId: u.userId, ok: true, presence: this.set(u), correlationId: 'c-put' }
          : { userId: u.userId, ok: false, error: err, correlationId: 'c-put' };
      }),
    });
  }
}

/** A change whose guard always writes (read needed unless `known`). */
const change = (userId: string, presenceDefinitionId = 'p-break'): GuardedChange => ({
  userId,
  presenceDefinitionId,
  guard: () => ({ write: true }),
});

const written = (r: ApplyResult) => {
  if (r.kind !== 'written') {
    throw new Error(`expected a write, got ${r.kind}`);
  }
  return r;
};

describe('PresenceApplier', () => {
  let api: FakeApi;
  let applier: PresenceApplier;
  const batches: string[] = [];

  beforeEach(() => {
    api = new FakeApi();
    batches.length = 0;
    applier = new PresenceApplier(api, {
      windowMs: 5,
      maxUsers: 50,
      now: () => api.clock,
      observer: { onBatch: (kind, size) => batches.push(`${kind}:${size}`) },
    });
  });

  test('changes ready together cost one bulk GET (for the guards) and one bulk PUT; each caller gets its result', async () => {
    const results = (await Promise.all(['a', 'b', 'c'].map((u) => applier.apply(change(u))))).map(written);
    expect(api.calls).toEqual(['GET 3', 'PUT a,b,c']);
    expect(results.map((r) => [r.presence.userId, r.via, r.batchSize, r.correlationId])).toEqual([
      ['a', 'bulk', 3, 'c-put'],
      ['b', 'bulk', 3, 'c-put'],
      ['c', 'bulk', 3, 'c-put'],
    ]);
  });

  test('each guard sees its user’s presence as read just before the write, and may skip the write', async () => {
    api.state.set('a', {
      userId: 'a',
      presenceDefinitionId: 'p-break',
      modifiedDate: '2026-03-30T09:00:00Z',
    });
    api.state.set('b', { userId: 'b', presenceDefinitionId: 'p-meal', modifiedDate: '2026-03-30T09:59:00Z' });
    const seen: Array<string | undefined> = [];
    const guarded = (userId: string): GuardedChange => ({
      userId,
      presenceDefinitionId: 'p-break',
      guard: (current) => {
        seen.push(current?.presenceDefinitionId);
        if (current?.presenceDefinitionId === 'p-break') {
          return { write: false, outcome: 'applied', detail: 'already there' };
        }
        if (current?.presenceDefinitionId === 'p-meal') {
          return { write: false, outcome: 'conflict', detail: 'changed by the agent' };
        }
        return { write: true };
      },
    });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((u) => applier.apply(guarded(u))));
    expect(seen).toEqual(['p-break', 'p-meal', undefined]);
    expect(a).toMatchObject({
      kind: 'skipped',
      outcome: 'applied',
      read: true,
      previous: { presenceDefinitionId: 'p-break' },
    });
    expect(b).toMatchObject({ kind: 'skipped', outcome: 'conflict', detail: 'changed by the agent' });
    expect(c).toMatchObject({ kind: 'written', via: 'patch' });
    expect(api.calls).toEqual(['GET 3', 'PATCH c']);
  });

  test('a change whose current presence is already known needs no read', async () => {
    const known = {
      presence: { userId: 'a', presenceDefinitionId: 'p-meal', modifiedDate: '2026-03-30T09:00:00Z' },
    };
    const r = written(await applier.apply({ ...change('a'), known }));
    expect(r.previous?.presenceDefinitionId).toBe('p-meal');
    expect(api.calls).toEqual(['PATCH a']);
  });

  test('more than 50 changes make several batches of at most 50', async () => {
    await Promise.all(Array.from({ length: 120 }, (_, i) => applier.apply(change(`u${i}`))));
    // batches run independently (interleaved): count them
    expect(batches.filter((b) => b.startsWith('bulk-get')).sort()).toEqual([
      'bulk-get:20',
      'bulk-get:50',
      'bulk-get:50',
    ]);
    expect(batches.filter((b) => b.startsWith('bulk-put')).sort()).toEqual([
      'bulk-put:20',
      'bulk-put:50',
      'bulk-put:50',
    ]);
  });

  test('a per-user failure in a bulk answer fails that user only', async () => {
    api.perUser.set('b', new CodedError('GENESYS_NOT_APPLIED'));
    const [a, b] = await Promise.allSettled([applier.apply(change('a')), applier.apply(change('b'))]);
    expect(a.status).toBe('fulfilled');
    expect(b).toMatchObject({ status: 'rejected', reason: { code: 'GENESYS_NOT_APPLIED' } });
  });

  test('a bulk PUT whose answer was lost is read back: users who got it count as applied, nobody is written twice', async () => {
    api.writeFailure = { error: new CodedError('GENESYS_TIMEOUT'), applied: true };
    const results = (await Promise.all(['a', 'b'].map((u) => applier.apply(change(u))))).map(written);
    expect(results.map((r) => r.via)).toEqual(['read-back', 'read-back']);
    expect(api.calls).toEqual(['GET 2', 'PUT a,b', 'GET 2']);
  });

  test('a bulk PUT that failed without landing is read back and the users keep the error (the job retries)', async () => {
    api.writeFailure = { error: new CodedError('GENESYS_SERVER'), applied: false };
    api.state.set('a', {
      userId: 'a',
      presenceDefinitionId: 'p-break',
      modifiedDate: '2026-03-30T08:00:00Z',
    });
    const settled = await Promise.allSettled(['a', 'b'].map((u) => applier.apply(change(u))));
    // a already showed Break, but from before the write: not ours
    expect(settled.map((s) => (s.status === 'rejected' ? (s.reason as CodedError).code : 'ok'))).toEqual([
      'GENESYS_SERVER',
      'GENESYS_SERVER',
    ]);
    expect(api.calls).toEqual(['GET 2', 'PUT a,b', 'GET 2']);
  });

  test('a PATCH that timed out after landing is confirmed by a read', async () => {
    api.writeFailure = { error: new CodedError('GENESYS_NETWORK'), applied: true };
    const r = written(await applier.apply(change('a')));
    expect(r.via).toBe('read-back');
    expect(api.calls).toEqual(['GET 1', 'PATCH a', 'GET 1']);
  });

  test('a PUT refused with 400 is halved until the bad entry is alone; the others are applied', async () => {
    api.poison.add('c');
    const settled = await Promise.allSettled(['a', 'b', 'c', 'd'].map((u) => applier.apply(change(u))));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(api.calls).toEqual(['GET 4', 'PUT a,b,c,d', 'PUT a,b', 'PUT c,d', 'PATCH c', 'PATCH d']);
  });

  test('rate limits and an open breaker fail the batch without read-back', async () => {
    api.writeFailure = { error: new CodedError('GENESYS_RATE_LIMITED', 5_000), applied: false };
    const settled = await Promise.allSettled(['a', 'b'].map((u) => applier.apply(change(u))));
    expect(
      settled.every(
        (s) => s.status === 'rejected' && (s.reason as CodedError).code === 'GENESYS_RATE_LIMITED',
      ),
    ).toBe(true);
    expect(api.calls).toEqual(['GET 2', 'PUT a,b']);
  });

  test('a failed read fails the batch before anything is written', async () => {
    api.readFailure = new CodedError('GENESYS_RATE_LIMITED', 2_000);
    const settled = await Promise.allSettled(['a', 'b'].map((u) => applier.apply(change(u))));
    expect(settled.map((s) => (s.status === 'rejected' ? (s.reason as CodedError).code : 'ok'))).toEqual([
      'GENESYS_RATE_LIMITED',
      'GENESYS_RATE_LIMITED',
    ]);
    expect(api.calls).toEqual(['GET 2']);
  });

  test('when the shared budget says wait, nothing is called and the items fail with its wait', async () => {
    api.budget = { ok: false, retryAfterMs: 1_234 };
    await expect(applier.apply(change('a'))).rejects.toMatchObject({
      code: 'GENESYS_BUDGET_EXHAUSTED',
      retryAfterMs: 1_234,
    });
    expect(api.calls).toEqual([]);
  });
});
