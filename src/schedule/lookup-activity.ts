import type { AgentTimeline, ScheduledActivity, ScheduleLookup } from './agent-timeline';

/**
 * What the timeline says at one instant: the activity covering it (when several overlap, the one that started
 * last, so a shift activity inside a full-day marker wins), `unscheduled` inside the window with no activity, and
 * `unknown` outside the window. Pure.
 */
export function lookupActivity(timeline: AgentTimeline, at: Date): ScheduleLookup {
  const t = at.getTime();
  if (t < Date.parse(timeline.windowStart) || t >= Date.parse(timeline.windowEnd)) {
    return { kind: 'unknown', reason: 'outside the cached schedule window' };
  }
  const activity = activityAt(timeline.activities, t);
  return activity === undefined
    ? { kind: 'unscheduled', timeZone: timeline.timeZone }
    : { kind: 'activity', activity, timeZone: timeline.timeZone };
}

/** The activity covering `t` (start ≤ t < end); the latest-starting one when several overlap. */
export function activityAt(
  activities: readonly ScheduledActivity[],
  t: number,
): ScheduledActivity | undefined {
  let found: ScheduledActivity | undefined;
  for (const a of activities) {
    const start = Date.parse(a.start);
    if (start > t) {
      break;
    }
    if (t < Date.parse(a.end) && (found === undefined || start >= Date.parse(found.start))) {
      found = a;
    }
  }
  return found;
}
