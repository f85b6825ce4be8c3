import { chooseShiftTarget, type DefinitionInfo } from '../../bench/lib/shift-targets';
import { DEFAULT_PRESENCE_POLICY } from '../../src/policy/presence-policy';
import type { ScheduledActivity, ScheduleLookup } from '../../src/schedule/agent-timeline';

const def = (id: string, systemPresence: string, primary = true, deactivated = false): DefinitionInfo => ({
  id,
  systemPresence,
  primary,
  deactivated,
});

const definitions = [
  def('d-available', 'AVAILABLE'),
  def('d-onqueue', 'ON_QUEUE'),
  def('d-break', 'BREAK'),
  def('d-meal', 'MEAL'),
  def('d-offline', 'OFFLINE'),
  def('d-training', 'TRAINING'),
  def('d-break-2', 'BREAK', false),
];

const activity = (category: ScheduledActivity['category'], secondary: string[] = []): ScheduleLookup => ({
  kind: 'activity',
  timeZone: 'UTC',
  activity: {
    start: '2026-12-07T09:00:00.000Z',
    end: '2026-12-07T10:00:00.000Z',
    activityCodeId: `code-${category}`,
    category,
    secondaryPresenceIds: secondary,
  },
});

const choose = (current: string, ...schedules: ScheduleLookup[]): string | undefined =>
  chooseShiftTarget({
    policy: DEFAULT_PRESENCE_POLICY,
    definitions,
    currentDefinitionId: current,
    schedules,
    source: 'bench',
  });

describe('shift-boundary targets of the burst benchmark', () => {
  it('moves an agent to the presence the policy maps to the scheduled activity', () => {
    expect(choose('d-available', activity('OnQueueWork'))).toBe('d-onqueue');
    expect(choose('d-onqueue', activity('Break'))).toBe('d-break');
    expect(choose('d-onqueue', activity('Training'))).toBe('d-training');
  });

  it("prefers the activity code's secondary presence", () => {
    expect(choose('d-onqueue', activity('Break', ['d-break-2']))).toBe('d-break-2');
  });

  it('picks another allowed presence when the agent is already in the mapped one', () => {
    expect(choose('d-onqueue', activity('OnQueueWork'))).toBe('d-available');
  });

  it('uses the off-shift list when the agent is unscheduled', () => {
    expect(choose('d-onqueue', { kind: 'unscheduled', timeZone: 'UTC' })).toBe('d-offline');
  });

  it('only returns a presence allowed at every instant given', () => {
    // Break now and meal a moment later: no presence is allowed in both.
    expect(choose('d-onqueue', activity('Break'), activity('Meal'))).toBeUndefined();
    // Unknown schedule: the default policy allows anything, so the first candidate different from now.
    expect(choose('d-onqueue', { kind: 'unknown', reason: 'not in WFM' })).toBe('d-available');
  });
});
