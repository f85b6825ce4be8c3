import {
  DEFAULT_PRESENCE_POLICY,
  parsePresencePolicy,
  PolicyInvalidError,
} from '../../src/policy/presence-policy';
import { decidePresenceChange, type PresenceTarget } from '../../src/policy/schedule-decision';
import type { ActivityCategory, ScheduleLookup } from '../../src/schedule/agent-timeline';

const ID = {
  onQueue: 'e08eaf1b-ee47-4fa9-a231-1200e284798f',
  available: '6a3af858-942f-489d-9700-5f9bcdcdae9b',
  break: '227b37e2-f1d0-4dd0-8f50-badd7cf6d158',
  meal: '3fd96123-badb-4f69-bc03-1b1ccc6d8014',
  offline: 'ccf3c10a-aa2c-4845-8e8d-f59fa48c58e5',
  training: 'd2390a99-8546-bad9-8f0a-219548e8aeb0',
  coffee: '11111111-2222-3333-4444-555555555555',
};

const target = (name: keyof typeof ID, systemPresence?: string): PresenceTarget => ({
  definitionId: ID[name],
  systemPresence:
    systemPresence ??
    {
      onQueue: 'OnQueue',
      available: 'Available',
      break: 'Break',
      meal: 'Meal',
      offline: 'Offline',
      training: 'Training',
      coffee: 'Break',
    }[name],
});

function activity(
  category: ActivityCategory,
  secondary: string[] = [],
  start = '2026-03-30T10:00:00.000Z',
): ScheduleLookup {
  return {
    kind: 'activity',
    timeZone: 'Europe/Berlin',
    activity: {
      start,
      end: '2026-03-30T10:15:00.000Z',
      activityCodeId: `code-${category}`,
      category,
      secondaryPresenceIds: secondary,
    },
  };
}
const unscheduled: ScheduleLookup = { kind: 'unscheduled', timeZone: 'UTC' };
const unknown: ScheduleLookup = { kind: 'unknown', reason: 'agent not in WFM' };

describe('decidePresenceChange with the default policy', () => {
  test.each<[string, ScheduleLookup, PresenceTarget, 'allow' | 'block', string]>([
    [
      'On Queue during on-queue work',
      activity('OnQueueWork'),
      target('onQueue'),
      'allow',
      'category.OnQueueWork',
    ],
    ['On Queue during a break', activity('Break'), target('onQueue'), 'block', 'category.Break'],
    ['Break during a break', activity('Break'), target('break'), 'allow', 'category.Break'],
    ['Available during a meal', activity('Meal'), target('available'), 'block', 'category.Meal'],
    ['Meal during a meal', activity('Meal'), target('meal'), 'allow', 'category.Meal'],
    ['Available during training', activity('Training'), target('available'), 'block', 'category.Training'],
    ['Training during training', activity('Training'), target('training'), 'allow', 'category.Training'],
    ['On Queue during time off', activity('TimeOff'), target('onQueue'), 'block', 'category.TimeOff'],
    ['Offline during time off', activity('TimeOff'), target('offline'), 'allow', 'category.TimeOff'],
    ['On Queue off shift', unscheduled, target('onQueue'), 'block', 'unscheduled'],
    ['Offline off shift', unscheduled, target('offline'), 'allow', 'unscheduled'],
    [
      'anything with an unknown schedule (onMissingSchedule: allow)',
      unknown,
      target('onQueue'),
      'allow',
      'missing-schedule.allow',
    ],
    [
      'a secondary presence of the break code',
      activity('Break', [ID.coffee]),
      target('coffee'),
      'allow',
      'secondary-presence.Break',
    ],
    [
      'the secondary presence of another code',
      activity('Meal', [ID.training]),
      target('coffee'),
      'block',
      'category.Meal',
    ],
    [
      'any spelling of the system presence',
      activity('OnQueueWork'),
      target('onQueue', 'ON_QUEUE'),
      'allow',
      'category.OnQueueWork',
    ],
    [
      'the legacy spelling',
      activity('OnQueueWork'),
      target('onQueue', 'On Queue'),
      'allow',
      'category.OnQueueWork',
    ],
  ])('%s → %s', (_name, schedule, presence, verdict, rule) => {
    const d = decidePresenceChange({
      policy: DEFAULT_PRESENCE_POLICY,
      target: presence,
      source: 'crm',
      force: false,
      schedule,
    });
    expect(d.verdict).toBe(verdict);
    expect(d.rule).toBe(rule);
    expect(d.override).toBe(false);
  });

  test('a privileged source forcing a blocked change gets an audited override', () => {
    const d = decidePresenceChange({
      policy: DEFAULT_PRESENCE_POLICY,
      target: target('onQueue'),
      source: 'supervisor',
      force: true,
      schedule: activity('Break'),
    });
    expect(d).toMatchObject({
      verdict: 'allow',
      rule: 'force.override',
      override: true,
      forceHonoured: true,
    });
    expect(d.activity?.category).toBe('Break');
  });

  test('force from a source that is not privileged is blocked even where the change would be allowed', () => {
    const d = decidePresenceChange({
      policy: DEFAULT_PRESENCE_POLICY,
      target: target('break'),
      source: 'crm',
      force: true,
      schedule: activity('Break'),
    });
    expect(d).toMatchObject({ verdict: 'block', rule: 'force.not-privileged', forceHonoured: false });
  });

  test('a forced change that the schedule allows anyway is not an override', () => {
    const d = decidePresenceChange({
      policy: DEFAULT_PRESENCE_POLICY,
      target: target('break'),
      source: 'supervisor',
      force: true,
      schedule: activity('Break'),
    });
    expect(d).toMatchObject({ verdict: 'allow', override: false, forceHonoured: true });
  });

  test('the next activity’s presence is allowed within the boundary tolerance', () => {
    const d = decidePresenceChange({
      policy: DEFAULT_PRESENCE_POLICY,
      target: target('break'),
      source: 'crm',
      force: false,
      schedule: activity('OnQueueWork', [], '2026-03-30T08:00:00.000Z'),
      upcoming: activity('Break'),
    });
    expect(d).toMatchObject({ verdict: 'allow', rule: 'boundary.category.Break' });
    expect(d.activity?.category).toBe('Break');
  });

  test('the same activity ahead gives no boundary allowance', () => {
    const d = decidePresenceChange({
      policy: DEFAULT_PRESENCE_POLICY,
      target: target('onQueue'),
      source: 'crm',
      force: false,
      schedule: activity('Break'),
      upcoming: activity('Break'),
    });
    expect(d.verdict).toBe('block');
  });

  test('an unknown schedule ahead does not widen what is allowed', () => {
    const d = decidePresenceChange({
      policy: { ...DEFAULT_PRESENCE_POLICY, onMissingSchedule: 'block' },
      target: target('onQueue'),
      source: 'crm',
      force: false,
      schedule: activity('Break'),
      upcoming: unknown,
    });
    expect(d).toMatchObject({ verdict: 'block', rule: 'category.Break' });
  });
});

