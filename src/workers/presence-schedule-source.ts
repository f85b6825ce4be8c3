import type { Logger } from 'pino';
import { timelineKey, wfmUnitKey } from '../jobs/keys';
import { errorFacts } from '../policy/job-outcome';
import type { RedisConnection } from '../redis';
import {
  agentTimelineSchema,
  type AgentTimeline,
  type ScheduleLookup,
  type ScheduleSource,
} from '../schedule/agent-timeline';
import { buildAgentTimelines } from '../schedule/build-agent-timelines';
import { lookupActivity } from '../schedule/lookup-activity';
import type { ActivityCodeInfo, ScheduleSearchResult } from '../schedule/schedule-search-result';

/** The WFM calls the schedule source makes (the Genesys client satisfies it). */
export interface ScheduleWfmApi {
  getAgentManagementUnit(
    userId: string,
  ): Promise<{ data: { managementUnit: { id: string }; businessUnit?: { id: string } | undefined } }>;
  listActivityCodes(businessUnitId: string): Promise<{ data: readonly ActivityCodeInfo[] }>;
  searchAgentSchedules(
    businessUnitId: string,
    query: { startDate: string; endDate: string; userIds?: readonly string[] },
  ): Promise<{
    data:
      { status: 'Complete'; result: ScheduleSearchResult } | { status: 'Processing'; operationId: string };
  }>;
}

export interface GenesysScheduleSourceOptions {
  redis: RedisConnection;
  prefix: string;
  wfm: ScheduleWfmApi;
  /** Lifetime of a timeline fetched here (`SCHEDULE_CACHE_TTL_SECONDS`). */
  ttlSeconds: number;
  /** Used when WFM does not say which business unit an agent belongs to (the only one of `WFM_BUSINESS_UNIT_IDS`). */
  defaultBusinessUnitId?: string | undefined;
  logger: Pick<Logger, 'warn' | 'debug'>;
  /** Misses of one business unit arriving within this window share one schedule search (default 25 ms). */
  batchWindowMs?: number;
  /** Most agents in one schedule search (default 100). */
  batchMaxUsers?: number;
  now?: () => number;
}

type Unit = { businessUnitId: string; managementUnitId?: string | undefined } | { none: true };

const DAY = 86_400_000;
/** How long a parsed timeline is reused in process. */
const MEMO_MS = 1_000;
/** Most parsed timelines kept at once (a burst of more agents within `MEMO_MS` reads Redis again). */
const MEMO_MAX = 5_000;
/** Lifetime of the "not in WFM" answer. */
const NOT_IN_WFM_TTL_MS = 10 * 60_000;

interface Waiter {
  userId: string;
  resolve: (timeline: AgentTimeline | undefined) => void;
  reject: (err: unknown) => void;
}

/**
 * The presence worker's `ScheduleSource`: reads the agent's timeline from the Redis schedule cache
 * (`timelineKey`, written by the schedule sync), and on a miss fetches it through WFM — the agent's business unit
 * (`getAgentManagementUnit`, cached per agent), the BU's activity codes (cached in process) and one
 * `agentschedules/search` shared by the misses of that BU that arrive together — then caches it with a TTL.
 * An agent not in WFM, a search still `Processing` or a WFM error give `unknown` (the policy's
 * `onMissingSchedule` decides).
 */
export class GenesysScheduleSource implements ScheduleSource {
  private readonly now: () => number;
  private readonly inFlight = new Map<string, Promise<AgentTimeline | undefined>>();
  private readonly batches = new Map<string, { waiters: Waiter[]; timer: NodeJS.Timeout | undefined }>();
  private readonly codes = new Map<string, { at: number; codes: Promise<Map<string, ActivityCodeInfo>> }>();
  private readonly memo = new Map<string, { at: number; timeline: AgentTimeline | undefined }>();

