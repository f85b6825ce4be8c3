import type { PresenceDefinition } from './presence-definitions';
import type { SeededRandom } from './seeded-random';

/** `BusinessUnitActivityCode.category` (genesys-api.md §4.2). */
export const ACTIVITY_CATEGORIES = [
  'OnQueueWork',
  'Break',
  'Meal',
  'Meeting',
  'OffQueueWork',
  'TimeOff',
  'Training',
  'Unavailable',
] as const;

export type ActivityCategory = (typeof ACTIVITY_CATEGORIES)[number];

export interface ActivityCode {
  id: string;
  name: string;
  category: ActivityCategory;
  lengthInMinutes: number;
  active: boolean;
  defaultCode: boolean;
  countsAsPaidTime: boolean;
  countsAsWorkTime: boolean;
  agentTimeOffSelectable: boolean;
  countsTowardShrinkage: boolean;
  plannedShrinkage: boolean;
  interruptible: boolean;
  secondaryPresenceIds: string[];
  backgroundColor: string;
}

interface CodeSpec {
  name: string;
  category: ActivityCategory;
  length: number;
  paid: boolean;
  work: boolean;
  defaultCode?: boolean;
  active?: boolean;
  secondary?: string;
  timeOffSelectable?: boolean;
}

const SPECS: readonly CodeSpec[] = [
  { name: 'On Queue Work', category: 'OnQueueWork', length: 60, paid: true, work: true, defaultCode: true },
  { name: 'Break', category: 'Break', length: 15, paid: true, work: false, defaultCode: true },
  { name: 'Meal', category: 'Meal', length: 30, paid: false, work: false, defaultCode: true },
  { name: 'Meeting', category: 'Meeting', length: 30, paid: true, work: true, defaultCode: true },
  { name: 'Off Queue Work', category: 'OffQueueWork', length: 60, paid: true, work: true, defaultCode: true },
  {
    name: 'Time Off',
    category: 'TimeOff',
    length: 480,
    paid: true,
    work: false,
    defaultCode: true,
    timeOffSelectable: true,
  },
  { name: 'Training', category: 'Training', length: 60, paid: true, work: true, defaultCode: true },
  { name: 'Unavailable', category: 'Unavailable', length: 60, paid: false, work: false, defaultCode: true },
  { name: 'Lunch', category: 'Meal', length: 30, paid: false, work: false, secondary: 'Lunch' },
  { name: 'Coffee Break', category: 'Break', length: 15, paid: true, work: false, secondary: 'Coffee Break' },
  { name: 'Team Huddle', category: 'Meeting', length: 15, paid: true, work: true, secondary: 'Team Huddle' },
  { name: 'Coaching', category: 'Training', length: 30, paid: true, work: true, secondary: 'Coaching' },
  {
    name: 'Back Office',
    category: 'OffQueueWork',
    length: 60,
    paid: true,
    work: true,
    secondary: 'Back Office',
  },
  { name: 'Vacation', category: 'TimeOff', length: 480, paid: true, work: false, timeOffSelectable: true },
  { name: 'Retired Code', category: 'Unavailable', length: 30, paid: false, work: false, active: false },
];

const COLORS: Record<ActivityCategory, string> = {
  OnQueueWork: '#3B90AA',
  Break: '#E0A526',
  Meal: '#A6CE39',
  Meeting: '#7B4A9E',
  OffQueueWork: '#5C6BC0',
  TimeOff: '#F2A5A5',
  Training: '#2A9D8F',
  Unavailable: '#9E9E9E',
};

/** The BU's activity codes: one default code per category plus custom codes, some tied to secondary presences. */
export function seedActivityCodes(
  rng: SeededRandom,
  definitions: readonly PresenceDefinition[],
): ActivityCode[] {
  return SPECS.map((spec) => {
    const secondary =
      spec.secondary === undefined
        ? undefined
        : definitions.find((d) => !d.primary && d.label === spec.secondary && !d.deactivated);
    return {
      id: rng.uuid(),
      name: spec.name,
      category: spec.category,
      lengthInMinutes: spec.length,
      active: spec.active ?? true,
      defaultCode: spec.defaultCode === true,
      countsAsPaidTime: spec.paid,
      countsAsWorkTime: spec.work,
      agentTimeOffSelectable: spec.timeOffSelectable === true,
      countsTowardShrinkage: !spec.work,
      plannedShrinkage: !spec.work,
      interruptible: spec.category === 'OffQueueWork' || spec.category === 'OnQueueWork',
      secondaryPresenceIds: secondary === undefined ? [] : [secondary.id],
      backgroundColor: COLORS[spec.category],
    };
  });
}
