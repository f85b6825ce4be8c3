import {
  addDays,
  formatLocalDate,
  isValidTimeZone,
  localDateOf,
  parseLocalDate,
  startOfLocalDay,
  zonedTimeToInstant,
  zoneOffsetMs,
} from '../../src/schedule/time-zone';

const iso = (ms: number) => new Date(ms).toISOString();

describe('time-zone arithmetic', () => {
  it.each([
    ['UTC', '2025-06-01', 0, '2025-06-01T00:00:00.000Z'],
    ['Europe/Berlin', '2025-06-01', 0, '2025-05-31T22:00:00.000Z'],
    ['Europe/Berlin', '2025-01-15', 9 * 60, '2025-01-15T08:00:00.000Z'],
    ['America/New_York', '2025-01-15', 0, '2025-01-15T05:00:00.000Z'],
    ['Asia/Kolkata', '2025-01-15', 0, '2025-01-14T18:30:00.000Z'],
    ['Australia/Sydney', '2025-01-15', 0, '2025-01-14T13:00:00.000Z'],
    ['Europe/Berlin', '2025-01-15', 25 * 60, '2025-01-16T00:00:00.000Z'],
  ])('in %s, %s plus %i minutes is %s', (zone, date, minutes, expected) => {
    expect(iso(zonedTimeToInstant(parseLocalDate(date), minutes, zone))).toBe(expected);
  });

  it('shifts a wall time skipped by spring-forward by the gap', () => {
    // Berlin 2025-03-30: 02:00 local jumps to 03:00; 02:30 does not exist.
    expect(iso(zonedTimeToInstant(parseLocalDate('2025-03-30'), 150, 'Europe/Berlin'))).toBe(
      '2025-03-30T01:30:00.000Z',
    );
    expect(iso(zonedTimeToInstant(parseLocalDate('2025-03-30'), 180, 'Europe/Berlin'))).toBe(
      '2025-03-30T01:00:00.000Z',
    );
  });

  it('resolves a repeated wall time of fall-back to its first occurrence', () => {
    // Berlin 2025-10-26: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
    expect(iso(zonedTimeToInstant(parseLocalDate('2025-10-26'), 150, 'Europe/Berlin'))).toBe(
      '2025-10-26T00:30:00.000Z',
    );
  });

  it('makes DST days 23 and 25 hours long', () => {
    const spring = parseLocalDate('2025-03-09');
    const autumn = parseLocalDate('2025-11-02');
    const zone = 'America/New_York';
    expect(startOfLocalDay(addDays(spring, 1), zone) - startOfLocalDay(spring, zone)).toBe(23 * 3_600_000);
    expect(startOfLocalDay(addDays(autumn, 1), zone) - startOfLocalDay(autumn, zone)).toBe(25 * 3_600_000);
  });

  it('gives the local date of an instant and the zone offset', () => {
    const t = Date.parse('2025-01-14T23:30:00Z');
    expect(localDateOf(t, 'UTC')).toEqual({ year: 2025, month: 1, day: 14 });
    expect(localDateOf(t, 'Europe/Berlin')).toEqual({ year: 2025, month: 1, day: 15 });
    expect(localDateOf(t, 'America/Los_Angeles')).toEqual({ year: 2025, month: 1, day: 14 });
    expect(zoneOffsetMs(t, 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
  });

  it('adds days across month and year ends and round-trips yyyy-MM-dd', () => {
    expect(formatLocalDate(addDays(parseLocalDate('2024-12-31'), 1))).toBe('2025-01-01');
    expect(formatLocalDate(addDays(parseLocalDate('2024-03-01'), -1))).toBe('2024-02-29');
    expect(() => parseLocalDate('2024-3-1')).toThrow(RangeError);
  });

  it('recognises unknown zones', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});
