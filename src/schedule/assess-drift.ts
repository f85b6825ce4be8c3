import type { AgentStateSnapshot } from '../jobs/agent-state';
import type { PresencePolicy } from '../policy/presence-policy';
import { decidePresenceChange } from '../policy/schedule-decision';
import type { ActivityCategory, ScheduledActivity, ScheduleLookup } from './agent-timeline';
import { targetPresence } from './target-presence';

/** An agent's presence as one bulk GET showed it. */
export interface ObservedPresence {
  presenceDefinitionId: string;
  /** System presence in any spelling (`ON_QUEUE`, `On Queue`…). */
  systemPresence?: string | undefined;
  /** Genesys `modifiedDate`, epoch ms. */
  modifiedMs?: number | undefined;
}

export type DriftKind = 'desired-mismatch' | 'schedule-violation';

/** What the heartbeat does about a drift in enforce mode. */
export type EnforcementVerdict =
  | { action: 'reassert'; presence: string }
  | {
      action: 'none';
      why: 'schedule-allows' | 'off-shift' | 'not-mandatory' | 'no-target' | 'request-in-flight';
    };

export interface DriftFinding {
  userId: string;
  kinds: DriftKind[];
  observed: ObservedPresence;
  /** The presence this service last applied (desired-mismatch). */
  expectedPresenceId?: string | undefined;
  /** The scheduled activity the observed presence violates (schedule-violation). */
  activity?: ScheduledActivity | undefined;
  /** Policy rule that refused the observed presence, e.g. `category.Break`. */
  rule?: string | undefined;
  mandatory: boolean;
  enforcement: EnforcementVerdict;
  detail: string;
}

export interface AssessDriftInput {
  userId: string;
  observed: ObservedPresence;
  state: AgentStateSnapshot | undefined;
  schedule: ScheduleLookup;
  /** The schedule `policy.boundaryToleranceSeconds` ahead (early start of the next activity is no drift). */
  upcoming?: ScheduleLookup | undefined;
  policy: PresencePolicy;
  mandatory: ReadonlySet<ActivityCategory>;
  nowMs: number;
  /** An open request younger than this is left to the pipeline (no re-assert on top of it). */
  inFlightGraceMs: number;
}

/**
 * Compares an agent's observed presence with what the service wants (the presence it last applied, when no
 * request is open) and with the schedule policy at `nowMs`. Returns undefined when in line. Pure.
 *
 * - desired-mismatch: nothing is pending and Genesys shows another presence than the one this service last applied
 *   (someone — usually the agent — changed it since).
 * - schedule-violation: the policy would refuse the observed presence for the activity scheduled now (an unknown
 *   schedule proves nothing and is never a violation). During a mandatory activity (`MANDATORY_ACTIVITY_CATEGORIES`)
 *   enforce mode re-asserts the presence the policy maps to that activity.
 */
export function assessDrift(input: AssessDriftInput): DriftFinding | undefined {
  const { observed, state, schedule, policy } = input;
  const kinds: DriftKind[] = [];
  const details: string[] = [];

  const applied = appliedPresence(state);
  let expectedPresenceId: string | undefined;
  if (applied !== undefined && applied.toLowerCase() !== observed.presenceDefinitionId.toLowerCase()) {
    kinds.push('desired-mismatch');
    expectedPresenceId = applied;
    details.push(`Genesys shows ${label(observed)}, this service last applied ${applied}`);
  }

  let activity: ScheduledActivity | undefined;
  let rule: string | undefined;
  if (schedule.kind !== 'unknown') {
    const decision = decidePresenceChange({
      policy,
      target: { definitionId: observed.presenceDefinitionId, systemPresence: observed.systemPresence },
      source: 'heartbeat',
      force: false,
      schedule,
      upcoming: input.upcoming,
    });
    if (decision.verdict === 'block') {
      kinds.push('schedule-violation');
      activity = decision.activity;
      rule = decision.rule;
      details.push(decision.detail);
    }
  }
  if (kinds.length === 0) {
    return undefined;
  }

  const mandatory = activity !== undefined && input.mandatory.has(activity.category);
  return {
    userId: input.userId,
    kinds,
    observed,
    expectedPresenceId,
    activity,
    rule,
    mandatory,
    enforcement: kinds.includes('schedule-violation')
      ? enforcement(input, activity, mandatory)
      : { action: 'none', why: 'schedule-allows' },
    detail: details.join('; '),
  };
}

/**
 * The presence this service last put the agent in, when nothing is pending: the latest request's presence when
 * that request was applied (also when no write was needed), else the presence of the last write. Undefined while
 * a request is open or for agents the service never changed.
 */
function appliedPresence(state: AgentStateSnapshot | undefined): string | undefined {
  if (state === undefined || state.openRequestId !== undefined || state.appliedVersion === 0) {
    return undefined;
  }
  if (state.appliedVersion === state.version && state.desired !== undefined) {
    return state.desired.presenceId;
  }
  return state.appliedPresenceId;
}

function enforcement(
  input: AssessDriftInput,
  activity: ScheduledActivity | undefined,
  mandatory: boolean,
): EnforcementVerdict {
  if (activity === undefined) {
    return { action: 'none', why: 'off-shift' };
  }
  if (!mandatory) {
    return { action: 'none', why: 'not-mandatory' };
  }
  const presence = targetPresence(input.policy, activity);
  if (presence === undefined) {
    return { action: 'none', why: 'no-target' };
  }
  const desired = input.state?.desired;
  if (
    input.state?.openRequestId !== undefined &&
    desired !== undefined &&
    input.nowMs - desired.requestedAtMs < input.inFlightGraceMs
  ) {
    return { action: 'none', why: 'request-in-flight' };
  }
  return { action: 'reassert', presence };
}

function label(observed: ObservedPresence): string {
  return observed.systemPresence === undefined
    ? observed.presenceDefinitionId
    : `${observed.systemPresence} (${observed.presenceDefinitionId})`;
}

/**
 * A stable signature of a finding: the same drift seen by the next sweep has the same signature, so it is
 * reported once (audit event) rather than every minute.
 */
export function driftSignature(finding: DriftFinding): string {
  return [
    finding.kinds.join('+'),
    finding.observed.presenceDefinitionId,
    finding.observed.modifiedMs ?? '',
    finding.activity?.start ?? '',
    finding.activity?.activityCodeId ?? '',
  ].join('|');
}