  constructor(private readonly options: GenesysScheduleSourceOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Parsed timelines held in process right now (bounded: see `remember`). */
  get memoSize(): number {
    return this.memo.size;
  }

  async lookup(userId: string, at: Date): Promise<ScheduleLookup> {
    try {
      const cached = await this.readCached(userId);
      if (cached !== undefined && covers(cached, at)) {
        return lookupActivity(cached, at);
      }
      const fetched = await this.fetch(userId);
      if (fetched === undefined) {
        return { kind: 'unknown', reason: 'agent not in WFM' };
      }
      return lookupActivity(fetched, at);
    } catch (err) {
      const facts = errorFacts(err);
      this.options.logger.warn({ err, userId }, 'schedule lookup failed; treating the schedule as unknown');
      return { kind: 'unknown', reason: `WFM unavailable (${facts.code})` };
    }
  }

  /**
   * Keeps a parsed timeline for `MEMO_MS`. The map is in insertion order (an entry is re-inserted when refreshed), so
   * expired entries are dropped from its front: it holds only the agents seen within the last second, never the
   * whole roster (a 10,000-agent roster's parsed timelines are ~35 MiB of heap).
   */
  private remember(userId: string, timeline: AgentTimeline | undefined, now: number): void {
    this.memo.delete(userId);
    for (const [key, entry] of this.memo) {
      if (now - entry.at < MEMO_MS && this.memo.size < MEMO_MAX) {
        break;
      }
      this.memo.delete(key);
    }
    this.memo.set(userId, { at: now, timeline });
  }

  /** Fills the cache for many agents of one business unit with one search (warm-up, tests, benchmarks). */
  async prefetch(businessUnitId: string, userIds: readonly string[]): Promise<number> {
    const timelines = await this.search(businessUnitId, [...userIds]);
    return timelines.size;
  }

  /**
   * The cached timeline; parsed copies are kept in process for a second, so the two lookups of one decision (now
   * and the boundary tolerance ahead) read Redis once.
   */
  private async readCached(userId: string): Promise<AgentTimeline | undefined> {
    const now = this.now();
    const memo = this.memo.get(userId);
    if (memo !== undefined && now - memo.at < MEMO_MS) {
      return memo.timeline;
    }
    const raw = await this.options.redis.get(timelineKey(this.options.prefix, userId));
    let timeline: AgentTimeline | undefined;
    if (raw !== null) {
      try {
        const parsed = agentTimelineSchema.safeParse(JSON.parse(raw));
        timeline = parsed.success ? parsed.data : undefined;
      } catch {
        timeline = undefined;
      }
    }
    this.remember(userId, timeline, now);
    return timeline;
  }

  /** One fetch per agent at a time in this process. */
  private fetch(userId: string): Promise<AgentTimeline | undefined> {
    let running = this.inFlight.get(userId);
    if (running === undefined) {
      running = this.fetchUncached(userId).finally(() => this.inFlight.delete(userId));
      this.inFlight.set(userId, running);
    }
    return running;
  }

  private async fetchUncached(userId: string): Promise<AgentTimeline | undefined> {
    const unit = await this.unitOf(userId);
    if ('none' in unit) {
      return undefined;
    }
    return new Promise<AgentTimeline | undefined>((resolve, reject) => {
      let batch = this.batches.get(unit.businessUnitId);
      if (batch === undefined) {
        batch = { waiters: [], timer: undefined };
        this.batches.set(unit.businessUnitId, batch);
      }
      batch.waiters.push({ userId, resolve, reject });
      if (batch.waiters.length >= (this.options.batchMaxUsers ?? 100)) {
        this.runBatch(unit.businessUnitId);
      } else {
        batch.timer ??= setTimeout(
          () => this.runBatch(unit.businessUnitId),
          this.options.batchWindowMs ?? 25,
        );
      }
    });
  }

  private runBatch(businessUnitId: string): void {
    const batch = this.batches.get(businessUnitId);
    this.batches.delete(businessUnitId);
    if (batch === undefined) {
      return;
    }
    if (batch.timer !== undefined) {
      clearTimeout(batch.timer);
    }
    const userIds = [...new Set(batch.waiters.map((w) => w.userId))];
    this.search(businessUnitId, userIds).then(
      (timelines) => batch.waiters.forEach((w) => w.resolve(timelines.get(w.userId))),
      (err: unknown) => batch.waiters.forEach((w) => w.reject(err)),
    );
  }

  private async unitOf(userId: string): Promise<Unit> {
    const key = wfmUnitKey(this.options.prefix, userId);
    const raw = await this.options.redis.get(key);
    if (raw !== null) {
      try {
        return JSON.parse(raw) as Unit;
      } catch {
        // fall through and ask WFM again
      }
    }
    let unit: Unit;
    try {
      const answer = await this.options.wfm.getAgentManagementUnit(userId);
      const businessUnitId = answer.data.businessUnit?.id ?? this.options.defaultBusinessUnitId;
      unit =
        businessUnitId === undefined
          ? { none: true }
          : { businessUnitId, managementUnitId: answer.data.managementUnit.id };
    } catch (err) {
      if (errorFacts(err).code !== 'GENESYS_NOT_FOUND') {
        throw err;
      }
      unit = { none: true };
    }
    const ttl = 'none' in unit ? NOT_IN_WFM_TTL_MS : this.options.ttlSeconds * 1000 * 4;
    await this.options.redis.set(key, JSON.stringify(unit), 'PX', ttl);
    return unit;
  }

  private activityCodes(businessUnitId: string): Promise<Map<string, ActivityCodeInfo>> {
    const cached = this.codes.get(businessUnitId);
    if (cached !== undefined && this.now() - cached.at < this.options.ttlSeconds * 1000) {
      return cached.codes;
    }
    const codes = this.options.wfm
      .listActivityCodes(businessUnitId)
      .then((answer) => new Map(answer.data.map((c) => [c.id, c])));
    codes.catch(() => this.codes.delete(businessUnitId));
    this.codes.set(businessUnitId, { at: this.now(), codes });
    return codes;
  }

  /** One schedule search for agents of one BU; every agent found in WFM gets a cached timeline (empty if off). */
  private async search(businessUnitId: string, userIds: string[]): Promise<Map<string, AgentTimeline>> {
    const now = this.now();
    const window = { start: new Date(now - DAY), end: new Date(now + 2 * DAY) };
    const [codes, answer] = await Promise.all([
      this.activityCodes(businessUnitId),
      this.options.wfm.searchAgentSchedules(businessUnitId, {
        startDate: window.start.toISOString(),
        endDate: window.end.toISOString(),
        userIds,
      }),
    ]);
    const out = new Map<string, AgentTimeline>();
    if (answer.data.status !== 'Complete') {
      this.options.logger.warn(
        { businessUnitId, users: userIds.length },
        'WFM schedule search still processing; schedules unknown for now',
      );
      return out;
    }
    const result = answer.data.result;
    const wanted = new Set(userIds);
    const built = buildAgentTimelines({
      businessUnitId,
      timeZone: result.businessUnitTimeZone ?? 'UTC',
      window,
      result,
      activityCodes: codes,
      syncedAt: new Date(now),
      include: (id) => wanted.has(id),
    });
    if (built.unknownActivityCodeIds.length > 0) {
      this.options.logger.warn(
        { businessUnitId, activityCodeIds: built.unknownActivityCodeIds },
        'schedule uses activity codes WFM did not list; those activities are ignored',
      );
    }
    for (const timeline of built.timelines) {
      out.set(timeline.userId, timeline);
    }
    for (const userId of userIds) {
      if (!out.has(userId)) {
        out.set(userId, {
          userId,
          businessUnitId,
          timeZone: result.businessUnitTimeZone ?? 'UTC',
          windowStart: window.start.toISOString(),
          windowEnd: window.end.toISOString(),
          activities: [],
          syncedAt: new Date(now).toISOString(),
        });
      }
    }
    for (const timeline of out.values()) {
      this.remember(timeline.userId, timeline, this.now());
    }
    // Separate commands, not a pipeline: agents' keys live in different cluster slots.
    await Promise.all(
      [...out.values()].map((timeline) =>
        this.options.redis.set(
          timelineKey(this.options.prefix, timeline.userId),
          JSON.stringify(timeline),
          'PX',
          this.options.ttlSeconds * 1000,
        ),
      ),
    );
    return out;
  }
}

function covers(timeline: AgentTimeline, at: Date): boolean {
  const t = at.getTime();
  return t >= Date.parse(timeline.windowStart) && t < Date.parse(timeline.windowEnd);
}
