/**
 * Wall-clock ↔ instant conversion for IANA time zones with `Intl` only (no tz library): enough for business-unit
 * dates (full-day time off) and DST change days.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall clock of `instantMs` in `timeZone`, expressed as if it were UTC (ms, whole seconds). */
function wallClockMs(instantMs: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') {
      parts[part.type] = Number(part.value);
    }
  }
  return Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
}

/** UTC offset of `timeZone` at `instantMs` (local − UTC), in ms. Throws RangeError for an unknown zone. */
export function timeZoneOffsetMs(timeZone: string, instantMs: number): number {
  const whole = Math.floor(instantMs / 1000) * 1000;
  return wallClockMs(whole, timeZone) - whole;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDate(date: string): [number, number, number] {
  const m = DATE.exec(date);
  if (m === null) {
    throw new RangeError(`not a yyyy-MM-dd date: ${date}`);
  }
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/**
 * The instant at which the wall clock of `timeZone` shows `date` + `minutes` (minutes past local midnight; 1440 is
 * the next midnight). A wall time that occurs twice (DST ends) maps to its first occurrence; one that falls in the
 * gap when DST starts is moved forward by the gap's length (as `Temporal`'s "compatible" rule does), so a day whose
 * midnight does not exist (America/Santiago) starts at the instant the clocks jump.
 */
export function zonedTimeToInstant(date: string, minutes: number, timeZone: string): number {
  const [y, mo, d] = parseDate(date);
  const wall = Date.UTC(y, mo - 1, d, 0, minutes);
  const day = 86_400_000;
  const offsets = new Set([timeZoneOffsetMs(timeZone, wall - day), timeZoneOffsetMs(timeZone, wall + day)]);
  const candidates = [...offsets].map((o) => wall - o);
  const valid = candidates.filter((c) => wallClockMs(c, timeZone) === wall);
  return valid.length > 0 ? Math.min(...valid) : Math.max(...candidates);
}

/** The local calendar date (`yyyy-MM-dd`) of an instant in `timeZone`. */
export function zonedDate(instantMs: number, timeZone: string): string {
  return new Date(wallClockMs(instantMs, timeZone)).toISOString().slice(0, 10);
}

/** Calendar arithmetic on `yyyy-MM-dd`. */
export function addDays(date: string, days: number): string {
  const [y, mo, d] = parseDate(date);
  return new Date(Date.UTC(y, mo - 1, d + days)).toISOString().slice(0, 10);
}
