import {
  ACTIVITY_CATEGORIES,
  type ActivityCategory,
  type AgentTimeline,
  type ScheduledActivity,
} from './agent-timeline';
import type { ActivityCodeInfo, ScheduleSearchAgent, ScheduleSearchResult } from './schedule-search-result';
import type { ScheduleWindow } from './schedule-window';
import { addDays, parseLocalDate, startOfLocalDay } from './time-zone';

export interface BuildTimelinesInput {
  readonly businessUnitId: string;
  /** IANA zone of the business unit (the result's `businessUnitTimeZone` wins when present). */
  readonly timeZone: string;
  readonly window: ScheduleWindow;
  readonly result: ScheduleSearchResult;
  readonly activityCodes: ReadonlyMap<string, ActivityCodeInfo>;
  readonly syncedAt: Date;
  /** Agents to keep (default: every agent of the result). */
  readonly include?: (userId: string) => boolean;
  /** Known management unit of each agent. */
  readonly managementUnits?: ReadonlyMap<string, string>;
}

export interface BuildTimelinesOutput {
  readonly timelines: AgentTimeline[];
  /** Activity code ids the result used that the activity codes did not resolve; those activities are left out. */
  readonly unknownActivityCodeIds: string[];
}

const CATEGORY_SET: ReadonlySet<string> = new Set(ACTIVITY_CATEGORIES);

function isCategory(value: string | undefined): value is ActivityCategory {
  return value !== undefined && CATEGORY_SET.has(value);
}

/**
 * Turns a BU schedule search result into one `AgentTimeline` per agent: shift activities end at
 * `startDate + lengthMinutes`; full-day time-off markers are local BU dates, converted with the BU's zone
 * (from `startOffsetMinutes`, to `endOffsetMinutes` when given, else to the end of that local day). Activities
 * outside the window are dropped; the rest are sorted by start. Pure.
 */
export function buildAgentTimelines(input: BuildTimelinesInput): BuildTimelinesOutput {
  const timeZone = input.result.businessUnitTimeZone ?? input.timeZone;
  const windowStart = input.window.start.getTime();
  const windowEnd = input.window.end.getTime();
  const unknown = new Set<string>();
  const byUser = new Map<string, ScheduledActivity[]>();

  const resolve = (activityCodeId: string | undefined): ActivityCodeInfo | undefined => {
    if (activityCodeId === undefined) {
      return undefined;
    }
    const code = input.activityCodes.get(activityCodeId);
    if (code === undefined || !isCategory(code.category)) {
      unknown.add(activityCodeId);
      return undefined;
    }
    return code;
  };

  const push = (
    list: ScheduledActivity[],
    start: number,
    end: number,
    code: ActivityCodeInfo,
    fullDay: boolean,
  ) => {
    if (!(end > start) || end <= windowStart || start >= windowEnd || !isCategory(code.category)) {
      return;
    }
    const activity: ScheduledActivity = {
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      activityCodeId: code.id,
      category: code.category,
      secondaryPresenceIds: (code.secondaryPresences ?? []).map((p) => p.id),
    };
    list.push(fullDay ? { ...activity, fullDay: true } : activity);
  };

  for (const agent of input.result.agentSchedules ?? []) {
    const userId = agent.user.id;
    if (input.include !== undefined && !input.include(userId)) {
      continue;
    }
    const list = byUser.get(userId) ?? [];
    byUser.set(userId, list);
    collectShiftActivities(agent, resolve, (start, end, code) => push(list, start, end, code, false));
    for (const marker of agent.fullDayTimeOffMarkers ?? []) {
      if (marker.delete === true) {
        continue;
      }
      const code = resolve(marker.activityCodeId);
      if (code === undefined) {
        continue;
      }
      const day = parseLocalDate(marker.businessUnitDate);
      const midnight = startOfLocalDay(day, timeZone);
      const start = midnight + (marker.startOffsetMinutes ?? 0) * 60_000;
      const end =
        marker.endOffsetMinutes !== undefined
          ? midnight + marker.endOffsetMinutes * 60_000
          : startOfLocalDay(addDays(day, 1), timeZone);
      push(list, start, end, code, true);
    }
  }

  const timelines: AgentTimeline[] = [];
  for (const [userId, activities] of byUser) {
    activities.sort((a, b) => a.start.localeCompare(b.start) || a.end.localeCompare(b.end));
    const managementUnitId = input.managementUnits?.get(userId);
    timelines.push({
      userId,
      businessUnitId: input.businessUnitId,
      ...(managementUnitId === undefined ? {} : { managementUnitId }),
      timeZone,
      windowStart: input.window.start.toISOString(),
      windowEnd: input.window.end.toISOString(),
      activities: dedupe(activities),
      syncedAt: input.syncedAt.toISOString(),
    });
  }
  return { timelines, unknownActivityCodeIds: [...unknown].sort() };
}

function collectShiftActivities(
  agent: ScheduleSearchAgent,
  resolve: (id: string) => ActivityCodeInfo | undefined,
  add: (start: number, end: number, code: ActivityCodeInfo) => void,
): void {
  for (const shift of agent.shifts ?? []) {
    for (const activity of shift.activities ?? []) {
      const start = Date.parse(activity.startDate);
      const code = resolve(activity.activityCodeId);
      if (Number.isNaN(start) || code === undefined) {
        continue;
      }
      add(start, start + activity.lengthMinutes * 60_000, code);
    }
  }
}

function dedupe(sorted: ScheduledActivity[]): ScheduledActivity[] {
  return sorted.filter((a, i) => {
    const prev = sorted[i - 1];
    return !(
      prev !== undefined &&
      prev.start === a.start &&
      prev.end === a.end &&
      prev.activityCodeId === a.activityCodeId
    );
  });
}
