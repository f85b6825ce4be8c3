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

export interface AppliedChange {
  presence: PresenceState;
  status: number;
  correlationId: string | undefined;
  /** `patch` (lone change), `bulk` (one PUT for the batch), `read-back` (a failed write that did land). */
  via: 'patch' | 'bulk' | 'read-back';
  batchSize: number;
}

export interface ReadPresence {
  /** Undefined when Genesys did not list the user. */
  presence: PresenceState | undefined;
  status: number;
  correlationId: string | undefined;
}

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

/**
 * Applies presence changes through two micro-batchers: reads (stale-write guard) and writes. Changes ready
 * within `windowMs` go out as one `PUT /api/v2/users/presences/bulk` of ≤ `maxUsers` (a lone change as one
 * PATCH); reads as one bulk GET. Per-user results are checked by the client. A write that failed without an
 * answer (5xx, network, timeout) is read back: users showing the asked presence since the write count as applied,
 * so a retry never writes them twice. A batch refused with 400 is split in halves to isolate the bad entry.
 * Before each call the shared budget is checked; when it says wait, the items fail with
 * `GENESYS_BUDGET_EXHAUSTED` (the worker rate-limits the queue).
 */
export class PresenceApplier {
  private readonly writes: MicroBatcher<PresenceWriteRequest, AppliedChange>;
  private readonly reads: MicroBatcher<string, ReadPresence>;
  private readonly now: () => number;

  constructor(
    private readonly api: PresenceApi,
    private readonly options: PresenceApplierOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.writes = new MicroBatcher({
      windowMs: options.windowMs,
      maxSize: options.maxUsers,
      flush: (items) => this.flushWrites(items),
    });
    this.reads = new MicroBatcher({
      windowMs: options.windowMs,
      maxSize: options.maxUsers,
      flush: (ids) => this.flushReads(ids),
    });
  }

  /** The user's current presence in Genesys (batched bulk GET). */
  read(userId: string): Promise<ReadPresence> {
    return this.reads.add(userId);
  }

  /** Sets the presence (batched); rejects with the Genesys error when it was not applied. */
  apply(change: PresenceWriteRequest): Promise<AppliedChange> {
    return this.writes.add(change);
  }

  async drain(): Promise<void> {
    await Promise.all([this.reads.drain(), this.writes.drain()]);
  }

  private async checkBudget(): Promise<void> {
    const decision = await this.api.checkBudget(1);
    if (!decision.ok) {
      throw new BudgetExhaustedError(decision.retryAfterMs);
    }
  }

  private async flushReads(ids: string[]): Promise<Settled<ReadPresence>[]> {
    await this.checkBudget();
    const unique = [...new Set(ids)];
    this.options.observer?.onBatch?.('bulk-get', unique.length);
    const answer = await this.api.getUserPresencesBulk(unique);
    const byUser = new Map(answer.data.map((p) => [p.userId, p]));
    return ids.map((id) => ({
      ok: true,
      value: { presence: byUser.get(id), status: answer.status, correlationId: answer.correlationId },
    }));
  }

  private async flushWrites(items: PresenceWriteRequest[]): Promise<Settled<AppliedChange>[]> {
    await this.checkBudget();
    return this.write(items, items.length);
  }

  private async write(items: PresenceWriteRequest[], batchSize: number): Promise<Settled<AppliedChange>[]> {
    const sentAt = this.now();
    if (items.length === 1) {
      const item = items[0] as PresenceWriteRequest;
      this.options.observer?.onBatch?.('patch', 1);
      try {
        const answer = await this.api.patchUserPresence(item.userId, {
          presenceDefinitionId: item.presenceDefinitionId,
          message: item.message,
        });
        return [
          {
            ok: true,
            value: {
              presence: answer.data,
              status: answer.status,
              correlationId: answer.correlationId,
              via: 'patch',
              batchSize,
            },
          },
        ];
      } catch (err) {
        return UNCERTAIN.has(errorFacts(err).code)
          ? this.readBack(items, err, sentAt, batchSize)
          : [{ ok: false, error: err }];
      }
    }

    this.options.observer?.onBatch?.('bulk-put', items.length);
    let answer: Awaited<ReturnType<PresenceApi['putUserPresencesBulk']>>;
    try {
      answer = await this.api.putUserPresencesBulk(items);
    } catch (err) {
      return UNCERTAIN.has(errorFacts(err).code)
        ? this.readBack(items, err, sentAt, batchSize)
        : items.map(() => ({ ok: false, error: err }));
    }
    const byUser = new Map(answer.data.map((r) => [r.userId, r]));
    const results: Settled<AppliedChange>[] = new Array<Settled<AppliedChange>>(items.length);
    const uncertain: number[] = [];
    const refused: number[] = [];
    items.forEach((item, i) => {
      const r = byUser.get(item.userId);
      if (r === undefined) {
        results[i] = { ok: false, error: new Error(`bulk presence result missing user ${item.userId}`) };
      } else if (r.ok) {
        results[i] = {
          ok: true,
          value: {
            presence: r.presence,
            status: answer.status,
            correlationId: r.correlationId,
            via: 'bulk',
            batchSize,
          },
        };
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
        uncertain.map((i) => items[i] as PresenceWriteRequest),
        first.error,
        sentAt,
        batchSize,
      );
      uncertain.forEach((i, k) => {
        results[i] = checked[k] as Settled<AppliedChange>;
      });
    }
    if (refused.length > 1) {
      // One bad entry makes Genesys refuse the whole PUT: halve until it is alone.
      const subset = refused.map((i) => items[i] as PresenceWriteRequest);
      const mid = Math.ceil(subset.length / 2);
      const halves = [subset.slice(0, mid), subset.slice(mid)];
      const settled = [
        ...(await this.write(halves[0] ?? [], batchSize)),
        ...(await this.write(halves[1] ?? [], batchSize)),
      ];
      refused.forEach((i, k) => {
        results[i] = settled[k] as Settled<AppliedChange>;
      });
    }
    return results;
  }

  /** After a write with no answer: who shows the asked presence since the write got it; the rest keep the error. */
  private async readBack(
    items: PresenceWriteRequest[],
    error: unknown,
    sentAt: number,
    batchSize: number,
  ): Promise<Settled<AppliedChange>[]> {
    let current: Awaited<ReturnType<PresenceApi['getUserPresencesBulk']>>;
    try {
      this.options.observer?.onBatch?.('bulk-get', items.length);
      current = await this.api.getUserPresencesBulk(items.map((i) => i.userId));
    } catch {
      return items.map(() => ({ ok: false, error }));
    }
    const check = confirmByReadBack(
      items.map((i) => ({ userId: i.userId, presenceId: i.presenceDefinitionId })),
      current.data.map((p) => ({
        userId: p.userId,
        presenceId: p.presenceDefinitionId,
        modifiedDate: p.modifiedDate,
      })),
      sentAt,
    );
    const byUser = new Map(current.data.map((p) => [p.userId, p]));
    return items.map((item) => {
      const presence = byUser.get(item.userId);
      return check.confirmed.has(item.userId) && presence !== undefined
        ? {
            ok: true,
            value: {
              presence,
              status: current.status,
              correlationId: current.correlationId,
              via: 'read-back',
              batchSize,
            },
          }
        : { ok: false, error };
    });
  }
}
