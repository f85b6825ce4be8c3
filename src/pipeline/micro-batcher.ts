/** Per-item result of a batch flush, in the order of the items. */
export type Settled<O> = { ok: true; value: O } | { ok: false; error: unknown };

export interface MicroBatcherOptions<I, O> {
  /** Longest wait after the first item of a batch before it is flushed (0 = next tick). */
  windowMs: number;
  /** A batch is flushed at once when it holds this many items. */
  maxSize: number;
  /** Sends one batch; returns one result per item, in order. A throw fails every item of the batch. */
  flush: (items: I[]) => Promise<Settled<O>[]>;
}

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Collects items that arrive within a short window (≤ `windowMs` after the first, ≤ `maxSize` items) and hands
 * them to `flush` together; each caller gets its own item's result. Batches flush independently, so a slow batch
 * does not hold up the next one.
 */
export class MicroBatcher<I, O> {
  private pending: Pending<I, O>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: MicroBatcherOptions<I, O>) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.options.maxSize) {
        this.flushNow();
      } else if (this.timer === undefined) {
        this.timer = setTimeout(() => this.flushNow(), this.options.windowMs);
      }
    });
  }

  /** Number of items waiting for the window to close. */
  get size(): number {
    return this.pending.length;
  }

  /** Sends what is waiting now. */
  flushNow(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) {
      return;
    }
    const batch = this.pending.splice(0, this.options.maxSize);
    if (this.pending.length > 0) {
      this.timer = setTimeout(() => this.flushNow(), this.options.windowMs);
    }
    const run = this.send(batch).finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  /** Flushes what is waiting and resolves when every batch sent so far has settled. */
  async drain(): Promise<void> {
    this.flushNow();
    while (this.inFlight.size > 0 || this.pending.length > 0) {
      this.flushNow();
      await Promise.allSettled([...this.inFlight]);
    }
  }

  private async send(batch: Pending<I, O>[]): Promise<void> {
    let results: Settled<O>[];
    try {
      results = await this.options.flush(batch.map((p) => p.item));
    } catch (error) {
      for (const p of batch) {
        p.reject(error);
      }
      return;
    }
    batch.forEach((p, i) => {
      const r = results[i];
      if (r === undefined) {
        p.reject(new Error('batch flush returned no result for an item'));
      } else if (r.ok) {
        p.resolve(r.value);
      } else {
        p.reject(r.error);
      }
    });
  }
}
