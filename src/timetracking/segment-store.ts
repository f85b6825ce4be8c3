import type { RedisConnection } from '../redis';
import { RedisScript } from '../redis-script';
import { makeSegment, type Segment } from './segment';
import { segmentIndexKey, segmentPointsKey, trackedAgentsKey } from './timetracking-keys';
import { SEGMENT_KINDS, stateOf, type SegmentKind, type SegmentState, type Transition } from './transition';

/**
 * Records a transition once per (userId, kind, start) and reports its neighbours, atomically.
 * KEYS: points hash, index zset. ARGV: start ms, stored value, retention cut-off ms.
 * Returns {status, existing value, previous start, previous value, next start}.
 */
const RECORD = new RedisScript(`
local start = ARGV[1]
local existing = redis.call('HGET', KEYS[1], start)
local status = 'recorded'
if existing then
  status = 'duplicate'
elseif tonumber(start) < tonumber(ARGV[3]) then
  return {'expired', '', '', '', ''}
else
  redis.call('HSET', KEYS[1], start, ARGV[2])
  redis.call('ZADD', KEYS[2], start, start)
  -- retention: drop starts older than the cut-off but keep the newest of them (its segment may still be open)
  local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[3], 'LIMIT', 0, 101)
  for i = 1, #old - 1 do
    redis.call('ZREM', KEYS[2], old[i])
    redis.call('HDEL', KEYS[1], old[i])
  end
end
local prev = redis.call('ZREVRANGEBYSCORE', KEYS[2], '(' .. start, '-inf', 'LIMIT', 0, 1)
local nxt = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. start, '+inf', 'LIMIT', 0, 1)
local prevValue = ''
if prev[1] then prevValue = redis.call('HGET', KEYS[1], prev[1]) or '' end
return {status, existing or '', prev[1] or '', prevValue, nxt[1] or ''}
`);

/**
 * Segment starts overlapping [from, to): the start at or before `from`, those inside, then the first start at or
 * after `to` (the end of the last one). KEYS: points hash, index zset. ARGV: from ms, to ms.
 * Returns a flat list start1, value1, start2, value2, …, followed by the next start ('' when open).
 */
const RANGE = new RedisScript(`
local before = redis.call('ZREVRANGEBYSCORE', KEYS[2], ARGV[1], '-inf', 'LIMIT', 0, 1)
local inside = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '(' .. ARGV[2])
local after = redis.call('ZRANGEBYSCORE', KEYS[2], ARGV[2], '+inf', 'LIMIT', 0, 1)
local out = {}
local starts = {}
if before[1] then table.insert(starts, before[1]) end
for _, s in ipairs(inside) do table.insert(starts, s) end
for _, s in ipairs(starts) do
  table.insert(out, s)
  table.insert(out, redis.call('HGET', KEYS[1], s) or '')
end
table.insert(out, after[1] or '')
return out
`);

export type RecordStatus = 'recorded' | 'duplicate' | 'conflict' | 'expired';

export interface RecordResult {
  status: RecordStatus;
  /** Closed segments whose end this transition set or moved (to be exported). */
  changed: Segment[];
}

export interface SegmentStoreOptions {
  prefix: string;
  /** Transitions older than this are ignored and older segments are trimmed. */
  retentionMs: number;
  now?: () => number;
}

interface StoredState {
  state: SegmentState;
  source: Segment['source'];
}

function encode(t: Transition): string {
  return JSON.stringify({ ...stateOf(t), source: t.source });
}

function decode(kind: SegmentKind, value: string): StoredState | undefined {
  try {
    const v = JSON.parse(value) as Record<string, unknown>;
    const source = v.source === 'backfill' ? 'backfill' : 'stream';
    if (
      kind === 'presence' &&
      typeof v.presenceDefinitionId === 'string' &&
      typeof v.systemPresence === 'string'
    ) {
      return {
        state: { kind, presenceDefinitionId: v.presenceDefinitionId, systemPresence: v.systemPresence },
        source,
      };
    }
    if (kind === 'routing' && typeof v.routingStatus === 'string') {
      return { state: { kind, routingStatus: v.routingStatus }, source };
    }
  } catch {
    // fall through: an unreadable value is reported as missing
  }
  return undefined;
}

