import { normalizePresenceName } from '../../src/policy/presence-name';
import type { PresencePolicy } from '../../src/policy/presence-policy';
import { decidePresenceChange } from '../../src/policy/schedule-decision';
import type { ScheduleLookup } from '../../src/schedule/agent-timeline';
import { targetPresence } from '../../src/schedule/target-presence';

/** A presence definition as the emulator's org summary lists it. */
export interface DefinitionInfo {
  id: string;
  systemPresence: string;
  primary: boolean;
  deactivated: boolean;
}

export interface ShiftTargetInput {
  policy: PresencePolicy;
  definitions: readonly DefinitionInfo[];
  /** The agent's presence now (a definition id). */
  currentDefinitionId: string;
  /** The agent's schedule at each instant the change may be decided at (e.g. now and a little later). */
  schedules: readonly ScheduleLookup[];
  source: string;
}

/** Preference after the policy's own choice: the usual shift-boundary moves first. */
const FALLBACK_ORDER = [
  'onqueue',
  'available',
  'break',
  'meal',
  'meeting',
  'training',
  'busy',
  'away',
  'offline',
  'idle',
];

function primaryOf(definitions: readonly DefinitionInfo[], name: string): DefinitionInfo | undefined {
  return definitions.find(
    (d) => d.primary && !d.deactivated && normalizePresenceName(d.systemPresence) === name,
  );
}

/**
 * The presence an agent moves to at a shift boundary in the burst benchmark: what the policy maps to the agent's
 * scheduled activity (`targetPresence`: the activity code's secondary presence, else the first presence of the
 * category), else the first presence of a fixed preference order that the policy allows — always a presence the
 * agent is not in already (so every change is a real write) and allowed at every instant given (so the worker,
 * deciding a moment later, applies it). `undefined` when nothing qualifies. Pure.
 */
export function chooseShiftTarget(input: ShiftTargetInput): string | undefined {
  const candidates: DefinitionInfo[] = [];
  const add = (d: DefinitionInfo | undefined): void => {
    if (d !== undefined && !d.deactivated && !candidates.includes(d)) {
      candidates.push(d);
    }
  };
  for (const schedule of input.schedules) {
    if (schedule.kind === 'unknown') {
      continue;
    }
    const mapped = targetPresence(input.policy, schedule.kind === 'activity' ? schedule.activity : undefined);
    if (mapped !== undefined) {
      add(
        input.definitions.find((d) => d.id === mapped) ??
          primaryOf(input.definitions, normalizePresenceName(mapped)),
      );
    }
  }
  for (const name of FALLBACK_ORDER) {
    add(primaryOf(input.definitions, name));
  }
  const chosen = candidates.find(
    (d) =>
      d.id !== input.currentDefinitionId &&
      input.schedules.every(
        (schedule) =>
          decidePresenceChange({
            policy: input.policy,
            target: { definitionId: d.id, systemPresence: d.systemPresence },
            source: input.source,
            force: false,
            schedule,
          }).verdict === 'allow',
      ),
  );
  return chosen?.id;
}
