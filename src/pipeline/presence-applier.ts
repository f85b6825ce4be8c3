import { AppError } from '../app-error';
import { confirmByReadBack } from '../policy/bulk-results';
import { errorFacts } from '../policy/job-outcome';
import { MicroBatcher, type Settled } from './micro-batcher';
import type { PresenceApi, PresenceState, PresenceWriteRequest } from './presence-api';

/** The shared Genesys call budget says wait; the queue is rate-limited instead of calling. */
export class BudgetExhaustedError extends AppError {
  constructor(readonly retryAfterMs: number) {
    super(
      'GENESYS_BUDGET_EXHAUSTED',
      `shared Genesys call budget exhausted; next slot in ${retryAfterMs} ms`,
      {
        details: { retryAfterMs },
      },
    );
  }
}

/** What a change's guard decides from the presence Genesys shows just before the write. */
export type GuardVerdict =
  { write: true; note?: string } | { write: false; outcome: 'applied' | 'conflict'; detail: string };

export interface GuardedChange extends PresenceWriteRequest {
  /**
   * Decides, from the user's current presence (undefined: Genesys did not list the user), whether to write.
   * Runs at flush time, right after the batch's bulk GET, so the read and the write are milliseconds apart.
   */
  guard(current: PresenceState | undefined): GuardVerdict;
  /** A fresh enough observation of the current presence: this change needs no read. */
  known?: { presence: PresenceState | undefined } | undefined;
}

export type ApplyResult =
  | {
      kind: 'written';
      presence: PresenceState;
      /** The presence before, as read (or known) for the guard. */
      previous: PresenceState | undefined;
      note?: string | undefined;
      status: number;
      correlationId: string | undefined;
      /** `patch` (lone write), `bulk` (one PUT for the batch), `read-back` (a failed write that did land). */
      via: 'patch' | 'bulk' | 'read-back';
      batchSize: number;
    }
  | {
      kind: 'skipped';
      outcome: 'applied' | 'conflict';
      detail: string;
      previous: PresenceState | undefined;
      /** True when `previous` was read from Genesys for this batch (worth recording as an observation). */
      read: boolean;
    };

export interface ApplierObserver {
  onBatch?(kind: 'patch' | 'bulk-put' | 'bulk-get', size: number): void;
}

export interface PresenceApplierOptions {
  windowMs: number;
  maxUsers: number;
  observer?: ApplierObserver | undefined;
  now?: () => number;
}

/** Errors after which a write may or may not have landed: read back before anyone writes again. */
const UNCERTAIN = new Set(['GENESYS_SERVER', 'GENESYS_NETWORK', 'GENESYS_TIMEOUT']);

type Written = Extract<ApplyResult, { kind: 'written' }>;
type Target = { change: GuardedChange; previous: PresenceState | undefined; note: string | undefined };

/**
 * Applies presence changes through one micro-batcher. Changes ready within `windowMs` (≤ `maxUsers`) form a batch:
 * one bulk GET for those whose current presence is not already known, each change's guard (stale-write check)
 * on that fresh read, then one `PUT /api/v2/users/presences/bulk` for the changes to write (a lone one as a
 * PATCH). Per-user results are checked by the client. A write that failed without an answer (5xx, network,
 * timeout) is read back: users showing the asked presence since the write count as applied, so a retry never
 * writes them twice. A PUT refused with 400 is halved until the bad entry is alone. Before calling, the shared
 * budget is checked; when it says wait, the changes fail with `GENESYS_BUDGET_EXHAUSTED` (the worker then
 * rate-limits the queue).
 */
export class PresenceApplier {
  private readonly batcher: MicroBatcher<GuardedChange, ApplyResult>;
  private readonly now: () => number;

  constructor(
    private readonly api: PresenceApi,
    private readonly options: PresenceApplierOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.batcher = new MicroBatcher({
      windowMs: options.windowMs,
      maxSize: options.maxUsers,
      flush: (items) => this.flush(items),
    });
  }

  /** Reads (when needed), guards and writes the change together with the others of its batch. */
  apply(change: GuardedChange): Promise<ApplyResult> {
    return this.batcher.add(change);
  }

  drain(): Promise<void> {
    return this.batcher.drain();
  }

  private async flush(items: GuardedChange[]): Promise<Settled<ApplyResult>[]> {
    const toRead = [...new Set(items.filter((i) => i.known === undefined).map((i) => i.userId))];
    const decision = await this.api.checkBudget(toRead.length > 0 ? 2 : 1);
    if (!decision.ok) {
      throw new BudgetExhaustedError(decision.retryAfterMs);
    }
    const current = new Map<string, PresenceState>();
    if (toRead.length > 0) {
      this.options.observer?.onBatch?.('bulk-get', toRead.length);
      const answer = await this.api.getUserPresencesBulk(toRead);
      for (const p of answer.data) {
        current.set(p.userId, p);
      }
    }

    const results: Settled<ApplyResult>[] = new Array<Settled<ApplyResult>>(items.length);
    const targets: Target[] = [];
    const positions: number[] = [];
    items.forEach((change, i) => {
      const read = change.known === undefined;
      const previous = read ? current.get(change.userId) : change.known?.presence;
      let verdict: GuardVerdict;
      try {
        verdict = change.guard(previous);
      } catch (error) {
        results[i] = { ok: false, error };
        return;
      }
      if (verdict.write) {
        targets.push({ change, previous, note: verdict.note });
        positions.push(i);
      } else {
        results[i] = {
          ok: true,
          value: { kind: 'skipped', outcome: verdict.outcome, detail: verdict.detail, previous, read },
        };
      }
    });
    if (targets.length > 0) {
      const written = await this.write(targets, targets.length);
      positions.forEach((i, k) => {
        results[i] = written[k] as Settled<ApplyResult>;
      });
    }
    return results;
  }

