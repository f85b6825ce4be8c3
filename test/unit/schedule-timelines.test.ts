import { activityBoundaries, boundariesBetween } from '../../src/schedule/activity-boundaries';
import { agentTimelineSchema, type AgentTimeline } from '../../src/schedule/agent-timeline';
import { buildAgentTimelines } from '../../src/schedule/build-agent-timelines';
import { lookupActivity } from '../../src/schedule/lookup-activity';
import type { ActivityCodeInfo } from '../../src/schedule/schedule-search-result';
import { scheduleWindow } from '../../src/schedule/schedule-window';

const codes = new Map<string, ActivityCodeInfo>(
  [
    { id: 'work', category: 'OnQueueWork' },
    { id: 'brk', category: 'Break', secondaryPresences: [{ id: 'sec-break' }] },
    { id: 'meal', category: 'Meal' },
    { id: 'pto', category: 'TimeOff' },
    { id: 'weird', category: 'NotACategory' },
  ].map((c) => [c.id, c]),
);
const now = Date.parse('2025-01-15T10:00:00Z');
const window = scheduleWindow(now, 'Europe/Berlin');
const syncedAt = new Date(now);

function build(result: Parameters<typeof buildAgentTimelines>[0]['result'], extra = {}) {
  return buildAgentTimelines({
    businessUnitId: 'bu1',
    timeZone: 'Europe/Berlin',
    window,
    result,
    activityCodes: codes,
    syncedAt,
    ...extra,
  });
}

describe('buildAgentTimelines', () => {
  it('turns shift activities into sorted, resolved activities ending at start + length', () => {
    const { timelines, unknownActivityCodeIds } = build({
      agentSchedules: [
        {
          user: { id: 'u1' },
          shifts: [
            {
              activities: [
                { startDate: '2025-01-15T10:00:00Z', lengthMinutes: 15, activityCodeId: 'brk' },
                { startDate: '2025-01-15T08:00:00Z', lengthMinutes: 120, activityCodeId: 'work' },
                { startDate: '2025-01-15T10:15:00Z', lengthMinutes: 105, activityCodeId: 'work' },
              ],
            },
          ],
        },
      ],
    });
    expect(unknownActivityCodeIds).toEqual([]);
    expect(timelines).toHaveLength(1);
    const t = timelines[0] as AgentTimeline;
    expect(agentTimelineSchema.parse(t)).toEqual(t);
    expect(t).toMatchObject({
      userId: 'u1',
      businessUnitId: 'bu1',
      timeZone: 'Europe/Berlin',
      windowStart: window.start.toISOString(),
      windowEnd: window.end.toISOString(),
      syncedAt: syncedAt.toISOString(),
    });
    expect(t.activities.map((a) => [a.start, a.end, a.category, a.secondaryPresenceIds])).toEqual([
      ['2025-01-15T08:00:00.000Z', '2025-01-15T10:00:00.000Z', 'OnQueueWork', []],
      ['2025-01-15T10:00:00.000Z', '2025-01-15T10:15:00.000Z', 'Break', ['sec-break']],
      ['2025-01-15T10:15:00.000Z', '2025-01-15T12:00:00.000Z', 'OnQueueWork', []],
    ]);
  });

  it('places a full-day time-off marker on the local business unit day', () => {
    const { timelines } = build({
      agentSchedules: [
        {
          user: { id: 'u2' },
          fullDayTimeOffMarkers: [
            { businessUnitDate: '2025-01-16', lengthMinutes: 480, activityCodeId: 'pto' },
            {
              businessUnitDate: '2025-01-17',
              startOffsetMinutes: 60,
              endOffsetMinutes: 600,
              activityCodeId: 'pto',
            },
            { businessUnitDate: '2025-01-14', activityCodeId: 'pto', delete: true },
          ],
        },
      ],
    });
    expect(timelines[0]?.activities).toEqual([
      {
        start: '2025-01-15T23:00:00.000Z',
        end: '2025-01-16T23:00:00.000Z',
        activityCodeId: 'pto',
        category: 'TimeOff',
        secondaryPresenceIds: [],
        fullDay: true,
      },
      {
        start: '2025-01-17T00:00:00.000Z',
        end: '2025-01-17T09:00:00.000Z',
        activityCodeId: 'pto',
        category: 'TimeOff',
        secondaryPresenceIds: [],
        fullDay: true,
      },
    ]);
  });

  it('prefers the time zone named in the result', () => {
    const { timelines } = build({
      businessUnitTimeZone: 'America/New_York',
      agentSchedules: [
        {
          user: { id: 'u3' },
          fullDayTimeOffMarkers: [{ businessUnitDate: '2025-01-16', activityCodeId: 'pto' }],
        },
      ],
    });
    expect(timelines[0]?.timeZone).toBe('America/New_York');
    expect(timelines[0]?.activities[0]?.start).toBe('2025-01-16T05:00:00.000Z');
  });

  it('reports unresolved activity codes and leaves those activities out', () => {
    const { timelines, unknownActivityCodeIds } = build({
      agentSchedules: [
        {
          user: { id: 'u4' },
          shifts: [
            {
              activities: [
                { startDate: '2025-01-15T08:00:00Z', lengthMinutes: 60, activityCodeId: 'missing' },
                { startDate: '2025-01-15T09:00:00Z', lengthMinutes: 60, activityCodeId: 'weird' },
                { startDate: '2025-01-15T10:00:00Z', lengthMinutes: 60, activityCodeId: 'work' },
              ],
            },
          ],
        },
      ],
    });
    expect(unknownActivityCodeIds).toEqual(['missing', 'weird']);
    expect(timelines[0]?.activities.map((a) => a.activityCodeId)).toEqual(['work']);
  });

  it('drops activities outside the window, duplicates, and agents not included', () => {
    const dup = { startDate: '2025-01-15T08:00:00Z', lengthMinutes: 60, activityCodeId: 'work' };
    const { timelines } = build(
      {
        agentSchedules: [
          {
            user: { id: 'keep' },
            shifts: [
              {
                activities: [
                  dup,
                  dup,
                  { startDate: '2025-01-01T08:00:00Z', lengthMinutes: 60, activityCodeId: 'work' },
                ],
              },
            ],
          },
          { user: { id: 'other' }, shifts: [{ activities: [dup] }] },
        ],
      },
      { include: (id: string) => id === 'keep', managementUnits: new Map([['keep', 'mu9']]) },
    );
    expect(timelines.map((t) => [t.userId, t.managementUnitId, t.activities.length])).toEqual([
      ['keep', 'mu9', 1],
    ]);
  });

  it('keeps agents with no activities as an empty (unscheduled) timeline', () => {
    const { timelines } = build({ agentSchedules: [{ user: { id: 'idle' }, shifts: [] }] });
    expect(timelines[0]?.activities).toEqual([]);
  });
});

