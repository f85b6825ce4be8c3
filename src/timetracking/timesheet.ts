import { clip } from './day-split';
import { stateLabel, type Segment } from './segment';
import { zonedDayWindow } from './zoned-day';

/** One segment's part on the day, as written to the JSONL timesheet. */
export interface TimesheetEntry {
  date: string;
  userId: string;
  kind: Segment['kind'];
  state: string;
  presenceDefinitionId?: string;
  /** The whole segment, as stored (end null while open). */
  segmentStart: string;
  segmentEnd: string | null;
  /** The part inside the day (an open segment is counted until the timesheet's `asOf`). */
  start: string;
  end: string;
  milliseconds: number;
  source: Segment['source'];
}

/** Time per agent, kind and state on the day. Presence totals are per presence definition. */
export interface TimesheetTotal {
  date: string;
  userId: string;
  kind: Segment['kind'];
  state: string;
  presenceDefinitionId: string;
  milliseconds: number;
  seconds: number;
}

export interface Timesheet {
  date: string;
  timeZone: string;
  /** Instant the open segments are counted to (the day's end when it is over). */
  asOf: string;
  entries: TimesheetEntry[];
  totals: TimesheetTotal[];
}

/**
 * Builds one local day's timesheet from segments (any segments may be passed: those not overlapping the day are
 * ignored). Pure: the same segments, date, zone and `nowMs` give the same timesheet.
 */
export function buildTimesheet(
  segments: readonly Segment[],
  date: string,
  timeZone: string,
  nowMs: number,
): Timesheet {
  const { startMs, endMs } = zonedDayWindow(date, timeZone);
  const asOfMs = Math.min(nowMs, endMs);
  const entries: TimesheetEntry[] = [];
  const totals = new Map<string, TimesheetTotal>();
  for (const segment of segments) {
    const part = clip(segment, startMs, endMs, asOfMs);
    if (part === undefined) {
      continue;
    }
    const state = stateLabel(segment);
    const milliseconds = part.endMs - part.startMs;
    entries.push({
      date,
      userId: segment.userId,
      kind: segment.kind,
      state,
      ...(segment.presenceDefinitionId === undefined
        ? {}
        : { presenceDefinitionId: segment.presenceDefinitionId }),
      segmentStart: segment.start,
      segmentEnd: segment.end,
      start: new Date(part.startMs).toISOString(),
      end: new Date(part.endMs).toISOString(),
      milliseconds,
      source: segment.source,
    });
    const definition = segment.presenceDefinitionId ?? '';
    const key = `${segment.userId}\u0000${segment.kind}\u0000${state}\u0000${definition}`;
    const total = totals.get(key) ?? {
      date,
      userId: segment.userId,
      kind: segment.kind,
      state,
      presenceDefinitionId: definition,
      milliseconds: 0,
      seconds: 0,
    };
    total.milliseconds += milliseconds;
    total.seconds = Math.round(total.milliseconds / 1000);
    totals.set(key, total);
  }
  entries.sort(
    (a, b) => cmp(a.userId, b.userId) || cmp(a.kind, b.kind) || Date.parse(a.start) - Date.parse(b.start),
  );
  const sortedTotals = [...totals.values()].sort(
    (a, b) =>
      cmp(a.userId, b.userId) ||
      cmp(a.kind, b.kind) ||
      cmp(a.state, b.state) ||
      cmp(a.presenceDefinitionId, b.presenceDefinitionId),
  );
  return { date, timeZone, asOf: new Date(asOfMs).toISOString(), entries, totals: sortedTotals };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The JSONL file: one segment part per line. */
export function renderTimesheetJsonl(sheet: Timesheet): string {
  return sheet.entries.map((e) => `${JSON.stringify(e)}\n`).join('');
}

export const TIMESHEET_CSV_HEADER =
  'date,time_zone,user_id,kind,state,presence_definition_id,seconds,milliseconds';

/** The CSV file: totals per agent per day per presence and per routing status. */
export function renderTimesheetCsv(sheet: Timesheet): string {
  const rows = sheet.totals.map((t) =>
    [t.date, sheet.timeZone, t.userId, t.kind, t.state, t.presenceDefinitionId, t.seconds, t.milliseconds]
      .map((v) => csvField(String(v)))
      .join(','),
  );
  return `${[TIMESHEET_CSV_HEADER, ...rows].join('\n')}\n`;
}

function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
