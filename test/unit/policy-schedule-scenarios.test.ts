import { DEFAULT_PRESENCE_POLICY } from '../../src/policy/presence-policy';
import { decidePresenceChange, type PresenceTarget } from '../../src/policy/schedule-decision';
import type { AgentTimeline } from '../../src/schedule/agent-timeline';
import { buildAgentTimelines } from '../../src/schedule/build-agent-timelines';
import { lookupActivity } from '../../src/schedule/lookup-activity';
import type { ActivityCodeInfo, ScheduleSearchAgent } from '../../src/schedule/schedule-search-result';

/**
 * The policy decision end to end over schedules as WFM publishes them: business-unit time zones, DST change days,
 * overnight shifts, activity boundaries and full-day time off (timelines built by src/schedule, decided by
 * src/policy).
 */

const P = {
  onQueue: { definitionId: 'e08eaf1b-ee47-4fa9-a231-1200e284798f', systemPresence: 'OnQueue' },
  break: { definitionId: '227b37e2-f1d0-4dd0-8f50-badd7cf6d158', systemPresence: 'Break' },
  meal: { definitionId: '3fd96123-badb-4f69-bc03-1b1ccc6d8014', systemPresence: 'Meal' },
  offline: { definitionId: 'ccf3c10a-aa2c-4845-8e8d-f59fa48c58e5', systemPresence: 'Offline' },
  available: { definitionId: '6a3af858-942f-489d-9700-5f9bcdcdae9b', systemPresence: 'Available' },
} satisfies Record<string, PresenceTarget>;
type Presence = keyof typeof P;

const codes = new Map<string, ActivityCodeInfo>([
  ['work', { id: 'work', category: 'OnQueueWork' }],
  ['break', { id: 'break', category: 'Break' }],
  ['meal', { id: 'meal', category: 'Meal' }],
  ['pto', { id: 'pto', category: 'TimeOff' }],
]);

const act = (startDate: string, lengthMinutes: number, activityCodeId: string) => ({
  startDate,
  lengthMinutes,
  activityCodeId,
});

function timelineOf(agent: Omit<ScheduleSearchAgent, 'user'>, timeZone: string): AgentTimeline {
  const { timelines } = buildAgentTimelines({
    businessUnitId: 'bu',
    timeZone,
    window: { start: new Date('2026-03-01T00:00:00Z'), end: new Date('2026-11-30T00:00:00Z') },
    result: { agentSchedules: [{ user: { id: 'u1' }, ...agent }], businessUnitTimeZone: timeZone },
    activityCodes: codes,
    syncedAt: new Date('2026-03-01T00:00:00Z'),
  });
  const timeline = timelines[0];
  if (timeline === undefined) {
    throw new Error('no timeline');
  }
  return timeline;
}

function decide(timeline: AgentTimeline, instant: string, presence: Presence, toleranceSeconds = 0) {
  const at = new Date(instant);
  const policy = { ...DEFAULT_PRESENCE_POLICY, boundaryToleranceSeconds: toleranceSeconds };
  const decision = decidePresenceChange({
    policy,
    target: P[presence],
    source: 'crm',
    force: false,
    schedule: lookupActivity(timeline, at),
    upcoming:
      toleranceSeconds > 0
        ? lookupActivity(timeline, new Date(at.getTime() + toleranceSeconds * 1000))
        : undefined,
  });
  return `${decision.verdict}:${decision.rule}`;
}

describe('activity boundaries of a day shift (Europe/Berlin BU, instants in UTC)', () => {
  const t = timelineOf(
    {
      shifts: [
        {
          activities: [
            act('2026-06-15T07:00:00Z', 120, 'work'),
            act('2026-06-15T09:00:00Z', 15, 'break'),
            act('2026-06-15T09:15:00Z', 105, 'work'),
            act('2026-06-15T11:00:00Z', 30, 'meal'),
            act('2026-06-15T11:30:00Z', 210, 'work'),
          ],
        },
      ],
    },
    'Europe/Berlin',
  );

  test.each<[string, string, Presence, string]>([
    ['On Queue just before the break', '2026-06-15T08:59:59.999Z', 'onQueue', 'allow:category.OnQueueWork'],
    ['On Queue at the first instant of the break', '2026-06-15T09:00:00Z', 'onQueue', 'block:category.Break'],
    ['Break at the first instant of the break', '2026-06-15T09:00:00Z', 'break', 'allow:category.Break'],
    ['Break one minute early (no tolerance)', '2026-06-15T08:59:00Z', 'break', 'block:category.OnQueueWork'],
    [
      'On Queue at the last instant of the break',
      '2026-06-15T09:14:59.999Z',
      'onQueue',
      'block:category.Break',
    ],
    ['On Queue when the break ends', '2026-06-15T09:15:00Z', 'onQueue', 'allow:category.OnQueueWork'],
    ['Break when the break has ended', '2026-06-15T09:15:00Z', 'break', 'block:category.OnQueueWork'],
    ['Meal during the meal', '2026-06-15T11:10:00Z', 'meal', 'allow:category.Meal'],
    ['On Queue after the shift', '2026-06-15T15:00:00Z', 'onQueue', 'block:unscheduled'],
    ['Offline after the shift', '2026-06-15T15:00:00Z', 'offline', 'allow:unscheduled'],
  ])('%s → %s', (_name, instant, presence, expected) => {
    expect(decide(t, instant, presence)).toBe(expected);
  });

  test.each<[string, string, Presence, string]>([
    ['Break 59 s before the break', '2026-06-15T08:59:01Z', 'break', 'allow:boundary.category.Break'],
    ['Break 61 s before the break', '2026-06-15T08:58:59Z', 'break', 'block:category.OnQueueWork'],
    ['Offline 30 s before the shift ends', '2026-06-15T14:59:30Z', 'offline', 'allow:boundary.unscheduled'],
    [
      'On Queue 30 s before the break ends',
      '2026-06-15T09:14:30Z',
      'onQueue',
      'allow:boundary.category.OnQueueWork',
    ],
  ])('with a 60 s boundary tolerance: %s → %s', (_name, instant, presence, expected) => {
    expect(decide(t, instant, presence, 60)).toBe(expected);
  });
});

