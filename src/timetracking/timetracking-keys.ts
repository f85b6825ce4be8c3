/**
 * Redis keys of time tracking. Per-agent keys carry the agent's hash tag (`{agent:<id>}`, ARCHITECTURE.md §5) so
 * the segment scripts touch one slot; the prefix's own braces are stripped there so agents spread across slots.
 */
export type TrackedKind = 'presence' | 'routing';

function agentBase(prefix: string, userId: string): string {
  return `${prefix.replace(/[{}]/g, '')}:{agent:${userId}}`;
}

/** Hash: segment start (ms) → state JSON of the segment that starts there. */
export function segmentPointsKey(prefix: string, userId: string, kind: TrackedKind): string {
  return `${agentBase(prefix, userId)}:tt:${kind}:points`;
}

/** Sorted set of segment starts (score and member = start ms), for neighbour and range look-ups. */
export function segmentIndexKey(prefix: string, userId: string, kind: TrackedKind): string {
  return `${agentBase(prefix, userId)}:tt:${kind}:index`;
}

/** Set of agents that have segments (the timesheet iterates over it). */
export function trackedAgentsKey(prefix: string): string {
  return `${prefix}:tt:agents`;
}

/** Stream of changed segments waiting to be cut into export batches. */
export function segmentOutboxKey(prefix: string): string {
  return `${prefix}:tt:outbox`;
}

/** Last instant up to which every notification channel was connected (ms), written by the stream leader. */
export function streamWatermarkKey(prefix: string): string {
  return `${prefix}:stream:watermark`;
}
