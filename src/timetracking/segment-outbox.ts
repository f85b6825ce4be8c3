import type { RedisConnection } from '../redis';
import { segmentSchema, type Segment } from './segment';
import { segmentOutboxKey } from './timetracking-keys';

const GROUP = 'exporters';

export interface OutboxBatch {
  /** Deterministic from the entries (first and last stream id), so re-cutting the same entries gives the same id. */
  batchId: string;
  entryIds: string[];
  segments: Segment[];
}

type StreamEntry = [id: string, fields: string[]];

/**
 * Changed segments waiting to be exported: a Redis stream read through a consumer group, so concurrent cutters
 * get disjoint entries, and entries claimed by a cutter that died are claimed again after `reclaimAfterMs`.
 * Entries are deleted once the batch that carries them has been queued for delivery.
 */
export class SegmentOutbox {
  private groupReady = false;

  constructor(
    private readonly redis: RedisConnection,
    private readonly options: { prefix: string; consumer: string; reclaimAfterMs?: number },
  ) {}

  private get key(): string {
    return segmentOutboxKey(this.options.prefix);
  }

  async append(segments: readonly Segment[]): Promise<void> {
    if (segments.length === 0) {
      return;
    }
    const pipeline = this.redis.pipeline();
    for (const s of segments) {
      pipeline.xadd(this.key, '*', 'segment', JSON.stringify(s));
    }
    const results = await pipeline.exec();
    const failed = results?.find(([err]) => err !== null && err !== undefined);
    if (failed !== undefined && failed[0] !== null) {
      throw failed[0];
    }
  }

  private async ensureGroup(): Promise<void> {
    if (this.groupReady) {
      return;
    }
    try {
      await this.redis.xgroup('CREATE', this.key, GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error && err.message.includes('BUSYGROUP'))) {
        throw err;
      }
    }
    this.groupReady = true;
  }

  /** Takes up to `count` entries: first those abandoned by a dead cutter, else new ones. Empty when none. */
  async take(count: number): Promise<OutboxBatch | undefined> {
    await this.ensureGroup();
    const reclaimAfterMs = this.options.reclaimAfterMs ?? 60_000;
    const claimed = (await this.redis.xautoclaim(
      this.key,
      GROUP,
      this.options.consumer,
      reclaimAfterMs,
      '0-0',
      'COUNT',
      count,
    )) as [string, (StreamEntry | null)[], string[]?];
    let entries = (claimed[1] ?? []).filter((e): e is StreamEntry => e !== null);
    if (entries.length === 0) {
      const read = (await this.redis.xreadgroup(
        'GROUP',
        GROUP,
        this.options.consumer,
        'COUNT',
        count,
        'STREAMS',
        this.key,
        '>',
      )) as [string, StreamEntry[]][] | null;
      entries = read?.[0]?.[1] ?? [];
    }
    if (entries.length === 0) {
      return undefined;
    }
    const segments: Segment[] = [];
    for (const [, fields] of entries) {
      const index = fields.indexOf('segment');
      const parsed = segmentSchema.safeParse(index >= 0 ? safeJson(fields[index + 1]) : undefined);
      if (parsed.success) {
        segments.push(parsed.data);
      }
    }
    const entryIds = entries.map(([id]) => id);
    return { batchId: `batch_${entryIds[0]}_${entryIds[entryIds.length - 1]}`, entryIds, segments };
  }

  /** Acknowledges and deletes entries whose batch is safely queued. */
  async done(entryIds: readonly string[]): Promise<void> {
    if (entryIds.length === 0) {
      return;
    }
    await this.redis.xack(this.key, GROUP, ...entryIds);
    await this.redis.xdel(this.key, ...entryIds);
  }

  /** Entries not yet taken plus entries taken and not yet done. */
  async backlog(): Promise<number> {
    return this.redis.xlen(this.key);
  }
}

function safeJson(value: string | undefined): unknown {
  try {
    return value === undefined ? undefined : JSON.parse(value);
  } catch {
    return undefined;
  }
}
