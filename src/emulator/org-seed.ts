import { seedActivityCodes, type ActivityCode } from './activity-codes';
import {
  seedPresenceDefinitions,
  type PresenceDefinition,
  type SystemPresence,
} from './presence-definitions';
import { deriveSeed, SeededRandom } from './seeded-random';

export interface SeededUser {
  id: string;
  index: number;
  name: string;
  email: string;
  managementUnitId: string;
  queueIds: string[];
  /** Initial presence at emulator start (or reset). */
  initialPresence: SystemPresence;
}

export interface SeededOrg {
  organizationId: string;
  divisionId: string;
  businessUnit: { id: string; name: string; timeZone: string };
  managementUnits: Array<{ id: string; name: string }>;
  queues: Array<{ id: string; name: string }>;
  users: SeededUser[];
  presenceDefinitions: PresenceDefinition[];
  activityCodes: ActivityCode[];
}

const FIRST = [
  'Ada',
  'Ben',
  'Chloe',
  'Dev',
  'Elena',
  'Farid',
  'Grace',
  'Hugo',
  'Ines',
  'Jonas',
  'Kira',
  'Liam',
  'Mei',
  'Noah',
  'Olga',
  'Pablo',
  'Quinn',
  'Rosa',
  'Sami',
  'Tara',
  'Umar',
  'Vera',
  'Wes',
  'Xenia',
  'Yusuf',
  'Zoe',
];
const LAST = [
  'Adams',
  'Berg',
  'Costa',
  'Diaz',
  'Evans',
  'Fischer',
  'Garcia',
  'Hansen',
  'Ito',
  'Jensen',
  'Khan',
  'Lopez',
  'Meyer',
  'Novak',
  'Okafor',
  'Patel',
  'Quist',
  'Rossi',
  'Silva',
  'Tanaka',
  'Ueda',
  'Varga',
  'Weber',
  'Young',
];

/** Initial presences, weighted: most agents start offline, many on queue, a few elsewhere. */
const INITIAL: ReadonlyArray<[SystemPresence, number]> = [
  ['OFFLINE', 40],
  ['ON_QUEUE', 25],
  ['AVAILABLE', 15],
  ['BREAK', 5],
  ['MEAL', 5],
  ['BUSY', 4],
  ['AWAY', 3],
  ['TRAINING', 2],
  ['MEETING', 1],
];

function weighted(rng: SeededRandom): SystemPresence {
  let roll = rng.int(1, 100);
  for (const [presence, weight] of INITIAL) {
    roll -= weight;
    if (roll <= 0) {
      return presence;
    }
  }
  return 'OFFLINE';
}

/** Builds the org deterministically from the seed; each part draws from its own stream. */
export function seedOrg(seed: number, agents: number, timeZone: string, createdDate: string): SeededOrg {
  const ids = new SeededRandom(deriveSeed(seed, 'ids'));
  const organizationId = ids.uuid();
  const divisionId = ids.uuid();
  const businessUnit = { id: ids.uuid(), name: 'Contact Centre', timeZone };
  const muCount = Math.min(4, Math.max(1, Math.ceil(agents / 50)));
  const muNames = ['North', 'South', 'East', 'West'];
  const managementUnits = Array.from({ length: muCount }, (_, i) => ({
    id: ids.uuid(),
    name: `MU ${muNames[i] ?? String(i + 1)}`,
  }));
  const queues = ['Sales', 'Support', 'Billing'].map((name) => ({ id: ids.uuid(), name }));

  const people = new SeededRandom(deriveSeed(seed, 'users'));
  const users: SeededUser[] = [];
  for (let index = 0; index < agents; index += 1) {
    const first = people.pick(FIRST);
    const last = people.pick(LAST);
    const mu = managementUnits[index % muCount];
    const q1 = queues[index % queues.length];
    const q2 = queues[(index + 1) % queues.length];
    if (mu === undefined || q1 === undefined || q2 === undefined) {
      throw new Error('seed invariant: management units and queues are non-empty');
    }
    users.push({
      id: people.uuid(),
      index,
      name: `${first} ${last}`,
      email: `${first}.${last}.${index + 1}@example.com`.toLowerCase(),
      managementUnitId: mu.id,
      queueIds: index % 3 === 0 ? [q1.id, q2.id] : [q1.id],
      initialPresence: weighted(people),
    });
  }

  const presenceDefinitions = seedPresenceDefinitions(
    new SeededRandom(deriveSeed(seed, 'presence')),
    createdDate,
  );
  const activityCodes = seedActivityCodes(
    new SeededRandom(deriveSeed(seed, 'activity-codes')),
    presenceDefinitions,
  );
  return {
    organizationId,
    divisionId,
    businessUnit,
    managementUnits,
    queues,
    users,
    presenceDefinitions,
    activityCodes,
  };
}
