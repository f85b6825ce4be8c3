import type { Transition } from './transition';
import { normaliseSystemPresence } from './system-presence';

/** What the analytics users/details query returns per user (genesys-api.md §6.1), as far as time tracking reads it. */
export interface AnalyticsUserDetailLike {
  userId: string;
  primaryPresence?: ReadonlyArray<{
    startTime: string;
    endTime?: string | undefined;
    systemPresence?: string | undefined;
    organizationPresenceId?: string | undefined;
  }>;
  routingStatus?: ReadonlyArray<{
    startTime: string;
    endTime?: string | undefined;
    routingStatus?: string | undefined;
  }>;
}

/**
 * Turns analytics detail records into transitions (each record's start is a transition into its state). Records
 * repeated across pages or split at midnight become the same transition (same start) or an extra one into the
 * same state, which changes no total. Records without a state or with an unreadable start are skipped.
 */
export function transitionsFromAnalytics(details: readonly AnalyticsUserDetailLike[]): Transition[] {
  const out = new Map<string, Transition>();
  for (const detail of details) {
    for (const record of detail.primaryPresence ?? []) {
      const startMs = Date.parse(record.startTime);
      const system = record.systemPresence;
      if (Number.isNaN(startMs) || system === undefined || system === '') {
        continue;
      }
      const systemPresence = normaliseSystemPresence(system);
      const t: Transition = {
        kind: 'presence',
        userId: detail.userId,
        start: new Date(startMs).toISOString(),
        presenceDefinitionId: record.organizationPresenceId ?? systemPresence,
        systemPresence,
        source: 'backfill',
      };
      out.set(`${t.userId}|presence|${startMs}`, t);
    }
    for (const record of detail.routingStatus ?? []) {
      const startMs = Date.parse(record.startTime);
      if (Number.isNaN(startMs) || record.routingStatus === undefined || record.routingStatus === '') {
        continue;
      }
      out.set(`${detail.userId}|routing|${startMs}`, {
        kind: 'routing',
        userId: detail.userId,
        start: new Date(startMs).toISOString(),
        routingStatus: record.routingStatus.toUpperCase(),
        source: 'backfill',
      });
    }
  }
  return [...out.values()];
}

/** Splits [fromMs, toMs) into intervals of at most `maxMs` (the analytics interval cap). */
export function splitInterval(
  fromMs: number,
  toMs: number,
  maxMs: number,
): { fromMs: number; toMs: number }[] {
  const out: { fromMs: number; toMs: number }[] = [];
  for (let start = fromMs; start < toMs; start += maxMs) {
    out.push({ fromMs: start, toMs: Math.min(start + maxMs, toMs) });
  }
  return out;
}
