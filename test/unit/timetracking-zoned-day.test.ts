import {
  nextDay,
  parseDay,
  zonedDate,
  zonedDayWindow,
  zonedStartOfDay,
} from '../../src/timetracking/zoned-day';

const H = 3_600_000;

describe('zoned days', () => {
  it.each([
    ['UTC', '2026-03-10', '2026-03-10T00:00:00.000Z', 24],
    ['Europe/Berlin', '2026-06-01', '2026-05-31T22:00:00.000Z', 24],
    ['Europe/Berlin', '2026-03-29', '2026-03-28T23:00:00.000Z', 23],
    ['Europe/Berlin', '2026-10-25', '2026-10-24T22:00:00.000Z', 25],
    ['America/New_York', '2026-03-08', '2026-03-08T05:00:00.000Z', 23],
    ['America/New_York', '2026-11-01', '2026-11-01T04:00:00.000Z', 25],
    ['Asia/Kolkata', '2026-01-15', '2026-01-14T18:30:00.000Z', 24],
    ['Pacific/Chatham', '2026-07-01', '2026-06-30T11:15:00.000Z', 24],
  ])('in %s the day %s starts at %s and lasts %i hours', (zone, date, start, hours) => {
    const { startMs, endMs } = zonedDayWindow(date, zone);
    expect(new Date(startMs).toISOString()).toBe(start);
    expect((endMs - startMs) / H).toBe(hours);
  });

  it('starts a day whose midnight does not exist at the first local instant of that day', () => {
    // America/Santiago moved clocks from 24:00 to 01:00 on 2026-09-06 (local midnight skipped).
    const start = zonedStartOfDay('2026-09-06', 'America/Santiago');
    expect(zonedDate(start, 'America/Santiago')).toBe('2026-09-06');
    expect(zonedDate(start - 1, 'America/Santiago')).toBe('2026-09-05');
  });

  it('gives the local date of an instant', () => {
    expect(zonedDate(Date.parse('2026-05-31T22:30:00Z'), 'Europe/Berlin')).toBe('2026-06-01');
    expect(zonedDate(Date.parse('2026-05-31T22:30:00Z'), 'America/Chicago')).toBe('2026-05-31');
  });

  it('rejects text that is not a calendar date', () => {
    expect(() => parseDay('2026-02-30')).toThrow(/not a calendar date/);
    expect(() => parseDay('26-2-3')).toThrow(/YYYY-MM-DD/);
    expect(nextDay('2026-12-31')).toBe('2027-01-01');
    expect(nextDay('2028-02-28')).toBe('2028-02-29');
  });
});
