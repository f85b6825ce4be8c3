import { addDays, localDateOf, startOfLocalDay } from './time-zone';

/** The span of published schedule the sync keeps cached: whole local days of the business unit. */
export interface ScheduleWindow {
  readonly start: Date;
  readonly end: Date;
}

export interface ScheduleWindowOptions {
  /** Whole local days before today (default 1: yesterday, for overnight shifts still running). */
  readonly daysBefore?: number;
  /** Whole local days after today (default 2). */
  readonly daysAfter?: number;
}

/**
 * Yesterday 00:00 up to (excluding) the day after `daysAfter` days, in the business unit's zone: with the
 * defaults, four local days (yesterday, today, tomorrow, the day after). Day lengths follow DST (23 h / 25 h).
 */
export function scheduleWindow(
  nowMs: number,
  timeZone: string,
  options: ScheduleWindowOptions = {},
): ScheduleWindow {
  const daysBefore = options.daysBefore ?? 1;
  const daysAfter = options.daysAfter ?? 2;
  const today = localDateOf(nowMs, timeZone);
  return {
    start: new Date(startOfLocalDay(addDays(today, -daysBefore), timeZone)),
    end: new Date(startOfLocalDay(addDays(today, daysAfter + 1), timeZone)),
  };
}
