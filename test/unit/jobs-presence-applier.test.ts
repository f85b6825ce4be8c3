import { PresenceApplier } from '../../src/pipeline/presence-applier';
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

  checkBudget() {
    return Promise.resolve(this.budget);
  }

  getUserPresencesBulk(userIds: readonly string[]) {
    this.calls.push(`GET ${userIds.length}`);
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

const change = (userId: string, presenceDefinitionId = 'p-break') => ({ userId, presenceDefinitionId });

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

  test('changes ready together go out as one bulk PUT; each caller gets its user’s result', async () => {
    const results = await Promise.all(['a', 'b', 'c'].map((u) => applier.apply(change(u))));
    expect(api.calls).toEqual(['PUT a,b,c']);
    expect(results.map((r) => [r.presence.userId, r.via, r.batchSize, r.correlationId])).toEqual([
      ['a', 'bulk', 3, 'c-put'],
      ['b', 'bulk', 3, 'c-put'],
      ['c', 'bulk', 3, 'c-put'],
    ]);
  });

  test('a lone change uses one PATCH', async () => {
    const r = await applier.apply(change('a'));
    expect(api.calls).toEqual(['PATCH a']);
    expect(r.via).toBe('patch');
  });

  test('more than 50 changes make several PUTs of at most 50', async () => {
    await Promise.all(Array.from({ length: 120 }, (_, i) => applier.apply(change(`u${i}`))));
    expect(batches).toEqual(['bulk-put:50', 'bulk-put:50', 'bulk-put:20']);
  });

  test('reads are batched into one bulk GET, duplicates asked once', async () => {
    api.state.set('a', { userId: 'a', presenceDefinitionId: 'p1', modifiedDate: '2026-03-30T09:00:00Z' });
    const [a, b, a2] = await Promise.all([applier.read('a'), applier.read('b'), applier.read('a')]);
    expect(api.calls).toEqual(['GET 2']);
    expect(a.presence?.presenceDefinitionId).toBe('p1');
    expect(b.presence).toBeUndefined();
    expect(a2.presence).toEqual(a.presence);
  });

  test('a per-user failure in a bulk answer fails that user only', async () => {
    api.perUser.set('b', new CodedError('GENESYS_NOT_APPLIED'));
    const [a, b] = await Promise.allSettled([applier.apply(change('a')), applier.apply(change('b'))]);
    expect(a.status).toBe('fulfilled');
    expect(b).toMatchObject({ status: 'rejected', reason: { code: 'GENESYS_NOT_APPLIED' } });
  });

  test('a bulk PUT whose answer was lost is read back: users who got it count as applied, nobody is written twice', async () => {
    api.writeFailure = { error: new CodedError('GENESYS_TIMEOUT'), applied: true };
    const results = await Promise.all(['a', 'b'].map((u) => applier.apply(change(u))));
    expect(results.map((r) => r.via)).toEqual(['read-back', 'read-back']);
    expect(api.calls).toEqual(['PUT a,b', 'GET 2']);
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
    expect(api.calls).toEqual(['PUT a,b', 'GET 2']);
  });

  test('a PATCH that timed out after landing is confirmed by a read', async () => {
    api.writeFailure = { error: new CodedError('GENESYS_NETWORK'), applied: true };
    const r = await applier.apply(change('a'));
    expect(r.via).toBe('read-back');
    expect(api.calls).toEqual(['PATCH a', 'GET 1']);
  });

  test('a PUT refused with 400 is halved until the bad entry is alone; the others are applied', async () => {
    api.poison.add('c');
    const settled = await Promise.allSettled(['a', 'b', 'c', 'd'].map((u) => applier.apply(change(u))));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(api.calls).toEqual(['PUT a,b,c,d', 'PUT a,b', 'PUT c,d', 'PATCH c', 'PATCH d']);
  });

  test('rate limits and an open breaker fail the batch without read-back', async () => {
    api.writeFailure = { error: new CodedError('GENESYS_RATE_LIMITED', 5_000), applied: false };
    const settled = await Promise.allSettled(['a', 'b'].map((u) => applier.apply(change(u))));
    expect(
      settled.every(
        (s) => s.status === 'rejected' && (s.reason as CodedError).code === 'GENESYS_RATE_LIMITED',
      ),
    ).toBe(true);
    expect(api.calls).toEqual(['PUT a,b']);
  });

  test('when the shared budget says wait, nothing is called and the items fail with its wait', async () => {
    api.budget = { ok: false, retryAfterMs: 1_234 };
    await expect(applier.apply(change('a'))).rejects.toMatchObject({
      code: 'GENESYS_BUDGET_EXHAUSTED',
      retryAfterMs: 1_234,
    });
    await expect(applier.read('a')).rejects.toMatchObject({ code: 'GENESYS_BUDGET_EXHAUSTED' });
    expect(api.calls).toEqual([]);
  });
});
