import type { SeededRandom } from './seeded-random';

/** The 10 system presences, in the canonical UPPER_SNAKE form the analytics API uses (genesys-api.md §3.1). */
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

export type SystemPresence = (typeof SYSTEM_PRESENCES)[number];

/** How a surface spells a system presence: `OnQueue` (`/presence/definitions`), `On Queue` (legacy), `ON_QUEUE`. */
export type PresenceSpelling = 'camel' | 'legacy' | 'upper';

const CAMEL: Record<SystemPresence, string> = {
  AVAILABLE: 'Available',
  AWAY: 'Away',
  BUSY: 'Busy',
  OFFLINE: 'Offline',
  IDLE: 'Idle',
  ON_QUEUE: 'OnQueue',
  MEAL: 'Meal',
  TRAINING: 'Training',
  MEETING: 'Meeting',
  BREAK: 'Break',
};

export function spellSystemPresence(value: SystemPresence, spelling: PresenceSpelling): string {
  if (spelling === 'upper') {
    return value;
  }
  if (spelling === 'legacy' && value === 'ON_QUEUE') {
    return 'On Queue';
  }
  return CAMEL[value];
}

/** Accepts any surface's spelling (`OnQueue`, `On Queue`, `ON_QUEUE`, `onqueue`) and returns the canonical one. */
export function parseSystemPresence(value: string): SystemPresence | undefined {
  const folded = value.replace(/[\s_]/g, '').toUpperCase();
  return SYSTEM_PRESENCES.find((p) => p.replace(/_/g, '') === folded);
}

/** Real ids of the built-in ("primary") definitions, observed identical across orgs (genesys-api.md §3.1). */
export const SYSTEM_DEFINITION_IDS: Record<SystemPresence, string> = {
  AVAILABLE: '6a3af858-942f-489d-9700-5f9bcdcdae9b',
  BUSY: '31fe3bac-dea6-44b7-bed7-47f91660a1a0',
  AWAY: '5e5c5c66-ea97-4e7f-ac41-6424784829f2',
  BREAK: '227b37e2-f1d0-4dd0-8f50-badd7cf6d158',
  MEAL: '3fd96123-badb-4f69-bc03-1b1ccc6d8014',
  MEETING: 'bbdff279-7ae1-48ea-bade-7831d7234c64',
  TRAINING: 'd2390a99-8546-bad9-8f0a-219548e8aeb0',
  ON_QUEUE: 'e08eaf1b-ee47-4fa9-a231-1200e284798f',
  IDLE: '7ffa01cd-7866-4ad7-8faa-31e11b42f51f',
  OFFLINE: 'ccf3c10a-aa2c-4845-8e8d-f59fa48c58e5',
};

export interface PresenceDefinition {
  id: string;
  systemPresence: SystemPresence;
  /** The en_US label. */
  label: string;
  /** true for the 10 built-in definitions. */
  primary: boolean;
  deactivated: boolean;
  createdDate: string;
}

/** Org-defined secondary presences the seeded org carries (one deactivated, to exercise the filters). */
const SECONDARY: ReadonlyArray<{ label: string; systemPresence: SystemPresence; deactivated?: boolean }> = [
  { label: 'Lunch', systemPresence: 'MEAL' },
  { label: 'Coffee Break', systemPresence: 'BREAK' },
  { label: 'Team Huddle', systemPresence: 'MEETING' },
  { label: 'Coaching', systemPresence: 'TRAINING' },
  { label: 'Back Office', systemPresence: 'BUSY' },
  { label: 'Old Lunch', systemPresence: 'MEAL', deactivated: true },
];

export function seedPresenceDefinitions(rng: SeededRandom, createdDate: string): PresenceDefinition[] {
  const system = SYSTEM_PRESENCES.map((p) => ({
    id: SYSTEM_DEFINITION_IDS[p],
    systemPresence: p,
    label: p === 'ON_QUEUE' ? 'On Queue' : CAMEL[p],
    primary: true,
    deactivated: false,
    createdDate,
  }));
  const secondary = SECONDARY.map((s) => ({
    id: rng.uuid(),
    systemPresence: s.systemPresence,
    label: s.label,
    primary: false,
    deactivated: s.deactivated === true,
    createdDate,
  }));
  return [...system, ...secondary];
}
