import {
  buildAgentTimeline,
  FULL_DAY_TIME_OFF_CODE,
  scheduleAt,
  type WfmActivityCodeInfo,
  type WfmAgentSchedule,
} from '../../src/policy/agent-schedule';
import type { AgentTimeline } from '../../src/schedule/agent-timeline';

const codes = new Map<string, WfmActivityCodeInfo>([
  ['work', { id: 'work', category: 'OnQueueWork', secondaryPresenceIds: [] }],
  ['break', { id: 'break', category: 'Break', secondaryPresenceIds: [] }],
  ['meal', { id: 'meal', category: 'Meal', secondaryPresenceIds: [] }],
  ['pto', { id: 'pto', category: 'TimeOff', secondaryPresenceIds: [] }],
  ['odd', { id: 'odd', category: 'Gardening', secondaryPresenceIds: [] }],
]);

function timeline(
  schedule: WfmAgentSchedule,
  timeZone = 'UTC',
  window: [string, string] = ['2026-03-27T00:00:00Z', '2026-04-02T00:00:00Z'],
) {
  return buildAgentTimeline({
    userId: 'u1',
    businessUnitId: 'bu1',
    timeZone,
    windowStart: new Date(window[0]),
    windowEnd: new Date(window[1]),
    schedule,
    activityCodes: codes,
    syncedAt: new Date('2026-03-27T00:00:00Z'),
  });
}

function at(t: AgentTimeline, instant: string): string {
  const lookup = scheduleAt(t, new Date(instant));
  return lookup.kind === 'activity'
    ? `${lookup.activity.category}${lookup.activity.fullDay ? '(full day)' : ''}`
    : lookup.kind;
}

const act = (startDate: string, lengthMinutes: number, activityCodeId: string) => ({
  startDate,
  lengthMinutes,
  activityCodeId,
});