describe('decidePresenceChange with a custom policy', () => {
  test('onMissingSchedule: block refuses changes without a schedule, unless a privileged source forces', () => {
    const policy = parsePresencePolicy({ onMissingSchedule: 'block' });
    const base = { policy, target: target('available'), schedule: unknown } as const;
    expect(decidePresenceChange({ ...base, source: 'crm', force: false })).toMatchObject({
      verdict: 'block',
      rule: 'missing-schedule.block',
    });
    expect(decidePresenceChange({ ...base, source: 'supervisor', force: true })).toMatchObject({
      verdict: 'allow',
      override: true,
    });
  });

  test('secondaryPresences: require allows only the code’s secondary presences when it has some', () => {
    const policy = parsePresencePolicy({ secondaryPresences: 'require' });
    const withSecondary = activity('Break', [ID.coffee]);
    expect(
      decidePresenceChange({
        policy,
        target: target('break'),
        source: 'crm',
        force: false,
        schedule: withSecondary,
      }).verdict,
    ).toBe('block');
    expect(
      decidePresenceChange({
        policy,
        target: target('coffee'),
        source: 'crm',
        force: false,
        schedule: withSecondary,
      }).verdict,
    ).toBe('allow');
    expect(
      decidePresenceChange({
        policy,
        target: target('break'),
        source: 'crm',
        force: false,
        schedule: activity('Break'),
      }).verdict,
    ).toBe('allow');
  });

  test('alwaysAllowed, wildcards and definition ids', () => {
    const policy = parsePresencePolicy({
      alwaysAllowed: ['Offline'],
      categories: { Meeting: ['*'], Break: [ID.coffee.toUpperCase()] },
    });
    const decide = (t: PresenceTarget, s: ScheduleLookup) =>
      decidePresenceChange({ policy, target: t, source: 'crm', force: false, schedule: s });
    expect(decide(target('offline'), activity('OnQueueWork'))).toMatchObject({
      verdict: 'allow',
      rule: 'always-allowed',
    });
    expect(decide(target('onQueue'), activity('Meeting')).verdict).toBe('allow');
    expect(decide(target('coffee'), activity('Break')).verdict).toBe('allow');
    expect(decide(target('break'), activity('Break')).verdict).toBe('block');
    // categories not named in the file keep their defaults
    expect(decide(target('meal'), activity('Meal')).verdict).toBe('allow');
  });
});

describe('parsePresencePolicy', () => {
  test('an empty document is the default policy', () => {
    expect(parsePresencePolicy({})).toEqual(DEFAULT_PRESENCE_POLICY);
    expect(parsePresencePolicy(undefined)).toEqual(DEFAULT_PRESENCE_POLICY);
  });

  test('every problem is listed at once', () => {
    let error: unknown;
    try {
      parsePresencePolicy({
        onMissingSchedule: 'maybe',
        categories: { Break: ['Coffee'], Lunch: ['meal'] },
        privilegedSources: ['Not Valid'],
        colour: 'red',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PolicyInvalidError);
    const problems = (error as PolicyInvalidError).problems.join('\n');
    expect(problems).toMatch(/onMissingSchedule/);
    expect(problems).toMatch(/categories\.Break\.0/);
    expect(problems).toMatch(/Lunch/);
    expect(problems).toMatch(/privilegedSources\.0/);
    expect(problems).toMatch(/colour/);
    expect((error as PolicyInvalidError).code).toBe('POLICY_INVALID');
  });
});
