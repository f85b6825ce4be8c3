import type { Logger } from 'pino';
import { AppError } from '../app-error';
import { errorFacts } from '../policy/job-outcome';
import type { RedisConnection } from '../redis';
import { activityBoundaries } from '../schedule/activity-boundaries';
import type { AgentRoster } from '../schedule/agent-roster';
import type { AgentTimeline } from '../schedule/agent-timeline';
import { buildAgentTimelines } from '../schedule/build-agent-timelines';
import { FollowIndex } from '../schedule/follow-index';
import { RedisLease } from '../schedule/redis-lease';
import type { ScheduleSearchCompletions } from '../schedule/schedule-search-completions';
import type { ActivityCodeInfo, ScheduleSearchResult } from '../schedule/schedule-search-result';
import { scheduleWindow, type ScheduleWindow } from '../schedule/schedule-window';
import { TimelineCache, type WfmUnit } from '../schedule/timeline-cache';
import { isValidTimeZone } from '../schedule/time-zone';

/** What a Genesys client call returns that the sync reads: the data and the HTTP calls it took. */
interface Answer<T> {
  data: T;
  calls: readonly unknown[];
}

/** The WFM calls the schedule sync makes (the Genesys client satisfies it). */
export interface ScheduleSyncWfmApi {
  getBusinessUnit(businessUnitId: string): Promise<Answer<{ settings?: { timeZone: string } | undefined }>>;
  listActivityCodes(businessUnitId: string): Promise<Answer<readonly ActivityCodeInfo[]>>;
  getAgentManagementUnit(
    userId: string,
  ): Promise<Answer<{ managementUnit: { id: string }; businessUnit?: { id: string } | undefined }>>;
  searchAgentSchedules(
    businessUnitId: string,
    query: { startDate: string; endDate: string; userIds?: readonly string[] },
    options?: {
      awaitCompletion?: (operationId: string, signal: AbortSignal) => Promise<string | undefined>;
      completionTimeoutMs?: number;
    },
  ): Promise<
    Answer<
      | { status: 'Complete'; result: ScheduleSearchResult; delivery: 'inline' | 'download' }
      | { status: 'Processing'; operationId: string }
    >
  >;
}

/** Which agents follow their schedule (`FOLLOW_USER_IDS`, `FOLLOW_MANAGEMENT_UNIT_IDS`). */
export interface FollowSelection {
  readonly userIds: ReadonlySet<string>;
  readonly managementUnitIds: ReadonlySet<string>;
}

export interface ScheduleSyncSettings {
  /** `SCHEDULE_SYNC_EVERY_MS`: timelines live four periods, so three failed syncs in a row are tolerated. */
  readonly syncEveryMs: number;
  /** `SCHEDULE_CACHE_TTL_SECONDS` × 1000: the shortest timeline lifetime. */
  readonly minCacheTtlMs: number;
  /** `SCHEDULE_SEARCH_WAIT_MS`. */
  readonly searchWaitMs: number;
  /** `WFM_UNIT_LOOKUPS_PER_SYNC`. */
  readonly unitLookupsPerSync: number;
  /** `FOLLOW_MAX_LATENESS_MS`: boundaries older than this are not indexed. */
  readonly followMaxLatenessMs: number;
}

export interface ScheduleSyncObserver {
  /** Same name as the metrics module's method, so it plugs in directly. */
  recordScheduleSync?(businessUnitId: string, at?: number): void;
}

export interface ScheduleSyncDeps {
  redis: RedisConnection;
  prefix: string;
  wfm: ScheduleSyncWfmApi;
  roster: Pick<AgentRoster, 'isExplicit' | 'list'>;
  /** Where asynchronous search results arrive (optional: without it a `Processing` answer is retried later). */
  completions?: Pick<ScheduleSearchCompletions, 'waitFor'> | undefined;
  follow: FollowSelection;
  settings: ScheduleSyncSettings;
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  observer?: ScheduleSyncObserver | undefined;
  now?: () => number;
}

export type ScheduleSyncReason = 'scheduled' | 'on-demand' | 'wfm-change';

export interface ScheduleSyncReport {
  businessUnitId: string;
  /** False when another process was syncing this business unit (nothing done). */
  ran: boolean;
  agents: number;
  activities: number;
  /** Genesys HTTP calls this sync made (downloads and polls included). */
  calls: number;
  delivery: Array<'inline' | 'download'>;
  unknownActivityCodeIds: string[];
  followedAgents: number;
  followBoundaries: number;
  unitLookups: number;
  window?: { start: string; end: string };
  durationMs: number;
}

