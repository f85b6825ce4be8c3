import type { AgentTimeline, ScheduledActivity } from './agent-timeline';
import { activityAt } from './lookup-activity';

/** An instant at which an agent's scheduled activity changes. */
export interface ActivityBoundary {
  readonly userId: string;
  /** Epoch ms of the change. */
  readonly at: number;
  /** Activity running just before `at` (undefined: none). */
  readonly from: ScheduledActivity | undefined;
  /** Activity starting at `at` (undefined: the agent is unscheduled from then on, e.g. the end of a shift). */
  readonly to: ScheduledActivity | undefined;
}

function sameActivity(a: ScheduledActivity | undefined, b: ScheduledActivity | undefined): boolean {
  if (a === undefined || b === undefined) {
    return a === b;
  }
  return a.activityCodeId === b.activityCodeId && a.category === b.category;
}

/**
 * Every instant in the window where the activity in force changes to a different activity code (back-to-back
 * activities of the same code are one activity for the follower). Sorted by time. Pure.
 */
export function activityBoundaries(timeline: AgentTimeline): ActivityBoundary[] {
  const windowStart = Date.parse(timeline.windowStart);
  const windowEnd = Date.parse(timeline.windowEnd);
  const instants = new Set<number>();
  for (const a of timeline.activities) {
    instants.add(Date.parse(a.start));
    instants.add(Date.parse(a.end));
  }
  const boundaries: ActivityBoundary[] = [];
  for (const at of [...instants].sort((x, y) => x - y)) {
    if (at <= windowStart || at >= windowEnd) {
      continue;
    }
    const from = activityAt(timeline.activities, at - 1);
    const to = activityAt(timeline.activities, at);
    if (!sameActivity(from, to)) {
      boundaries.push({ userId: timeline.userId, at, from, to });
    }
  }
  return boundaries;
}

/** Boundaries with `after < at <= upTo`. */
export function boundariesBetween(timeline: AgentTimeline, after: number, upTo: number): ActivityBoundary[] {
  return activityBoundaries(timeline).filter((b) => b.at > after && b.at <= upTo);
}
