import { splitAtMidnight } from '../../src/timetracking/day-split';
import { makeSegment, segmentId, type Segment } from '../../src/timetracking/segment';
import { normaliseSystemPresence } from '../../src/timetracking/system-presence';
import { buildTimesheet, renderTimesheetCsv, renderTimesheetJsonl } from '../../src/timetracking/timesheet';
import { transitionId, transitionSchema } from '../../src/timetracking/transition';

const ON_QUEUE = { kind: 'presence' as const, presenceDefinitionId: 'e08eaf1b', systemPresence: 'ON_QUEUE' };
const BREAK = { kind: 'presence' as const, presenceDefinitionId: '227b37e2', systemPresence: 'BREAK' };
const IDLE = { kind: 'routing' as const, routingStatus: 'IDLE' };

function seg(
  state: Parameters<typeof makeSegment>[1],
  start: string,
  end: string | null,
  user = 'u1',
): Segment {
  return makeSegment(user, state, Date.parse(start), end === null ? null : Date.parse(end), 'stream');
}

describe('system presence spelling', () => {
  it.each([
    ['OnQueue', 'ON_QUEUE'],
    ['On Queue', 'ON_QUEUE'],
    ['on_queue', 'ON_QUEUE'],
    ['ON_QUEUE', 'ON_QUEUE'],
    ['Available', 'AVAILABLE'],
    ['Custom state', 'CUSTOM_STATE'],
  ])('%s normalises to %s', (input, expected) => {
    expect(normaliseSystemPresence(input)).toBe(expected);
  });
});

describe('segment identity', () => {
  it('identifies transitions and segments by user, kind and start instant, whatever the ISO spelling', () => {
    const a = transitionSchema.parse({
      kind: 'routing',
      userId: 'u1',
      start: '2026-01-01T10:00:00Z',
      routingStatus: 'IDLE',
      source: 'stream',
    });
    const b = { ...a, start: '2026-01-01T11:00:00.000+01:00' };
    expect(transitionId(a)).toBe(transitionId(b));
    expect(transitionId(a)).not.toContain(':');
    expect(segmentId(seg(IDLE, '2026-01-01T10:00:00Z', null))).toBe(transitionId(a));
  });

  it('rejects a transition without a state', () => {
    expect(
      transitionSchema.safeParse({
        kind: 'presence',
        userId: 'u',
        start: '2026-01-01T00:00:00Z',
        source: 'stream',
      }).success,
    ).toBe(false);
  });
});

describe('splitting at midnight', () => {
  it('splits a segment over two local days at the zone midnight, not UTC midnight', () => {
    const s = seg(ON_QUEUE, '2026-06-01T20:00:00Z', '2026-06-02T01:00:00Z');
    const pieces = splitAtMidnight(s, 'Europe/Berlin', Date.now());
    expect(
      pieces.map((p) => [p.date, new Date(p.startMs).toISOString(), new Date(p.endMs).toISOString()]),
    ).toEqual([
      ['2026-06-01', '2026-06-01T20:00:00.000Z', '2026-06-01T22:00:00.000Z'],
      ['2026-06-02', '2026-06-01T22:00:00.000Z', '2026-06-02T01:00:00.000Z'],
    ]);
  });

  it('splits a multi-day segment into whole days, a 25-hour day included', () => {
    const s = seg(BREAK, '2026-10-24T12:00:00Z', '2026-10-27T00:00:00Z');
    const pieces = splitAtMidnight(s, 'Europe/Berlin', Date.now());
    expect(pieces.map((p) => [p.date, (p.endMs - p.startMs) / 3_600_000])).toEqual([
      ['2026-10-24', 10],
      ['2026-10-25', 25],
      ['2026-10-26', 24],
      ['2026-10-27', 1],
    ]);
  });

  it('runs an open segment until now and ignores empty ones', () => {
    const now = Date.parse('2026-01-01T12:30:00Z');
    expect(splitAtMidnight(seg(IDLE, '2026-01-01T12:00:00Z', null), 'UTC', now)).toHaveLength(1);
    expect(splitAtMidnight(seg(IDLE, '2026-01-01T13:00:00Z', null), 'UTC', now)).toHaveLength(0);
    expect(
      splitAtMidnight(seg(IDLE, '2026-01-01T12:00:00Z', '2026-01-01T12:00:00Z'), 'UTC', now),
    ).toHaveLength(0);
  });
});