/** A schedule search still `Processing` after `SCHEDULE_SEARCH_WAIT_MS`: the job is retried with back-off. */
export class ScheduleSearchPendingError extends AppError {
  constructor(businessUnitId: string, operationId: string) {
    super(
      'SCHEDULE_SEARCH_PENDING',
      `WFM schedule search of business unit ${businessUnitId} still processing`,
      {
        details: { businessUnitId, operationId },
      },
    );
  }
}

/** Most agents named in one schedule search (the real maximum is unverified). */
const SEARCH_MAX_USERS = 500;
const TIME_ZONE_TTL_MS = 24 * 3_600_000;
const ACTIVITY_CODES_TTL_MS = 3_600_000;
const UNIT_TTL_MS = 24 * 3_600_000;
const UNIT_LOOKUP_CONCURRENCY = 4;

/**
 * Keeps the Redis schedule cache warm for one business unit (issue 5, "Schedule sync"): the BU's time zone and
 * activity codes (both cached), one `agentschedules/search` over yesterday..+2 days in the BU's zone (inline,
 * `downloadUrl` or `Processing` → completion, bounded), one `AgentTimeline` per agent written under the key the
 * presence worker reads (`timelineKey`, pipelined, with a TTL of four sync periods), the agents' units, and the
 * follower's boundary index. One sync per BU at a time across processes (Redis lease).
 */
export class ScheduleSync {
  private readonly now: () => number;
  private readonly cache: TimelineCache;
  private readonly index: FollowIndex;
  private readonly lease: RedisLease;

  constructor(private readonly deps: ScheduleSyncDeps) {
    this.now = deps.now ?? Date.now;
    this.cache = new TimelineCache(deps.redis, deps.prefix);
    this.index = new FollowIndex(deps.redis, deps.prefix);
    this.lease = new RedisLease(deps.redis);
  }

  /** Lifetime of a synced timeline. */
  get timelineTtlMs(): number {
    return Math.max(4 * this.deps.settings.syncEveryMs, this.deps.settings.minCacheTtlMs);
  }

  async syncBusinessUnit(businessUnitId: string, reason: ScheduleSyncReason): Promise<ScheduleSyncReport> {
    const startedAt = this.now();
    const report: ScheduleSyncReport = {
      businessUnitId,
      ran: false,
      agents: 0,
      activities: 0,
      calls: 0,
      delivery: [],
      unknownActivityCodeIds: [],
      followedAgents: 0,
      followBoundaries: 0,
      unitLookups: 0,
      durationMs: 0,
    };
    const lease = await this.lease.tryAcquire(
      `${this.deps.prefix}:schedule-sync:${businessUnitId}:lease`,
      this.deps.settings.searchWaitMs + 120_000,
    );
    if (lease === undefined) {
      this.deps.logger.info({ businessUnitId, reason }, 'schedule sync already running elsewhere; skipped');
      return report;
    }
    try {
      report.ran = true;
      await this.run(businessUnitId, report);
      const at = this.now();
      report.durationMs = at - startedAt;
      await this.deps.redis.hset(`${this.deps.prefix}:schedule-sync:${businessUnitId}:status`, {
        syncedAt: new Date(at).toISOString(),
        reason,
        agents: report.agents,
        activities: report.activities,
        calls: report.calls,
        delivery: report.delivery.join(','),
      });
      this.deps.observer?.recordScheduleSync?.(businessUnitId, at);
      this.deps.logger.info({ ...report, reason }, 'schedules synced');
      return report;
    } finally {
      await lease.release();
    }
  }

