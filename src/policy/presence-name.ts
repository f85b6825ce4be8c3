/**
 * The ten system presences (genesys-api.md §3.1), in the normalised form used by the policy: case-folded with
 * spaces, underscores and hyphens removed, so `On Queue`, `OnQueue`, `ON_QUEUE` and `on-queue` are all `onqueue`.
 */
export const SYSTEM_PRESENCE_NAMES = [
  'available',
  'away',
  'busy',
  'offline',
  'idle',
  'onqueue',
  'meal',
  'training',
  'meeting',
  'break',
] as const;
export type SystemPresenceName = (typeof SYSTEM_PRESENCE_NAMES)[number];

export function normalizePresenceName(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}

export function isSystemPresenceName(name: string): name is SystemPresenceName {
  return (SYSTEM_PRESENCE_NAMES as readonly string[]).includes(name);
}