describe('timesheet', () => {
  const zone = 'America/New_York';
  const date = '2026-03-08'; // 23-hour day: 05:00Z → 04:00Z next day
  const segments = [
    seg(BREAK, '2026-03-07T23:00:00Z', '2026-03-08T06:00:00Z'), // 1 h on the day
    seg(ON_QUEUE, '2026-03-08T06:00:00Z', '2026-03-08T08:00:00.500Z'),
    seg(BREAK, '2026-03-08T08:00:00.500Z', '2026-03-08T08:15:00Z'),
    seg(ON_QUEUE, '2026-03-08T08:15:00Z', null), // open: counted to the day's end
    seg(IDLE, '2026-03-08T06:00:00Z', '2026-03-08T07:00:00Z'),
    seg(ON_QUEUE, '2026-03-09T05:00:00Z', null, 'u2'), // next day: ignored
  ];

  it('totals per agent, kind and state, clipped to the local day, an open segment to the day end', () => {
    const sheet = buildTimesheet(segments, date, zone, Date.parse('2026-03-10T00:00:00Z'));
    expect(sheet.asOf).toBe('2026-03-09T04:00:00.000Z');
    expect(sheet.totals.map((t) => [t.userId, t.kind, t.state, t.milliseconds])).toEqual([
      ['u1', 'presence', 'BREAK', 3_600_000 + 899_500],
      [
        'u1',
        'presence',
        'ON_QUEUE',
        7_200_500 + (Date.parse('2026-03-09T04:00:00Z') - Date.parse('2026-03-08T08:15:00Z')),
      ],
      ['u1', 'routing', 'IDLE', 3_600_000],
    ]);
    const presenceMs = sheet.totals
      .filter((t) => t.kind === 'presence')
      .reduce((a, t) => a + t.milliseconds, 0);
    expect(presenceMs).toBe(23 * 3_600_000);
    expect(sheet.entries[0]).toMatchObject({
      start: '2026-03-08T05:00:00.000Z',
      segmentStart: '2026-03-07T23:00:00.000Z',
    });
  });

  it('counts an open segment only until now on the current day', () => {
    const sheet = buildTimesheet(segments, date, zone, Date.parse('2026-03-08T09:15:00Z'));
    const onQueue = sheet.totals.find((t) => t.state === 'ON_QUEUE');
    expect(onQueue?.milliseconds).toBe(7_200_500 + 3_600_000);
  });

  it('renders JSONL lines and a CSV with a header, one row per total', () => {
    const sheet = buildTimesheet(segments, date, zone, Date.parse('2026-03-10T00:00:00Z'));
    const jsonl = renderTimesheetJsonl(sheet).trim().split('\n');
    expect(jsonl).toHaveLength(5);
    expect(JSON.parse(jsonl[0] ?? '')).toMatchObject({ userId: 'u1', kind: 'presence', state: 'BREAK' });
    const csv = renderTimesheetCsv(sheet).trim().split('\n');
    expect(csv[0]).toBe('date,time_zone,user_id,kind,state,presence_definition_id,seconds,milliseconds');
    expect(csv[1]).toBe('2026-03-08,America/New_York,u1,presence,BREAK,227b37e2,4500,4499500');
    expect(csv).toHaveLength(4);
  });

  it('neutralises CSV formula injection in ids', () => {
    const sheet = buildTimesheet(
      [seg(IDLE, '2026-03-08T06:00:00Z', '2026-03-08T07:00:00Z', '=cmd')],
      date,
      zone,
      0,
    );
    expect(renderTimesheetCsv(sheet)).toContain(",'=cmd,");
  });
});
