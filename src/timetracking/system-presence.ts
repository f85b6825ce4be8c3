/** The ten system presences, in the analytics spelling (genesys-api.md §3.1). */
export const SYSTEM_PRESENCES = [
  'AVAILABLE',
  'AWAY',
  'BUSY',
  'OFFLINE',
  'IDLE',
  'ON_QUEUE',
  'MEAL',
  'TRAINING',
  'MEETING',
  'BREAK',
] as const;

const BY_FOLDED = new Map<string, string>(SYSTEM_PRESENCES.map((p) => [fold(p), p]));

function fold(value: string): string {
  return value.toLowerCase().replace(/[\s_-]/g, '');
}

/**
 * Normalises a system presence across Genesys surfaces (`OnQueue`, `On Queue`, `ON_QUEUE`, `on_queue`) to the
 * analytics spelling, so stream events and backfilled records of the same state compare equal. Unknown values are
 * upper-cased with separators turned into `_`.
 */
export function normaliseSystemPresence(value: string): string {
  return (
    BY_FOLDED.get(fold(value)) ??
    value
      .trim()
      .toUpperCase()
      .replace(/[\s-]+/g, '_')
  );
}
