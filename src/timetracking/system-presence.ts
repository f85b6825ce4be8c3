import { toSystemPresence } from '../genesys/presence-names';

/**
 * Normalises a system presence across Genesys surfaces (`OnQueue`, `On Queue`, `ON_QUEUE`, `on_queue`) to the
 * analytics spelling, so stream events and backfilled records of the same state compare equal. Unknown values are
 * upper-cased with separators turned into `_`.
 */
export function normaliseSystemPresence(value: string): string {
  return (
    toSystemPresence(value) ??
    value
      .trim()
      .toUpperCase()
      .replace(/[\s-]+/g, '_')
  );
}