function timeline(activities: [string, string, string, string][]): AgentTimeline {
  return {
    userId: 'u1',
    businessUnitId: 'bu1',
    timeZone: 'UTC',
    windowStart: '2025-01-15T00:00:00.000Z',
    windowEnd: '2025-01-17T00:00:00.000Z',
    syncedAt: '2025-01-15T00:00:00.000Z',
    activities: activities.map(([start, end, activityCodeId, category]) => ({
      start,
      end,
      activityCodeId,
      category: category as AgentTimeline['activities'][number]['category'],
      secondaryPresenceIds: [],
    })),
  };
}

describe('lookupActivity', () => {
  const t = timeline([
    ['2025-01-15T00:00:00.000Z', '2025-01-16T00:00:00.000Z', 'pto', 'TimeOff'],
    ['2025-01-15T08:00:00.000Z', '2025-01-15T09:00:00.000Z', 'work', 'OnQueueWork'],
    ['2025-01-15T09:00:00.000Z', '2025-01-15T09:15:00.000Z', 'brk', 'Break'],
  ]);
  it.each([
    ['2025-01-15T08:59:59.999Z', 'work'],
    ['2025-01-15T09:00:00.000Z', 'brk'],
    ['2025-01-15T09:15:00.000Z', 'pto'],
    ['2025-01-15T07:00:00.000Z', 'pto'],
  ])('at %s finds %s (start inclusive, end exclusive, latest start wins)', (at, code) => {
    const r = lookupActivity(t, new Date(at));
    expect(r.kind === 'activity' ? r.activity.activityCodeId : r.kind).toBe(code);
  });
  it('is unscheduled inside the window and unknown outside it', () => {
    expect(lookupActivity(t, new Date('2025-01-16T10:00:00Z'))).toEqual({
      kind: 'unscheduled',
      timeZone: 'UTC',
    });
    expect(lookupActivity(t, new Date('2025-01-17T00:00:00Z')).kind).toBe('unknown');
    expect(lookupActivity(t, new Date('2025-01-14T23:59:59Z')).kind).toBe('unknown');
  });
});

describe('activityBoundaries', () => {
  const t = timeline([
    ['2025-01-15T08:00:00.000Z', '2025-01-15T09:00:00.000Z', 'work', 'OnQueueWork'],
    ['2025-01-15T09:00:00.000Z', '2025-01-15T09:15:00.000Z', 'brk', 'Break'],
    ['2025-01-15T09:15:00.000Z', '2025-01-15T10:00:00.000Z', 'work', 'OnQueueWork'],
    ['2025-01-15T10:00:00.000Z', '2025-01-15T12:00:00.000Z', 'work', 'OnQueueWork'],
    ['2025-01-15T22:00:00.000Z', '2025-01-16T06:00:00.000Z', 'work', 'OnQueueWork'],
  ]);

  it('lists every change of activity code, shift ends included, merging back-to-back equal codes', () => {
    expect(
      activityBoundaries(t).map((b) => [
        new Date(b.at).toISOString(),
        b.from?.activityCodeId,
        b.to?.activityCodeId,
      ]),
    ).toEqual([
      ['2025-01-15T08:00:00.000Z', undefined, 'work'],
      ['2025-01-15T09:00:00.000Z', 'work', 'brk'],
      ['2025-01-15T09:15:00.000Z', 'brk', 'work'],
      ['2025-01-15T12:00:00.000Z', 'work', undefined],
      ['2025-01-15T22:00:00.000Z', undefined, 'work'],
      ['2025-01-16T06:00:00.000Z', 'work', undefined],
    ]);
  });

  it('selects boundaries in a half-open range (after, upTo]', () => {
    const after = Date.parse('2025-01-15T09:00:00Z');
    const upTo = Date.parse('2025-01-15T12:00:00Z');
    expect(boundariesBetween(t, after, upTo).map((b) => new Date(b.at).toISOString())).toEqual([
      '2025-01-15T09:15:00.000Z',
      '2025-01-15T12:00:00.000Z',
    ]);
  });
});
