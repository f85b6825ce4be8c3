import type { ScheduledActivity, ScheduleLookup } from '../schedule/agent-timeline';
import { normalizePresenceName } from './presence-name';
import type { PresencePolicy } from './presence-policy';

/** The presence a request asks for, as resolved from the org's presence definitions. */
export interface PresenceTarget {
  definitionId: string;
  /** The definition's system presence in any spelling (`OnQueue`, `On Queue`, `BREAK`…); absent if unknown. */
  systemPresence?: string | undefined;
}

export interface ScheduleDecisionInput {
  policy: PresencePolicy;
  target: PresenceTarget;
  source: string;
  force: boolean;
  /** The agent's schedule when the change takes effect. */
  schedule: ScheduleLookup;
  /** The schedule `boundaryToleranceSeconds` later (omit when the tolerance is 0). */
  upcoming?: ScheduleLookup | undefined;
}

export interface ScheduleDecision {
  verdict: 'allow' | 'block';
  /** The rule that decided, e.g. `category.Break`, `unscheduled`, `missing-schedule.allow`, `force.override`. */
  rule: string;
  /** Allowed only because a privileged source forced it. */
  override: boolean;
  /** `force` was asked and the source may force (also lifts the stale-write guard). */
  forceHonoured: boolean;
  scheduleKind: ScheduleLookup['kind'];
  /** The activity that decided (the upcoming one for a boundary decision). */
  activity?: ScheduledActivity | undefined;
  detail: string;
}

type Verdict = { allowed: boolean; rule: string; activity?: ScheduledActivity | undefined; detail: string };

function matches(
  target: PresenceTarget,
  entries: readonly string[],
  extraIds: readonly string[] = [],
): boolean {
  const id = target.definitionId.toLowerCase();
  const system =
    target.systemPresence === undefined ? undefined : normalizePresenceName(target.systemPresence);
  return (
    entries.includes('*') ||
    entries.includes(id) ||
    (system !== undefined && entries.includes(system)) ||
    extraIds.some((extra) => extra.toLowerCase() === id)
  );
}

function label(target: PresenceTarget): string {
  return target.systemPresence ?? target.definitionId;
}

function judgeActivity(policy: PresencePolicy, target: PresenceTarget, activity: ScheduledActivity): Verdict {
  const category = activity.category;
  const secondary = activity.secondaryPresenceIds;
  if (secondary.some((s) => s.toLowerCase() === target.definitionId.toLowerCase())) {
    return {
      allowed: true,
      rule: `secondary-presence.${category}`,
      activity,
      detail: `${label(target)} is a secondary presence of activity code ${activity.activityCodeId}`,
    };
  }
  const requireSecondary = policy.secondaryPresences === 'require' && secondary.length > 0;
  const allowed = !requireSecondary && matches(target, policy.categories[category]);
  return {
    allowed,
    rule: `category.${category}`,
    activity,
    detail: allowed
      ? `${label(target)} is allowed during ${category}`
      : requireSecondary
        ? `only the activity code's secondary presences are allowed during ${category}`
        : `${label(target)} is not allowed during ${category}`,
  };
}

function judge(policy: PresencePolicy, target: PresenceTarget, schedule: ScheduleLookup): Verdict {
  switch (schedule.kind) {
    case 'activity':
      return judgeActivity(policy, target, schedule.activity);
    case 'unscheduled': {
      const allowed = matches(target, policy.unscheduled);
      return {
        allowed,
        rule: 'unscheduled',
        detail: allowed
          ? `${label(target)} is allowed off shift`
          : `${label(target)} is not allowed off shift`,
      };
    }
    case 'unknown': {
      const allowed = policy.onMissingSchedule === 'allow';
      return {
        allowed,
        rule: `missing-schedule.${policy.onMissingSchedule}`,
        detail: `schedule unknown (${schedule.reason})`,
      };
    }
  }
}

function sameSlot(a: ScheduleLookup, b: ScheduleLookup): boolean {
  if (a.kind !== b.kind) {
    return false;
  }
  if (a.kind === 'activity' && b.kind === 'activity') {
    return a.activity.start === b.activity.start && a.activity.activityCodeId === b.activity.activityCodeId;
  }
  return true;
}

/**
 * Is this presence allowed for the agent now? Pure: the schedule comes in as lookups.
 *
 * Order: a non-privileged `force` is blocked; `alwaysAllowed`; the schedule now (activity category and the
 * activity code's secondary presences, off shift, or unknown → `onMissingSchedule`); the schedule
 * `boundaryToleranceSeconds` ahead (early start of the next activity); a privileged `force` turns a block into an
 * allowed override.
 */
export function decidePresenceChange(input: ScheduleDecisionInput): ScheduleDecision {
  const { policy, target, source, force, schedule, upcoming } = input;
  const privileged = policy.privilegedSources.includes(source);
  const forceHonoured = force && privileged;
  const base = { forceHonoured, scheduleKind: schedule.kind } as const;

  if (force && !privileged) {
    return {
      ...base,
      verdict: 'block',
      rule: 'force.not-privileged',
      override: false,
      detail: `source "${source}" may not force a presence change`,
    };
  }
  if (matches(target, policy.alwaysAllowed)) {
    return {
      ...base,
      verdict: 'allow',
      rule: 'always-allowed',
      override: false,
      detail: `${label(target)} is always allowed`,
    };
  }

  const now = judge(policy, target, schedule);
  if (now.allowed) {
    return {
      ...base,
      verdict: 'allow',
      rule: now.rule,
      override: false,
      activity: now.activity,
      detail: now.detail,
    };
  }
  if (upcoming !== undefined && upcoming.kind !== 'unknown' && !sameSlot(schedule, upcoming)) {
    const next = judge(policy, target, upcoming);
    if (next.allowed) {
      return {
        ...base,
        verdict: 'allow',
        rule: `boundary.${next.rule}`,
        override: false,
        activity: next.activity,
        detail: `${next.detail} (starts within ${policy.boundaryToleranceSeconds} s)`,
      };
    }
  }
  if (forceHonoured) {
    return {
      ...base,
      verdict: 'allow',
      rule: 'force.override',
      override: true,
      activity: now.activity,
      detail: `forced by ${source} over ${now.rule}: ${now.detail}`,
    };
  }
  return {
    ...base,
    verdict: 'block',
    rule: now.rule,
    override: false,
    activity: now.activity,
    detail: now.detail,
  };
}