  private async write(targets: Target[], batchSize: number): Promise<Settled<Written>[]> {
    const sentAt = this.now();
    if (targets.length === 1) {
      const t = targets[0] as Target;
      this.options.observer?.onBatch?.('patch', 1);
      try {
        const answer = await this.api.patchUserPresence(t.change.userId, {
          presenceDefinitionId: t.change.presenceDefinitionId,
          message: t.change.message,
        });
        return [written(t, answer.data, answer.status, answer.correlationId, 'patch', batchSize)];
      } catch (err) {
        return UNCERTAIN.has(errorFacts(err).code)
          ? this.readBack(targets, err, sentAt, batchSize)
          : [{ ok: false, error: err }];
      }
    }

    this.options.observer?.onBatch?.('bulk-put', targets.length);
    let answer: Awaited<ReturnType<PresenceApi['putUserPresencesBulk']>>;
    try {
      answer = await this.api.putUserPresencesBulk(
        targets.map((t) => ({
          userId: t.change.userId,
          presenceDefinitionId: t.change.presenceDefinitionId,
          message: t.change.message,
        })),
      );
    } catch (err) {
      return UNCERTAIN.has(errorFacts(err).code)
        ? this.readBack(targets, err, sentAt, batchSize)
        : targets.map(() => ({ ok: false, error: err }));
    }
    const byUser = new Map(answer.data.map((r) => [r.userId, r]));
    const results: Settled<Written>[] = new Array<Settled<Written>>(targets.length);
    const uncertain: number[] = [];
    const refused: number[] = [];
    targets.forEach((t, i) => {
      const r = byUser.get(t.change.userId);
      if (r === undefined) {
        results[i] = { ok: false, error: new Error(`bulk presence result missing user ${t.change.userId}`) };
      } else if (r.ok) {
        results[i] = written(t, r.presence, answer.status, r.correlationId, 'bulk', batchSize);
      } else {
        const code = errorFacts(r.error).code;
        if (UNCERTAIN.has(code)) {
          uncertain.push(i);
        } else if (code === 'GENESYS_BAD_REQUEST') {
          refused.push(i);
        }
        results[i] = { ok: false, error: r.error };
      }
    });

    if (uncertain.length > 0) {
      const first = results[uncertain[0] as number] as { ok: false; error: unknown };
      const checked = await this.readBack(
        uncertain.map((i) => targets[i] as Target),
        first.error,
        sentAt,
        batchSize,
      );
      uncertain.forEach((i, k) => {
        results[i] = checked[k] as Settled<Written>;
      });
    }
    if (refused.length > 1) {
      // One bad entry makes Genesys refuse the whole PUT: halve until it is alone.
      const subset = refused.map((i) => targets[i] as Target);
      const mid = Math.ceil(subset.length / 2);
      const settled = [
        ...(await this.write(subset.slice(0, mid), batchSize)),
        ...(await this.write(subset.slice(mid), batchSize)),
      ];
      refused.forEach((i, k) => {
        results[i] = settled[k] as Settled<Written>;
      });
    }
    return results;
  }

  /** After a write with no answer: who shows the asked presence since the write got it; the rest keep the error. */
  private async readBack(
    targets: Target[],
    error: unknown,
    sentAt: number,
    batchSize: number,
  ): Promise<Settled<Written>[]> {
    let current: Awaited<ReturnType<PresenceApi['getUserPresencesBulk']>>;
    try {
      this.options.observer?.onBatch?.('bulk-get', targets.length);
      current = await this.api.getUserPresencesBulk(targets.map((t) => t.change.userId));
    } catch {
      return targets.map(() => ({ ok: false, error }));
    }
    const check = confirmByReadBack(
      targets.map((t) => ({ userId: t.change.userId, presenceId: t.change.presenceDefinitionId })),
      current.data.map((p) => ({
        userId: p.userId,
        presenceId: p.presenceDefinitionId,
        modifiedDate: p.modifiedDate,
      })),
      sentAt,
    );
    const byUser = new Map(current.data.map((p) => [p.userId, p]));
    return targets.map((t) => {
      const presence = byUser.get(t.change.userId);
      return check.confirmed.has(t.change.userId) && presence !== undefined
        ? written(t, presence, current.status, current.correlationId, 'read-back', batchSize)
        : { ok: false, error };
    });
  }
}

/** A target's write that landed, as the applier settles it. */
function written(
  t: Target,
  presence: PresenceState,
  status: number,
  correlationId: string | undefined,
  via: Written['via'],
  batchSize: number,
): Settled<Written> {
  return {
    ok: true,
    value: {
      kind: 'written',
      presence,
      previous: t.previous,
      note: t.note,
      status,
      correlationId,
      via,
      batchSize,
    },
  };
}