describe('an overnight shift across midnight and a DST change (America/New_York, 2026-03-08 02:00 EST → 03:00 EDT)', () => {
  // 22:00 EST on Mar 7 = 03:00Z; eight hours of elapsed time end at 11:00Z = 07:00 EDT
  const t = timelineOf(
    {
      shifts: [
        {
          activities: [
            act('2026-03-08T03:00:00Z', 180, 'work'),
            act('2026-03-08T06:00:00Z', 30, 'meal'),
            act('2026-03-08T06:30:00Z', 270, 'work'),
          ],
        },
      ],
    },
    'America/New_York',
  );

  test.each<[string, string, Presence, string]>([
    [
      'On Queue at 23:30 local on the first day',
      '2026-03-08T04:30:00Z',
      'onQueue',
      'allow:category.OnQueueWork',
    ],
    ['On Queue at local midnight', '2026-03-08T05:00:00Z', 'onQueue', 'allow:category.OnQueueWork'],
    ['Meal at 01:00 EST', '2026-03-08T06:00:00Z', 'meal', 'allow:category.Meal'],
    [
      'On Queue during the meal, across the skipped hour',
      '2026-03-08T06:29:59Z',
      'onQueue',
      'block:category.Meal',
    ],
    [
      'On Queue at 03:30 EDT (after the jump)',
      '2026-03-08T07:30:00Z',
      'onQueue',
      'allow:category.OnQueueWork',
    ],
    [
      'On Queue at 06:59 EDT, the last minute of the shift',
      '2026-03-08T10:59:00Z',
      'onQueue',
      'allow:category.OnQueueWork',
    ],
    ['On Queue at 07:00 EDT, shift over', '2026-03-08T11:00:00Z', 'onQueue', 'block:unscheduled'],
  ])('%s → %s', (_name, instant, presence, expected) => {
    expect(decide(t, instant, presence)).toBe(expected);
  });
});

describe('full-day time off is the whole local BU day, 23 h or 25 h on DST change days', () => {
  test.each<[string, string, string, string, string]>([
    // zone, BU date, first instant of the local day, first instant of the next local day
    ['UTC', 'UTC', '2026-06-10', '2026-06-10T00:00:00Z', '2026-06-11T00:00:00Z'],
    ['India (+05:30)', 'Asia/Kolkata', '2026-06-10', '2026-06-09T18:30:00Z', '2026-06-10T18:30:00Z'],
    [
      'Berlin spring forward (23 h)',
      'Europe/Berlin',
      '2026-03-29',
      '2026-03-28T23:00:00Z',
      '2026-03-29T22:00:00Z',
    ],
    [
      'Berlin fall back (25 h)',
      'Europe/Berlin',
      '2026-10-25',
      '2026-10-24T22:00:00Z',
      '2026-10-25T23:00:00Z',
    ],
    [
      'Sydney fall back (25 h, southern hemisphere)',
      'Australia/Sydney',
      '2026-04-05',
      '2026-04-04T13:00:00Z',
      '2026-04-05T14:00:00Z',
    ],
    [
      'Los Angeles spring forward (23 h)',
      'America/Los_Angeles',
      '2026-03-08',
      '2026-03-08T08:00:00Z',
      '2026-03-09T07:00:00Z',
    ],
  ])('%s', (_name, zone, date, first, next) => {
    const t = timelineOf(
      { fullDayTimeOffMarkers: [{ businessUnitDate: date, activityCodeId: 'pto' }] },
      zone,
    );
    const before = new Date(Date.parse(first) - 1).toISOString();
    const last = new Date(Date.parse(next) - 1).toISOString();
    expect(decide(t, before, 'onQueue')).toBe('block:unscheduled');
    expect(decide(t, first, 'onQueue')).toBe('block:category.TimeOff');
    expect(decide(t, first, 'offline')).toBe('allow:category.TimeOff');
    expect(decide(t, last, 'available')).toBe('block:category.TimeOff');
    expect(decide(t, next, 'available')).toBe('allow:unscheduled');
  });

  test('a shift activity on a time-off day wins over the marker', () => {
    const t = timelineOf(
      {
        shifts: [{ activities: [act('2026-06-10T09:00:00Z', 60, 'work')] }],
        fullDayTimeOffMarkers: [{ businessUnitDate: '2026-06-10', activityCodeId: 'pto' }],
      },
      'UTC',
    );
    expect(decide(t, '2026-06-10T09:30:00Z', 'onQueue')).toBe('allow:category.OnQueueWork');
    expect(decide(t, '2026-06-10T10:30:00Z', 'onQueue')).toBe('block:category.TimeOff');
  });
});
