import type { AgentStateSnapshot } from '../../src/jobs/agent-state';
import { DEFAULT_PRESENCE_POLICY, parsePresencePolicy } from '../../src/policy/presence-policy';
import type { ActivityCategory, ScheduledActivity, ScheduleLookup } from '../../src/schedule/agent-timeline';
import { assessDrift, driftSignature, type AssessDriftInput } from '../../src/schedule/assess-drift';
import { targetPresence } from '../../src/schedule/target-presence';

const ON_QUEUE = 'e08eaf1b-ee47-4fa9-a231-1200e284798f';
const BREAK = '227b37e2-f1d0-4dd0-8f50-badd7cf6d158';
const AVAILABLE = '6a3af858-942f-489d-9700-5f9bcdcdae9b';
const NOW = Date.parse('2025-01-15T10:05:00Z');

function activity(category: ActivityCategory, secondary: string[] = []): ScheduledActivity {
  return {
    start: '2025-01-15T10:00:00.000Z',
    end: '2025-01-15T10:15:00.000Z',
    activityCodeId: `code-${category}`,
    category,
    secondaryPresenceIds: secondary,
  };
}
const during = (a: ScheduledActivity): ScheduleLookup => ({ kind: 'activity', activity: a, timeZone: 'UTC' });

function state(overrides: Partial<AgentStateSnapshot> = {}): AgentStateSnapshot {
  return { userId: 'u1', version: 3, appliedVersion: 3, appliedPresenceId: ON_QUEUE, ...overrides };
}

function input(overrides: Partial<AssessDriftInput>): AssessDriftInput {
  return {
    userId: 'u1',
    observed: { presenceDefinitionId: ON_QUEUE, systemPresence: 'ON_QUEUE', modifiedMs: NOW - 60_000 },
    state: state(),
    schedule: during(activity('OnQueueWork')),
    policy: DEFAULT_PRESENCE_POLICY,
    mandatory: new Set<ActivityCategory>(['Break', 'Meal', 'Training']),
    nowMs: NOW,
    inFlightGraceMs: 120_000,
    ...overrides,
  };
}

