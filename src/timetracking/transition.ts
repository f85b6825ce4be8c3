import { z } from 'zod';

/** The two kinds of time-tracking segment: the agent's presence and their ACD routing status. */
export const SEGMENT_KINDS = ['presence', 'routing'] as const;
export type SegmentKind = (typeof SEGMENT_KINDS)[number];

/** Where an observation came from: the live notification stream or the analytics backfill. */
export const TRANSITION_SOURCES = ['stream', 'backfill'] as const;
export type TransitionSource = (typeof TRANSITION_SOURCES)[number];

const userId = z.string().min(1).max(128);
const instant = z.iso.datetime({ offset: true });

/** The agent entered a presence at `start` (presence `modifiedDate`, or analytics `startTime`). */
export const presenceTransitionSchema = z.object({
  kind: z.literal('presence'),
  userId,
  start: instant,
  presenceDefinitionId: z.string().min(1).max(128),
  /** Normalised UPPER_SNAKE system presence (`ON_QUEUE`, `BREAK`, …). */
  systemPresence: z.string().min(1).max(64),
  source: z.enum(TRANSITION_SOURCES),
});

/** The agent entered a routing status at `start` (`routingStatus.startTime`). */
export const routingTransitionSchema = z.object({
  kind: z.literal('routing'),
  userId,
  start: instant,
  /** OFF_QUEUE, IDLE, INTERACTING, NOT_RESPONDING or COMMUNICATING. */
  routingStatus: z.string().min(1).max(64),
  source: z.enum(TRANSITION_SOURCES),
});

/**
 * One observed transition: "from `start` on, the agent was in this state". Segments are derived from the set of
 * transitions of an agent and kind: each transition opens a segment that ends at the next transition's start.
 * A transition is identified by (userId, kind, start), which is what makes stream + backfill merges idempotent.
 */
export const transitionSchema = z.discriminatedUnion('kind', [
  presenceTransitionSchema,
  routingTransitionSchema,
]);
export type Transition = z.infer<typeof transitionSchema>;
export type PresenceTransition = z.infer<typeof presenceTransitionSchema>;
export type RoutingTransition = z.infer<typeof routingTransitionSchema>;

/** The state a transition enters, without its identity (what the segment store keeps per start). */
export type SegmentState =
  | { kind: 'presence'; presenceDefinitionId: string; systemPresence: string }
  | { kind: 'routing'; routingStatus: string };

export function stateOf(t: Transition): SegmentState {
  return t.kind === 'presence'
    ? { kind: 'presence', presenceDefinitionId: t.presenceDefinitionId, systemPresence: t.systemPresence }
    : { kind: 'routing', routingStatus: t.routingStatus };
}

/** A stable identifier of a transition (also usable as a BullMQ job id: no ':' and never an integer). */
export function transitionId(t: Pick<Transition, 'userId' | 'kind' | 'start'>): string {
  return `${t.userId}_${t.kind}_${Date.parse(t.start)}`;
}
