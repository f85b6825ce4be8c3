import type { PresencePolicy } from '../policy/presence-policy';
import type { ScheduledActivity } from './agent-timeline';

/**
 * The presence the policy maps to an activity, as a name or definition id the producer resolves: the activity
 * code's first secondary presence when it has any (genesys-api.md §4.2: "prefer those definition ids"), else the
 * first entry of the category's list in the presence policy (so the policy file orders each list by preference:
 * `OnQueueWork: [On Queue, …]`). `undefined` for an activity whose list allows anything (`*` only).
 * Off shift (no activity): the first entry of the policy's `unscheduled` list. Pure.
 */
export function targetPresence(
  policy: PresencePolicy,
  activity: ScheduledActivity | undefined,
): string | undefined {
  if (activity !== undefined) {
    const secondary = activity.secondaryPresenceIds[0];
    if (secondary !== undefined) {
      return secondary;
    }
    return firstConcrete(policy.categories[activity.category]);
  }
  return firstConcrete(policy.unscheduled);
}

function firstConcrete(entries: readonly string[]): string | undefined {
  return entries.find((e) => e !== '*');
}
