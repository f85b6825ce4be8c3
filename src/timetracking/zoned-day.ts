import { AppError } from '../app-error';

/**
 * Calendar days in an IANA time zone, with daylight-saving days of 23 or 25 hours and zones whose midnight does
 * not exist on a transition day (the day then starts at the first instant whose local date is that day).
 */

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The local calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function zonedDate(ms: number, timeZone: string): string {
  const parts = formatter(timeZone).formatToParts(new Date(ms));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function parseDay(date: string): { year: number; month: number; day: number } {
  const m = DATE_RE.exec(date);
  if (m === null) {
    throw new AppError('TIMESHEET_BAD_DATE', `not a date (YYYY-MM-DD): ${date}`);
  }
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    throw new AppError('TIMESHEET_BAD_DATE', `not a calendar date: ${date}`);
  }
  return { year, month, day };
}

/** The next calendar date after `date`. */
export function nextDay(date: string): string {
  const { year, month, day } = parseDay(date);
  return new Date(Date.UTC(year, month - 1, day + 1)).toISOString().slice(0, 10);
}

/** The first instant (ms) whose local date in `timeZone` is `date` or later. */
export function zonedStartOfDay(date: string, timeZone: string): number {
  const { year, month, day } = parseDay(date);
  const utcMidnight = Date.UTC(year, month - 1, day);
  // Every offset in use is within ±15 h of UTC; the local date is non-decreasing over such a short span.
  let lo = utcMidnight - 15 * 3_600_000;
  let hi = utcMidnight + 15 * 3_600_000;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (zonedDate(mid, timeZone) >= date) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return hi;
}

/** The half-open window [startMs, endMs) of one local day. */
export function zonedDayWindow(date: string, timeZone: string): { startMs: number; endMs: number } {
  return { startMs: zonedStartOfDay(date, timeZone), endMs: zonedStartOfDay(nextDay(date), timeZone) };
}