describe('assessDrift', () => {
  it('finds nothing when Genesys shows the applied presence and the schedule allows it', () => {
    expect(assessDrift(input({}))).toBeUndefined();
  });

  it('reports a desired-mismatch when someone changed the presence this service applied', () => {
    const finding = assessDrift(
      input({
        observed: { presenceDefinitionId: AVAILABLE, systemPresence: 'AVAILABLE', modifiedMs: NOW - 1 },
      }),
    );
    expect(finding).toMatchObject({
      kinds: ['desired-mismatch'],
      expectedPresenceId: ON_QUEUE,
      mandatory: false,
      enforcement: { action: 'none', why: 'schedule-allows' },
    });
  });

  it("expects the latest request's presence when it was applied without a write", () => {
    const noWrite = state({
      appliedPresenceId: undefined,
      desired: {
        requestId: 'r3',
        presenceId: ON_QUEUE,
        requestedAtMs: NOW - 120_000,
        source: 'crm',
        force: false,
      },
    });
    expect(
      assessDrift(
        input({ state: noWrite, observed: { presenceDefinitionId: AVAILABLE, systemPresence: 'AVAILABLE' } }),
      ),
    ).toMatchObject({ kinds: ['desired-mismatch'], expectedPresenceId: ON_QUEUE });
    const laterBlocked = state({
      version: 4,
      appliedPresenceId: ON_QUEUE,
      desired: {
        requestId: 'r4',
        presenceId: BREAK,
        requestedAtMs: NOW - 60_000,
        source: 'crm',
        force: false,
      },
    });
    expect(
      assessDrift(
        input({
          state: laterBlocked,
          observed: { presenceDefinitionId: ON_QUEUE, systemPresence: 'ON_QUEUE' },
        }),
      ),
    ).toBeUndefined();
  });

  it('compares definition ids without regard to case', () => {
    expect(
      assessDrift(
        input({ observed: { presenceDefinitionId: ON_QUEUE.toUpperCase(), systemPresence: 'ON_QUEUE' } }),
      ),
    ).toBeUndefined();
  });

  it('does not compare with the applied presence while a request is open', () => {
    const open = state({
      version: 4,
      openRequestId: 'r4',
      desired: {
        requestId: 'r4',
        presenceId: AVAILABLE,
        requestedAtMs: NOW - 1_000,
        source: 'crm',
        force: false,
      },
    });
    expect(
      assessDrift(
        input({ state: open, observed: { presenceDefinitionId: AVAILABLE, systemPresence: 'AVAILABLE' } }),
      ),
    ).toBeUndefined();
  });

  it('ignores agents the service never changed unless the schedule is violated', () => {
    expect(assessDrift(input({ state: undefined }))).toBeUndefined();
  });

  it('reports a mandatory break violation with the presence to re-assert', () => {
    const finding = assessDrift(input({ state: undefined, schedule: during(activity('Break')) }));
    expect(finding).toMatchObject({
      kinds: ['schedule-violation'],
      rule: 'category.Break',
      mandatory: true,
      enforcement: { action: 'reassert', presence: 'break' },
    });
    expect(finding?.activity?.category).toBe('Break');
  });

  it("re-asserts the activity code's secondary presence when it has one", () => {
    const finding = assessDrift(input({ schedule: during(activity('Training', ['sec-training'])) }));
    expect(finding?.enforcement).toEqual({ action: 'reassert', presence: 'sec-training' });
  });

  it('does not enforce a non-mandatory activity', () => {
    const finding = assessDrift(
      input({
        observed: { presenceDefinitionId: ON_QUEUE, systemPresence: 'ON_QUEUE' },
        schedule: during(activity('Meeting')),
      }),
    );
    expect(finding).toMatchObject({
      kinds: ['schedule-violation'],
      enforcement: { action: 'none', why: 'not-mandatory' },
    });
  });

  it('leaves a recent open request to the pipeline instead of re-asserting on top of it', () => {
    const open = state({
      version: 4,
      openRequestId: 'r4',
      desired: {
        requestId: 'r4',
        presenceId: BREAK,
        requestedAtMs: NOW - 5_000,
        source: 'heartbeat',
        force: false,
      },
    });
    expect(assessDrift(input({ state: open, schedule: during(activity('Break')) }))?.enforcement).toEqual({
      action: 'none',
      why: 'request-in-flight',
    });
    const stale = { ...open, desired: { ...open.desired!, requestedAtMs: NOW - 600_000 } };
    expect(
      assessDrift(input({ state: stale, schedule: during(activity('Break')) }))?.enforcement.action,
    ).toBe('reassert');
  });

  it('never calls an unknown schedule a violation', () => {
    const strict = parsePresencePolicy({ onMissingSchedule: 'block' });
    expect(
      assessDrift(input({ policy: strict, schedule: { kind: 'unknown', reason: 'not in WFM' } })),
    ).toBeUndefined();
  });

  it('reports an off-shift violation without enforcing it', () => {
    const finding = assessDrift(input({ schedule: { kind: 'unscheduled', timeZone: 'UTC' } }));
    expect(finding).toMatchObject({
      kinds: ['schedule-violation'],
      rule: 'unscheduled',
      enforcement: { why: 'off-shift' },
    });
  });

  it('accepts the next activity presence within the boundary tolerance', () => {
    const next: ScheduleLookup = during({ ...activity('Break'), start: '2025-01-15T10:05:30.000Z' });
    expect(
      assessDrift(
        input({
          observed: { presenceDefinitionId: BREAK, systemPresence: 'BREAK' },
          state: undefined,
          upcoming: next,
        }),
      ),
    ).toBeUndefined();
  });

  it('gives the same signature to the same drift and another to a new change', () => {
    const a = assessDrift(input({ schedule: during(activity('Break')) }))!;
    const b = assessDrift(input({ schedule: during(activity('Break')) }))!;
    const c = assessDrift(
      input({
        schedule: during(activity('Break')),
        observed: { presenceDefinitionId: ON_QUEUE, systemPresence: 'ON_QUEUE', modifiedMs: NOW },
      }),
    )!;
    expect(driftSignature(a)).toBe(driftSignature(b));
    expect(driftSignature(c)).not.toBe(driftSignature(a));
  });
});

describe('targetPresence', () => {
  it.each([
    ['OnQueueWork', 'onqueue'],
    ['Break', 'break'],
    ['Meal', 'meal'],
    ['TimeOff', 'offline'],
    ['OffQueueWork', 'available'],
  ] as const)('maps %s to the first presence of its policy list (%s)', (category, expected) => {
    expect(targetPresence(DEFAULT_PRESENCE_POLICY, activity(category))).toBe(expected);
  });

  it('prefers secondary presences, skips "*", and maps off shift to the first unscheduled presence', () => {
    expect(targetPresence(DEFAULT_PRESENCE_POLICY, activity('Break', ['s1', 's2']))).toBe('s1');
    const policy = parsePresencePolicy({ categories: { Meeting: ['*', 'Busy'] } });
    expect(targetPresence(policy, activity('Meeting'))).toBe('busy');
    expect(
      targetPresence(parsePresencePolicy({ categories: { Meeting: ['*'] } }), activity('Meeting')),
    ).toBeUndefined();
    expect(targetPresence(DEFAULT_PRESENCE_POLICY, undefined)).toBe('offline');
  });
});