  private async run(businessUnitId: string, report: ScheduleSyncReport): Promise<void> {
    const now = this.now();
    const timeZone = await this.timeZone(businessUnitId, report);
    let codes = await this.activityCodes(businessUnitId, report, false);
    const window = scheduleWindow(now, timeZone);
    report.window = { start: window.start.toISOString(), end: window.end.toISOString() };

    const explicit = this.deps.roster.isExplicit;
    const requested = explicit ? await this.deps.roster.list() : undefined;
    const results = await this.search(businessUnitId, window, requested, report);

    const build = () =>
      results.map((result) =>
        buildAgentTimelines({
          businessUnitId,
          timeZone,
          window,
          result,
          activityCodes: codes,
          syncedAt: new Date(now),
        }),
      );
    let built = build();
    if (built.some((b) => b.unknownActivityCodeIds.length > 0)) {
      // A code created since the cached list: read the list again once.
      codes = await this.activityCodes(businessUnitId, report, true);
      built = build();
    }
    const timelines = new Map<string, AgentTimeline>();
    for (const b of built) {
      report.unknownActivityCodeIds.push(...b.unknownActivityCodeIds);
      for (const t of b.timelines) {
        timelines.set(t.userId, t);
      }
    }
    report.unknownActivityCodeIds = [...new Set(report.unknownActivityCodeIds)].sort();
    if (report.unknownActivityCodeIds.length > 0) {
      this.deps.logger.warn(
        { businessUnitId, activityCodeIds: report.unknownActivityCodeIds },
        'schedules use activity codes WFM did not list; those activities are left out',
      );
    }

    const units = await this.cache.readUnits([...new Set([...timelines.keys(), ...(requested ?? [])])]);
    if (requested !== undefined) {
      // Agents asked for but absent from the answer have no published schedule in the window: they are off
      // shift, which is only certain for agents known to belong to this BU.
      for (const userId of requested) {
        const unit = units.get(userId);
        if (
          !timelines.has(userId) &&
          unit !== undefined &&
          !('none' in unit) &&
          unit.businessUnitId === businessUnitId
        ) {
          timelines.set(userId, emptyTimeline(userId, businessUnitId, timeZone, window, now));
        }
      }
    }
    await this.resolveUnits(businessUnitId, timelines, units, report);

    const list = [...timelines.values()];
    await this.cache.writeTimelines(list, this.timelineTtlMs);
    report.agents = list.length;
    report.activities = list.reduce((n, t) => n + t.activities.length, 0);
    await this.indexFollowers(businessUnitId, list, now, report);
  }

  private async timeZone(businessUnitId: string, report: ScheduleSyncReport): Promise<string> {
    const key = `${this.deps.prefix}:wfm:bu:${businessUnitId}:time-zone`;
    const cached = await this.deps.redis.get(key);
    if (cached !== null && isValidTimeZone(cached)) {
      return cached;
    }
    const answer = await this.deps.wfm.getBusinessUnit(businessUnitId);
    report.calls += answer.calls.length;
    const timeZone = answer.data.settings?.timeZone;
    if (timeZone === undefined || !isValidTimeZone(timeZone)) {
      this.deps.logger.warn(
        { businessUnitId, timeZone },
        'business unit without a usable time zone; using UTC',
      );
      return 'UTC';
    }
    await this.deps.redis.set(key, timeZone, 'PX', TIME_ZONE_TTL_MS);
    return timeZone;
  }

  private async activityCodes(
    businessUnitId: string,
    report: ScheduleSyncReport,
    force: boolean,
  ): Promise<Map<string, ActivityCodeInfo>> {
    const key = `${this.deps.prefix}:wfm:bu:${businessUnitId}:activity-codes`;
    if (!force) {
      const cached = await this.deps.redis.get(key);
      if (cached !== null) {
        try {
          const codes = JSON.parse(cached) as ActivityCodeInfo[];
          return new Map(codes.map((c) => [c.id, c]));
        } catch {
          // read them again
        }
      }
    }
    const answer = await this.deps.wfm.listActivityCodes(businessUnitId);
    report.calls += answer.calls.length;
    const codes: ActivityCodeInfo[] = answer.data.map((c) => ({
      id: c.id,
      category: c.category,
      active: c.active,
      secondaryPresences: (c.secondaryPresences ?? []).map((p) => ({ id: p.id })),
    }));
    await this.deps.redis.set(key, JSON.stringify(codes), 'PX', ACTIVITY_CODES_TTL_MS);
    return new Map(codes.map((c) => [c.id, c]));
  }

  private async search(
    businessUnitId: string,
    window: ScheduleWindow,
    userIds: readonly string[] | undefined,
    report: ScheduleSyncReport,
  ): Promise<ScheduleSearchResult[]> {
    const groups: Array<readonly string[] | undefined> = [];
    if (userIds === undefined) {
      groups.push(undefined);
    } else {
      for (let i = 0; i < userIds.length; i += SEARCH_MAX_USERS) {
        groups.push(userIds.slice(i, i + SEARCH_MAX_USERS));
      }
    }
    const completions = this.deps.completions;
    const results: ScheduleSearchResult[] = [];
    for (const group of groups) {
      const answer = await this.deps.wfm.searchAgentSchedules(
        businessUnitId,
        {
          startDate: window.start.toISOString(),
          endDate: window.end.toISOString(),
          ...(group === undefined ? {} : { userIds: group }),
        },
        completions === undefined
          ? {}
          : {
              awaitCompletion: (operationId, signal) => completions.waitFor(operationId, signal),
              completionTimeoutMs: this.deps.settings.searchWaitMs,
            },
      );
      report.calls += answer.calls.length;
      if (answer.data.status === 'Processing') {
        throw new ScheduleSearchPendingError(businessUnitId, answer.data.operationId);
      }
      report.delivery.push(answer.data.delivery);
      results.push(answer.data.result);
    }
    return results;
  }

