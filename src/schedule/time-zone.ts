/**
 * Calendar arithmetic in an IANA time zone with nothing but `Intl` (no tz database dependency): the local date of
 * an instant, and the instant of a local wall-clock time. Business-unit dates (schedule windows, full-day time
 * off) are local dates, so every conversion goes through here.
 */

export interface LocalDate {
  readonly year: number;
  /** 1–12 */
  readonly month: number;
  /** 1–31 */
  readonly day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows the zone. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface WallClock extends LocalDate {
  hour: number;
  minute: number;
  second: number;
}

function wallClock(instantMs: number, timeZone: string): WallClock {
  const parts = formatter(timeZone).formatToParts(new Date(instantMs));
  const get = (type: Intl.DateTimeFormatPartTypes): number => {
    const part = parts.find((p) => p.type === type);
    return part === undefined ? 0 : Number(part.value);
  };
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

/** Offset of the zone from UTC at an instant, in ms (positive east of Greenwich). */
export function zoneOffsetMs(instantMs: number, timeZone: string): number {
  const w = wallClock(instantMs, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  const wholeSeconds = Math.floor(instantMs / 1000) * 1000;
  return asUtc - wholeSeconds;
}

/** The local calendar date of an instant in the zone. */
export function localDateOf(instantMs: number, timeZone: string): LocalDate {
  const w = wallClock(instantMs, timeZone);
  return { year: w.year, month: w.month, day: w.day };
}

/** Adds whole days to a local date (calendar arithmetic, independent of any zone). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Parses `yyyy-MM-dd`. */
export function parseLocalDate(text: string): LocalDate {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m === null) {
    throw new RangeError(`not a yyyy-MM-dd date: ${JSON.stringify(text)}`);
  }
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

export function formatLocalDate(date: LocalDate): string {
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

/**
 * The instant at which the wall clock of the zone shows `date` + `minutes` after midnight. Minutes past 24 h roll
 * into the next days. A wall time skipped by a DST jump (02:30 on a spring-forward night) is shifted forward by
 * the gap (03:30), as most calendars do; a repeated wall time (DST fall-back) resolves to its first occurrence.
 */
export function zonedTimeToInstant(date: LocalDate, minutes: number, timeZone: string): number {
  const naiveUtc = Date.UTC(date.year, date.month - 1, date.day) + minutes * 60_000;
  // Two refinements converge for every real zone: the offset can only change once around a given wall time.
  const offset1 = zoneOffsetMs(naiveUtc, timeZone);
  let instant = naiveUtc - offset1;
  const offset2 = zoneOffsetMs(instant, timeZone);
  if (offset2 !== offset1) {
    const candidate = naiveUtc - offset2;
    // Keep the candidate only if it really shows the requested wall time; otherwise the time was skipped.
    instant = zoneOffsetMs(candidate, timeZone) === offset2 ? candidate : Math.max(instant, candidate);
  }
  // Fall-back ambiguity: prefer the earlier of two instants showing the same wall time.
  const earlier = instant - 3_600_000;
  if (earlier + zoneOffsetMs(earlier, timeZone) === naiveUtc) {
    return earlier;
  }
  return instant;
}

/** Midnight (start) of a local date in the zone, as an instant. */
export function startOfLocalDay(date: LocalDate, timeZone: string): number {
  return zonedTimeToInstant(date, 0, timeZone);
}
