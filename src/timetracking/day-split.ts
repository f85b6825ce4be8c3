import type { Segment } from './segment';
import { nextDay, zonedDate, zonedDayWindow } from './zoned-day';

/** A segment's part that falls on one local day. */
export interface DayPiece {
  date: string;
  startMs: number;
  endMs: number;
  segment: Segment;
}

/**
 * Splits a segment at local midnights of `timeZone`. An open segment (end null) runs until `nowMs`; a segment
 * that starts after `nowMs` or has no duration yields nothing.
 */
export function splitAtMidnight(segment: Segment, timeZone: string, nowMs: number): DayPiece[] {
  const startMs = Date.parse(segment.start);
  const endMs = segment.end === null ? nowMs : Date.parse(segment.end);
  const pieces: DayPiece[] = [];
  if (!(endMs > startMs)) {
    return pieces;
  }
  let date = zonedDate(startMs, timeZone);
  let cursor = startMs;
  while (cursor < endMs) {
    const { endMs: dayEnd } = zonedDayWindow(date, timeZone);
    const pieceEnd = Math.min(dayEnd, endMs);
    if (pieceEnd > cursor) {
      pieces.push({ date, startMs: cursor, endMs: pieceEnd, segment });
    }
    cursor = pieceEnd;
    date = nextDay(date);
  }
  return pieces;
}

/** The part of a segment inside [fromMs, toMs), or undefined when they do not overlap. */
export function clip(
  segment: Segment,
  fromMs: number,
  toMs: number,
  nowMs: number,
): { startMs: number; endMs: number } | undefined {
  const startMs = Math.max(Date.parse(segment.start), fromMs);
  const endMs = Math.min(segment.end === null ? nowMs : Date.parse(segment.end), toMs);
  return endMs > startMs ? { startMs, endMs } : undefined;
}
