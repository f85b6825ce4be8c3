import {
  ACTIVITY_CATEGORIES,
  type ActivityCategory,
  type AgentTimeline,
  type ScheduledActivity,
  type ScheduleLookup,
} from '../schedule/agent-timeline';
import { addDays, zonedTimeToInstant } from './time-zone';

/** An activity code as WFM lists it (genesys-api.md §4.2), reduced to what the policy needs. */
export interface WfmActivityCodeInfo {
  id: string;
  category: string;
  secondaryPresenceIds: readonly string[];
}

/** One agent's part of a BU agent-schedule search result (genesys-api.md §4.3). */
export interface WfmAgentSchedule {
  shifts: ReadonlyArray<{
    activities: ReadonlyArray<{ startDate: string; lengthMinutes: number; activityCodeId: string }>;
  }>;
  fullDayTimeOffMarkers: ReadonlyArray<{
    businessUnitDate: string;
    startOffsetMinutes?: number | undefined;
    endOffsetMinutes?: number | undefined;
    lengthMinutes?: number | undefined;
    activityCodeId?: string | undefined;
  }>;
}

export interface BuildTimelineInput {
  userId: string;
  businessUnitId: string;
  managementUnitId?: string | undefined;
  /** IANA time zone of the business unit (`businessUnitTimeZone`). */
  timeZone: string;
  windowStart: Date;
  windowEnd: Date;
  schedule: WfmAgentSchedule;
  activityCodes: ReadonlyMap<string, WfmActivityCodeInfo>;
  syncedAt: Date;
}

export interface BuiltTimeline {
  timeline: AgentTimeline;
  /** Activities left out, with why (unknown activity code or category). */
  skipped: string[];
}

function isCategory(value: string): value is ActivityCategory {
  return (ACTIVITY_CATEGORIES as readonly string[]).includes(value);
}

/** The Genesys id used for a full-day time-off marker without an activity code. */
export const FULL_DAY_TIME_OFF_CODE = 'full-day-time-off';

/**
 * Turns WFM's schedule of one agent into the cached `AgentTimeline`: shift activities end at
 * `startDate + lengthMinutes`; full-day time-off markers are BU-local dates, covering local midnight to the next
 * local midnight (23 or 25 h on DST change days) unless the marker gives start/end offsets (wall-clock minutes
 * past local midnight). Activities are sorted by start.
 */
export function buildAgentTimeline(input: BuildTimelineInput): BuiltTimeline {
  const skipped: string[] = [];
  const activities: ScheduledActivity[] = [];
  const resolve = (codeId: string): { category: ActivityCategory; secondary: string[] } | undefined => {
    const code = input.activityCodes.get(codeId);
    if (code === undefined) {
      skipped.push(`unknown activity code ${codeId}`);
      return undefined;
    }
    if (!isCategory(code.category)) {
      skipped.push(`activity code ${codeId} has unknown category ${code.category}`);
      return undefined;
    }
    return { category: code.category, secondary: [...code.secondaryPresenceIds] };
  };

  for (const shift of input.schedule.shifts) {
    for (const a of shift.activities) {
      const start = Date.parse(a.startDate);
      if (Number.isNaN(start) || !(a.lengthMinutes > 0)) {
        skipped.push(`activity at ${a.startDate} has no valid start or length`);
        continue;
      }
      const code = resolve(a.activityCodeId);
      if (code !== undefined) {
        activities.push({
          start: new Date(start).toISOString(),
          end: new Date(start + a.lengthMinutes * 60_000).toISOString(),
          activityCodeId: a.activityCodeId,
          category: code.category,
          secondaryPresenceIds: code.secondary,
        });
      }
    }
  }

  for (const marker of input.schedule.fullDayTimeOffMarkers) {
    const codeId = marker.activityCodeId ?? FULL_DAY_TIME_OFF_CODE;
    const code =
      marker.activityCodeId === undefined ? { category: 'TimeOff' as const, secondary: [] } : resolve(codeId);
    if (code === undefined) {
      continue;
    }
    const date = marker.businessUnitDate;
    const start = zonedTimeToInstant(date, marker.startOffsetMinutes ?? 0, input.timeZone);
    const end =
      marker.endOffsetMinutes === undefined
        ? zonedTimeToInstant(addDays(date, 1), 0, input.timeZone)
        : zonedTimeToInstant(date, marker.endOffsetMinutes, input.timeZone);
    if (end <= start) {
      skipped.push(`full-day time off on ${date} has an empty range`);
      continue;
    }
    activities.push({
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      activityCodeId: codeId,
      category: code.category,
      secondaryPresenceIds: code.secondary,
      fullDay: true,
    });
  }

  activities.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  return {
    timeline: {
      userId: input.userId,
      businessUnitId: input.businessUnitId,
      ...(input.managementUnitId === undefined ? {} : { managementUnitId: input.managementUnitId }),
      timeZone: input.timeZone,
      windowStart: input.windowStart.toISOString(),
      windowEnd: input.windowEnd.toISOString(),
      activities,
      syncedAt: input.syncedAt.toISOString(),
    },
    skipped,
  };
}

/**
 * What the timeline says at `at`: the activity covering it (half-open `[start, end)`; a shift activity wins over
 * full-day time off, the later-starting one over an enclosing one), `unscheduled` inside the window, `unknown`
 * outside it.
 */
export function scheduleAt(timeline: AgentTimeline, at: Date): ScheduleLookup {
  const t = at.getTime();
  if (t < Date.parse(timeline.windowStart) || t >= Date.parse(timeline.windowEnd)) {
    return { kind: 'unknown', reason: 'outside the cached schedule window' };
  }
  let best: ScheduledActivity | undefined;
  for (const activity of timeline.activities) {
    if (Date.parse(activity.start) <= t && t < Date.parse(activity.end)) {
      const better =
        best === undefined ||
        (best.fullDay === true && activity.fullDay !== true) ||
        ((best.fullDay === true) === (activity.fullDay === true) &&
          Date.parse(activity.start) > Date.parse(best.start));
      if (better) {
        best = activity;
      }
    }
  }
  return best === undefined
    ? { kind: 'unscheduled', timeZone: timeline.timeZone }
    : { kind: 'activity', activity: best, timeZone: timeline.timeZone };
}
