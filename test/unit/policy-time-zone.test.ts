import { addDays, timeZoneOffsetMs, zonedDate, zonedTimeToInstant } from '../../src/policy/time-zone';

const iso = (ms: number) => new Date(ms).toISOString();
const H = 3_600_000;

describe('zonedTimeToInstant', () => {
  test.each([
    // zone, date, minutes past local midnight, expected instant
    ['UTC', '2026-03-29', 0, '2026-03-29T00:00:00.000Z'],
    ['Europe/Berlin', '2026-01-15', 0, '2026-01-14T23:00:00.000Z'],
    ['Europe/Berlin', '2026-07-15', 0, '2026-07-14T22:00:00.000Z'],
    ['America/New_York', '2026-01-15', 9 * 60, '2026-01-15T14:00:00.000Z'],
    ['Asia/Kolkata', '2026-05-01', 0, '2026-04-30T18:30:00.000Z'],
    ['Pacific/Chatham', '2026-06-01', 0, '2026-05-31T11:15:00.000Z'],
    ['Australia/Sydney', '2026-01-10', 0, '2026-01-09T13:00:00.000Z'],
    // 1440 minutes is the next local midnight
    ['Europe/Berlin', '2026-01-15', 1440, '2026-01-15T23:00:00.000Z'],
  ])('%s %s +%i min is %s', (zone, date, minutes, expected) => {
    expect(iso(zonedTimeToInstant(date, minutes, zone))).toBe(expected);
  });

  test('a wall time inside the spring-forward gap moves forward by the gap (Berlin 02:30 → 03:30 CEST)', () => {
    // 2026-03-29 02:00 CET → 03:00 CEST; 02:30 does not exist
    expect(iso(zonedTimeToInstant('2026-03-29', 150, 'Europe/Berlin'))).toBe('2026-03-29T01:30:00.000Z');
  });

  test('a repeated wall time at fall-back maps to its first occurrence (New York 01:30)', () => {
    // 2026-11-01 02:00 EDT → 01:00 EST; 01:30 happens twice
    expect(iso(zonedTimeToInstant('2026-11-01', 90, 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z');
  });

  test('a day whose midnight does not exist starts when the clocks jump (Santiago, DST starts at 24:00)', () => {
    // 2026-09-06: 00:00 -04 → 01:00 -03, so the local day starts at 04:00 UTC
    const start = zonedTimeToInstant('2026-09-06', 0, 'America/Santiago');
    expect(iso(start)).toBe('2026-09-06T04:00:00.000Z');
    expect(timeZoneOffsetMs('America/Santiago', start)).toBe(-3 * H);
  });

  test('local days are 23 h on spring-forward and 25 h on fall-back days', () => {
    const len = (zone: string, date: string) =>
      (zonedTimeToInstant(addDays(date, 1), 0, zone) - zonedTimeToInstant(date, 0, zone)) / H;
    expect(len('Europe/Berlin', '2026-03-29')).toBe(23);
    expect(len('Europe/Berlin', '2026-10-25')).toBe(25);
    expect(len('America/New_York', '2026-03-08')).toBe(23);
    expect(len('Australia/Sydney', '2026-04-05')).toBe(25);
    expect(len('Australia/Sydney', '2026-10-04')).toBe(23);
    expect(len('Asia/Tokyo', '2026-03-29')).toBe(24);
  });
});

describe('zonedDate and addDays', () => {
  test('the local date of an instant depends on the zone', () => {
    const t = Date.parse('2026-01-15T23:30:00Z');
    expect(zonedDate(t, 'UTC')).toBe('2026-01-15');
    expect(zonedDate(t, 'Europe/Berlin')).toBe('2026-01-16');
    expect(zonedDate(t, 'America/Los_Angeles')).toBe('2026-01-15');
  });

  test('addDays crosses month and year ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
  });
});
