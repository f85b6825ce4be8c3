import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SegmentStore } from './segment-store';
import { buildTimesheet, renderTimesheetCsv, renderTimesheetJsonl, type Timesheet } from './timesheet';
import { zonedDayWindow } from './zoned-day';

export interface TimesheetFilesOptions {
  dir: string;
  now?: () => number;
}

/** File names of one day: `<dir>/<date>.segments.jsonl` and `<dir>/<date>.totals.csv`. */
export function timesheetPaths(dir: string, date: string): { jsonl: string; csv: string } {
  return { jsonl: join(dir, `${date}.segments.jsonl`), csv: join(dir, `${date}.totals.csv`) };
}

/** Reads a local day's segments of every tracked agent from the store and builds its timesheet. */
export async function loadTimesheet(
  store: Pick<SegmentStore, 'segmentsInWindow'>,
  date: string,
  timeZone: string,
  nowMs: number,
): Promise<Timesheet> {
  const { startMs, endMs } = zonedDayWindow(date, timeZone);
  const segments = await store.segmentsInWindow(startMs, endMs);
  return buildTimesheet(segments, date, timeZone, nowMs);
}

/**
 * The daily-files sink: regenerates a day's files from the segment store (so late and corrected segments are
 * always reflected) and replaces them atomically (write to a temporary file, then rename).
 */
export class TimesheetFiles {
  private readonly now: () => number;

  constructor(
    private readonly store: Pick<SegmentStore, 'segmentsInWindow'>,
    private readonly options: TimesheetFilesOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async write(date: string, timeZone: string): Promise<{ jsonl: string; csv: string; sheet: Timesheet }> {
    const sheet = await loadTimesheet(this.store, date, timeZone, this.now());
    await mkdir(this.options.dir, { recursive: true });
    const paths = timesheetPaths(this.options.dir, date);
    await replaceFile(paths.jsonl, renderTimesheetJsonl(sheet));
    await replaceFile(paths.csv, renderTimesheetCsv(sheet));
    return { ...paths, sheet };
  }
}

async function replaceFile(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, content, { encoding: 'utf8', flush: true });
  await rename(tmp, path);
}