describe('buildAgentTimeline + scheduleAt', () => {
  const dayShift = timeline({
    shifts: [
      {
        activities: [
          act('2026-03-30T08:00:00Z', 120, 'work'),
          act('2026-03-30T10:00:00Z', 15, 'break'),
          act('2026-03-30T10:15:00Z', 105, 'work'),
          act('2026-03-30T12:00:00Z', 30, 'meal'),
          act('2026-03-30T12:30:00Z', 210, 'work'),
        ],
      },
    ],
    fullDayTimeOffMarkers: [],
  }).timeline;

  test.each([
    ['before the shift', '2026-03-30T07:59:59Z', 'unscheduled'],
    ['first instant of the shift', '2026-03-30T08:00:00Z', 'OnQueueWork'],
    ['last instant before the break', '2026-03-30T09:59:59.999Z', 'OnQueueWork'],
    ['break starts (boundary belongs to the break)', '2026-03-30T10:00:00Z', 'Break'],
    ['inside the break', '2026-03-30T10:14:59Z', 'Break'],
    ['break ends (boundary belongs to the next activity)', '2026-03-30T10:15:00Z', 'OnQueueWork'],
    ['meal', '2026-03-30T12:10:00Z', 'Meal'],
    ['shift end is exclusive', '2026-03-30T16:00:00Z', 'unscheduled'],
    ['outside the cached window', '2026-04-02T00:00:00Z', 'unknown'],
    ['before the cached window', '2026-03-26T23:59:59Z', 'unknown'],
  ])('activity boundaries: %s', (_name, instant, expected) => {
    expect(at(dayShift, instant)).toBe(expected);
  });

  test('an overnight shift covers both calendar days', () => {
    const night = timeline({
      shifts: [
        {
          activities: [
            act('2026-03-30T22:00:00Z', 180, 'work'),
            act('2026-03-31T01:00:00Z', 30, 'meal'),
            act('2026-03-31T01:30:00Z', 270, 'work'),
          ],
        },
      ],
      fullDayTimeOffMarkers: [],
    }).timeline;
    expect(at(night, '2026-03-30T23:59:59Z')).toBe('OnQueueWork');
    expect(at(night, '2026-03-31T00:00:00Z')).toBe('OnQueueWork');
    expect(at(night, '2026-03-31T01:00:00Z')).toBe('Meal');
    expect(at(night, '2026-03-31T05:59:59Z')).toBe('OnQueueWork');
    expect(at(night, '2026-03-31T06:00:00Z')).toBe('unscheduled');
  });

  test('an activity across the DST change keeps its real length (instants, not wall clock)', () => {
    // Berlin 2026-03-29: 02:00 CET → 03:00 CEST. A 3 h activity from 00:30 UTC ends at 03:30 UTC.
    const t = timeline(
      { shifts: [{ activities: [act('2026-03-29T00:30:00Z', 180, 'work')] }], fullDayTimeOffMarkers: [] },
      'Europe/Berlin',
    ).timeline;
    expect(t.activities[0]?.end).toBe('2026-03-29T03:30:00.000Z');
    expect(at(t, '2026-03-29T03:29:59Z')).toBe('OnQueueWork');
    expect(at(t, '2026-03-29T03:30:00Z')).toBe('unscheduled');
  });

  test.each([
    // zone, BU date, instants inside, instants outside
    [
      'UTC',
      '2026-03-31',
      ['2026-03-31T00:00:00Z', '2026-03-31T23:59:59Z'],
      ['2026-03-30T23:59:59Z', '2026-04-01T00:00:00Z'],
    ],
    [
      'America/New_York',
      '2026-03-31',
      ['2026-03-31T04:00:00Z', '2026-04-01T03:59:59Z'],
      ['2026-03-31T03:59:59Z', '2026-04-01T04:00:00Z'],
    ],
    [
      'Asia/Kolkata',
      '2026-03-31',
      ['2026-03-30T18:30:00Z', '2026-03-31T18:29:59Z'],
      ['2026-03-30T18:29:59Z', '2026-03-31T18:30:00Z'],
    ],
    // DST change days: 23 h (spring) and 25 h (autumn) local days
    [
      'Europe/Berlin',
      '2026-03-29',
      ['2026-03-28T23:00:00Z', '2026-03-29T21:59:59Z'],
      ['2026-03-28T22:59:59Z', '2026-03-29T22:00:00Z'],
    ],
    [
      'Europe/Berlin',
      '2026-10-25',
      ['2026-10-24T22:00:00Z', '2026-10-25T22:59:59Z'],
      ['2026-10-24T21:59:59Z', '2026-10-25T23:00:00Z'],
    ],
    // southern hemisphere: Sydney leaves DST on 2026-04-05 (25 h day)
    [
      'Australia/Sydney',
      '2026-04-05',
      ['2026-04-04T13:00:00Z', '2026-04-05T13:59:59Z'],
      ['2026-04-04T12:59:59Z', '2026-04-05T14:00:00Z'],
    ],
  ])('full-day time off in %s on %s covers the whole local day', (zone, date, inside, outside) => {
    const t = timeline(
      { shifts: [], fullDayTimeOffMarkers: [{ businessUnitDate: date, activityCodeId: 'pto' }] },
      zone,
      ['2026-03-01T00:00:00Z', '2026-11-01T00:00:00Z'],
    ).timeline;
    for (const instant of inside) {
      expect(at(t, instant)).toBe('TimeOff(full day)');
    }
    for (const instant of outside) {
      expect(at(t, instant)).toBe('unscheduled');
    }
  });

  test('a full-day marker with offsets covers only those local hours; one without a code is TimeOff', () => {
    const t = timeline(
      {
        shifts: [],
        fullDayTimeOffMarkers: [
          { businessUnitDate: '2026-03-31', startOffsetMinutes: 540, endOffsetMinutes: 1020 },
        ],
      },
      'Europe/Berlin',
    ).timeline;
    expect(t.activities[0]?.activityCodeId).toBe(FULL_DAY_TIME_OFF_CODE);
    expect(at(t, '2026-03-31T06:59:59Z')).toBe('unscheduled');
    expect(at(t, '2026-03-31T07:00:00Z')).toBe('TimeOff(full day)');
    expect(at(t, '2026-03-31T14:59:59Z')).toBe('TimeOff(full day)');
    expect(at(t, '2026-03-31T15:00:00Z')).toBe('unscheduled');
  });

  test('a shift activity wins over full-day time off on the same instant', () => {
    const t = timeline({
      shifts: [{ activities: [act('2026-03-31T09:00:00Z', 60, 'work')] }],
      fullDayTimeOffMarkers: [{ businessUnitDate: '2026-03-31', activityCodeId: 'pto' }],
    }).timeline;
    expect(at(t, '2026-03-31T09:30:00Z')).toBe('OnQueueWork');
    expect(at(t, '2026-03-31T10:30:00Z')).toBe('TimeOff(full day)');
  });

  test('unknown codes, unknown categories and empty activities are skipped and reported', () => {
    const built = timeline({
      shifts: [
        {
          activities: [
            act('2026-03-31T09:00:00Z', 60, 'nope'),
            act('2026-03-31T10:00:00Z', 60, 'odd'),
            act('2026-03-31T11:00:00Z', 0, 'work'),
            act('2026-03-31T12:00:00Z', 60, 'work'),
          ],
        },
      ],
      fullDayTimeOffMarkers: [],
    });
    expect(built.timeline.activities).toHaveLength(1);
    expect(built.skipped).toHaveLength(3);
  });

  test('activities come out sorted by start and carry the secondary presences of their code', () => {
    const withSecondary = new Map(codes);
    withSecondary.set('coffee', { id: 'coffee', category: 'Break', secondaryPresenceIds: ['p-coffee'] });
    const built = buildAgentTimeline({
      userId: 'u1',
      businessUnitId: 'bu1',
      timeZone: 'UTC',
      windowStart: new Date('2026-03-30T00:00:00Z'),
      windowEnd: new Date('2026-04-01T00:00:00Z'),
      schedule: {
        shifts: [
          {
            activities: [act('2026-03-31T10:00:00Z', 15, 'coffee'), act('2026-03-31T08:00:00Z', 120, 'work')],
          },
        ],
        fullDayTimeOffMarkers: [],
      },
      activityCodes: withSecondary,
      syncedAt: new Date('2026-03-30T00:00:00Z'),
    });
    expect(built.timeline.activities.map((a) => a.activityCodeId)).toEqual(['work', 'coffee']);
    expect(built.timeline.activities[1]?.secondaryPresenceIds).toEqual(['p-coffee']);
  });
});
