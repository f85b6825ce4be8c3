import { z } from 'zod';
import { SEGMENT_KINDS, TRANSITION_SOURCES, type SegmentState } from './transition';

/**
 * A time-tracking segment: the agent was in one presence (or routing status) from `start` until `end`.
 * `end` is null while the segment is open. Segments are identified by (userId, kind, start); a later delivery of
 * the same segment can only move its `end` earlier (a transition learnt late, e.g. from the backfill, splits it),
 * so a receiver that upserts by id keeps the earliest `end` it has seen.
 */
export const segmentSchema = z.object({
  userId: z.string().min(1),
  kind: z.enum(SEGMENT_KINDS),
  start: z.iso.datetime({ offset: true }),
  end: z.iso.datetime({ offset: true }).nullable(),
  presenceDefinitionId: z.string().optional(),
  systemPresence: z.string().optional(),
  routingStatus: z.string().optional(),
  source: z.enum(TRANSITION_SOURCES),
});
export type Segment = z.infer<typeof segmentSchema>;

export function segmentId(s: Pick<Segment, 'userId' | 'kind' | 'start'>): string {
  return `${s.userId}_${s.kind}_${Date.parse(s.start)}`;
}

/** The label of a segment's state: the system presence (presence) or the routing status. */
export function stateLabel(s: Pick<Segment, 'kind' | 'systemPresence' | 'routingStatus'>): string {
  return (s.kind === 'presence' ? s.systemPresence : s.routingStatus) ?? 'UNKNOWN';
}

export function makeSegment(
  userId: string,
  state: SegmentState,
  startMs: number,
  endMs: number | null,
  source: Segment['source'],
): Segment {
  const base = {
    userId,
    kind: state.kind,
    start: new Date(startMs).toISOString(),
    end: endMs === null ? null : new Date(endMs).toISOString(),
    source,
  };
  return state.kind === 'presence'
    ? { ...base, presenceDefinitionId: state.presenceDefinitionId, systemPresence: state.systemPresence }
    : { ...base, routingStatus: state.routingStatus };
}
