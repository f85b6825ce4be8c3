import { scheduleWindow } from '../../src/schedule/schedule-window';

describe('scheduleWindow', () => {
  it('covers yesterday to the day after tomorrow in the business unit zone', () => {
    const now = Date.parse('2025-01-15T10:00:00Z');
    const w = scheduleWindow(now, 'Europe/Berlin');
    expect(w.start.toISOString()).toBe('2025-01-13T23:00:00.000Z');
    expect(w.end.toISOString()).toBe('2025-01-17T23:00:00.000Z');
  });

  it('uses the local date, not the UTC date, late in the evening west of Greenwich', () => {
    const now = Date.parse('2025-01-16T03:00:00Z'); // 2025-01-15 22:00 in New York
    const w = scheduleWindow(now, 'America/New_York');
    expect(w.start.toISOString()).toBe('2025-01-14T05:00:00.000Z');
    expect(w.end.toISOString()).toBe('2025-01-18T05:00:00.000Z');
  });

  it('follows DST so the window is 95 hours over a spring-forward night', () => {
    const now = Date.parse('2025-03-09T15:00:00Z');
    const w = scheduleWindow(now, 'America/New_York');
    expect(w.end.getTime() - w.start.getTime()).toBe(95 * 3_600_000);
  });

  it('accepts other spans', () => {
    const w = scheduleWindow(Date.parse('2025-01-15T10:00:00Z'), 'UTC', { daysBefore: 0, daysAfter: 0 });
    expect([w.start.toISOString(), w.end.toISOString()]).toEqual([
      '2025-01-15T00:00:00.000Z',
      '2025-01-16T00:00:00.000Z',
    ]);
  });
});