  /**
   * Fills each timeline's management unit from the unit cache and, when management units follow their
   * schedule, asks WFM for agents not cached yet (at most `WFM_UNIT_LOOKUPS_PER_SYNC` per sync; the rest next
   * time). Agents seen in this BU's schedules get their business unit cached either way, which spares the
   * presence worker's schedule source a lookup.
   */
  private async resolveUnits(
    businessUnitId: string,
    timelines: Map<string, AgentTimeline>,
    units: Map<string, WfmUnit>,
    report: ScheduleSyncReport,
  ): Promise<void> {
    const fresh = new Map<string, WfmUnit>();
    const needMu = this.deps.follow.managementUnitIds.size > 0;
    const missing: string[] = [];
    for (const userId of timelines.keys()) {
      const unit = units.get(userId);
      const known = unit !== undefined && !('none' in unit) && unit.businessUnitId === businessUnitId;
      if (!known || (needMu && unit.managementUnitId === undefined)) {
        missing.push(userId);
      }
    }
    const toLookUp = needMu ? missing.slice(0, this.deps.settings.unitLookupsPerSync) : [];
    let next = 0;
    const worker = async () => {
      while (next < toLookUp.length) {
        const userId = toLookUp[next] as string;
        next += 1;
        try {
          const answer = await this.deps.wfm.getAgentManagementUnit(userId);
          report.calls += answer.calls.length;
          report.unitLookups += 1;
          fresh.set(userId, {
            businessUnitId: answer.data.businessUnit?.id ?? businessUnitId,
            managementUnitId: answer.data.managementUnit.id,
          });
        } catch (err) {
          report.unitLookups += 1;
          if (errorFacts(err).code !== 'GENESYS_NOT_FOUND') {
            throw err;
          }
          fresh.set(userId, { businessUnitId });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(UNIT_LOOKUP_CONCURRENCY, toLookUp.length) }, worker));
    for (const userId of missing) {
      if (!fresh.has(userId)) {
        fresh.set(userId, { businessUnitId });
      }
    }
    if (missing.length > toLookUp.length && needMu) {
      this.deps.logger.info(
        { businessUnitId, pending: missing.length - toLookUp.length },
        'management units of some agents left for the next sync (WFM_UNIT_LOOKUPS_PER_SYNC)',
      );
    }
    await this.cache.writeUnits(fresh, UNIT_TTL_MS);
    for (const [userId, timeline] of timelines) {
      const unit = fresh.get(userId) ?? units.get(userId);
      const managementUnitId = unit !== undefined && !('none' in unit) ? unit.managementUnitId : undefined;
      if (managementUnitId !== undefined) {
        timelines.set(userId, { ...timeline, managementUnitId });
      }
    }
  }

  private async indexFollowers(
    businessUnitId: string,
    timelines: readonly AgentTimeline[],
    now: number,
    report: ScheduleSyncReport,
  ): Promise<void> {
    const { userIds, managementUnitIds } = this.deps.follow;
    if (userIds.size === 0 && managementUnitIds.size === 0) {
      return;
    }
    const from = now - this.deps.settings.followMaxLatenessMs;
    const boundaries: Array<{ userId: string; at: number }> = [];
    for (const t of timelines) {
      const followed =
        userIds.has(t.userId) ||
        (t.managementUnitId !== undefined && managementUnitIds.has(t.managementUnitId));
      if (!followed) {
        continue;
      }
      report.followedAgents += 1;
      for (const b of activityBoundaries(t)) {
        if (b.to !== undefined && b.at > from) {
          boundaries.push({ userId: t.userId, at: b.at });
        }
      }
    }
    await this.index.replace(businessUnitId, boundaries, this.timelineTtlMs);
    report.followBoundaries = boundaries.length;
  }
}

function emptyTimeline(
  userId: string,
  businessUnitId: string,
  timeZone: string,
  window: ScheduleWindow,
  now: number,
): AgentTimeline {
  return {
    userId,
    businessUnitId,
    timeZone,
    windowStart: window.start.toISOString(),
    windowEnd: window.end.toISOString(),
    activities: [],
    syncedAt: new Date(now).toISOString(),
  };
}