function sameState(a: SegmentState, b: SegmentState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Per-agent segments in Redis. A segment is identified by (userId, kind, start) and ends where the next one of the
 * same agent and kind starts, so recording is idempotent and order-independent: the stream and the backfill may
 * deliver the same transitions any number of times, in any order, and the segments come out the same.
 */
export class SegmentStore {
  private readonly now: () => number;

  constructor(
    private readonly redis: RedisConnection,
    private readonly options: SegmentStoreOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Records one transition. A transition already known (same start) changes nothing and reports no segment unless
   * `reemit` is set (a retried job whose first attempt may have died before exporting).
   */
  async record(t: Transition, options: { reemit?: boolean } = {}): Promise<RecordResult> {
    const startMs = Date.parse(t.start);
    const { prefix } = this.options;
    const raw = (await RECORD.run(
      this.redis,
      [segmentPointsKey(prefix, t.userId, t.kind), segmentIndexKey(prefix, t.userId, t.kind)],
      [startMs, encode(t), this.now() - this.options.retentionMs],
    )) as string[];
    const [scriptStatus, existing, prevStart, prevValue, nextStart] = raw;
    if (scriptStatus === 'expired') {
      return { status: 'expired', changed: [] };
    }
    let status: RecordStatus = scriptStatus === 'recorded' ? 'recorded' : 'duplicate';
    let own: StoredState = { state: stateOf(t), source: t.source };
    if (status === 'duplicate') {
      const stored = existing === undefined || existing === '' ? undefined : decode(t.kind, existing);
      if (stored !== undefined) {
        if (!sameState(stored.state, own.state)) {
          status = 'conflict';
        }
        own = stored;
      }
    } else {
      await this.redis.sadd(trackedAgentsKey(prefix), t.userId);
    }
    if (status !== 'recorded' && options.reemit !== true) {
      return { status, changed: [] };
    }
    const changed: Segment[] = [];
    const prev = prevStart === undefined || prevStart === '' ? undefined : decode(t.kind, prevValue ?? '');
    if (prev !== undefined) {
      changed.push(makeSegment(t.userId, prev.state, Number(prevStart), startMs, prev.source));
    }
    if (nextStart !== undefined && nextStart !== '') {
      changed.push(makeSegment(t.userId, own.state, startMs, Number(nextStart), own.source));
    }
    return { status, changed };
  }

  /** One agent's segments of one kind overlapping [fromMs, toMs), oldest first; the last may be open. */
  async segments(userId: string, kind: SegmentKind, fromMs: number, toMs: number): Promise<Segment[]> {
    const { prefix } = this.options;
    const raw = (await RANGE.run(
      this.redis,
      [segmentPointsKey(prefix, userId, kind), segmentIndexKey(prefix, userId, kind)],
      [fromMs, toMs],
    )) as string[];
    const nextStart = raw[raw.length - 1];
    const out: Segment[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const start = Number(raw[i]);
      const stored = decode(kind, raw[i + 1] ?? '');
      const following =
        i + 2 < raw.length - 1 ? Number(raw[i + 2]) : nextStart === '' ? null : Number(nextStart);
      if (stored !== undefined) {
        out.push(makeSegment(userId, stored.state, start, following, stored.source));
      }
    }
    return out;
  }

  /** Every agent that has segments. */
  async trackedAgents(): Promise<string[]> {
    const key = trackedAgentsKey(this.options.prefix);
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, members] = await this.redis.sscan(key, cursor, 'COUNT', 1000);
      cursor = next;
      out.push(...members);
    } while (cursor !== '0');
    return out.sort();
  }

  /** Every tracked agent's segments of both kinds overlapping [fromMs, toMs). */
  async segmentsInWindow(fromMs: number, toMs: number, userIds?: readonly string[]): Promise<Segment[]> {
    const agents = userIds ?? (await this.trackedAgents());
    const out: Segment[] = [];
    const concurrency = 16;
    for (let i = 0; i < agents.length; i += concurrency) {
      const chunk = agents.slice(i, i + concurrency);
      const results = await Promise.all(
        chunk.flatMap((userId) => SEGMENT_KINDS.map((kind) => this.segments(userId, kind, fromMs, toMs))),
      );
      for (const r of results) {
        out.push(...r);
      }
    }
    return out;
  }
}
