import { z } from 'zod';
import { AppError } from '../app-error';
import { ACTIVITY_CATEGORIES, type ActivityCategory } from '../schedule/agent-timeline';
import { isSystemPresenceName, normalizePresenceName } from './presence-name';

/**
 * The presence policy: which presences each scheduled activity category allows. Entries are system presence
 * names in any spelling (`On Queue`, `ON_QUEUE`…), presence definition ids, or `*` (anything). docs/policy.md
 * documents the default and the file format; `POLICY_FILE` (JSON or YAML) replaces it.
 */

const DEFINITION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const presenceEntry = z
  .string()
  .min(1)
  .max(64)
  .transform((value, ctx) => {
    if (value === '*') {
      return value;
    }
    if (DEFINITION_ID.test(value)) {
      return value.toLowerCase();
    }
    const name = normalizePresenceName(value);
    if (!isSystemPresenceName(name)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is neither a system presence (Available, Away, Busy, Offline, Idle, On Queue, Meal, Training, Meeting, Break), a definition id nor "*"`,
      });
      return z.NEVER;
    }
    return name;
  });

const presenceList = z.array(presenceEntry).max(200);

/** The documented default policy (docs/policy.md). */
export const DEFAULT_CATEGORY_PRESENCES: Readonly<Record<ActivityCategory, readonly string[]>> = {
  OnQueueWork: ['onqueue', 'available', 'busy', 'away', 'idle'],
  Break: ['break'],
  Meal: ['meal'],
  Meeting: ['meeting', 'busy'],
  OffQueueWork: ['available', 'busy', 'away', 'idle', 'meeting'],
  TimeOff: ['offline'],
  Training: ['training'],
  Unavailable: ['offline', 'away', 'busy'],
};

const categoriesShape = Object.fromEntries(
  ACTIVITY_CATEGORIES.map((c) => [c, presenceList.default([...DEFAULT_CATEGORY_PRESENCES[c]])]),
) as { [K in ActivityCategory]: z.ZodDefault<typeof presenceList> };

export const presencePolicySchema = z
  .object({
    version: z.literal(1).default(1),
    /** Agent not in WFM, schedule unknown or WFM error: `allow` (audited as such) or `block`. */
    onMissingSchedule: z.enum(['allow', 'block']).default('allow'),
    /** Sources whose `force` overrides the schedule check and the stale-write guard. */
    privilegedSources: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/))
      .max(100)
      .default(['supervisor']),
    /** A change to the next activity's presence is allowed this long before that activity starts. */
    boundaryToleranceSeconds: z.number().int().min(0).max(3_600).default(60),
    /**
     * Activity codes' `secondaryPresences`: `extend` adds them to the category's presences; `require` makes them
     * the only presences allowed during that activity (plus `alwaysAllowed`).
     */
    secondaryPresences: z.enum(['extend', 'require']).default('extend'),
    categories: z
      .object(categoriesShape)
      .strict()
      .default(
        Object.fromEntries(ACTIVITY_CATEGORIES.map((c) => [c, [...DEFAULT_CATEGORY_PRESENCES[c]]])) as Record<
          ActivityCategory,
          string[]
        >,
      ),
    /** Presences allowed when the agent is scheduled but off shift at that time. */
    unscheduled: presenceList.default(['offline', 'available', 'busy', 'away', 'idle']),
    /** Presences allowed at any time. */
    alwaysAllowed: presenceList.default([]),
  })
  .strict();

export type PresencePolicy = z.output<typeof presencePolicySchema>;

export const DEFAULT_PRESENCE_POLICY: PresencePolicy = Object.freeze(presencePolicySchema.parse({}));

/** Thrown when a policy document does not validate; lists every problem. */
export class PolicyInvalidError extends AppError {
  constructor(readonly problems: readonly string[]) {
    super('POLICY_INVALID', `Invalid presence policy:\n  - ${problems.join('\n  - ')}`, {
      details: { problems },
    });
  }
}

/** Validates a parsed policy document (JSON or YAML already decoded); missing keys take the defaults. */
export function parsePresencePolicy(document: unknown): PresencePolicy {
  const result = presencePolicySchema.safeParse(document ?? {});
  if (!result.success) {
    throw new PolicyInvalidError(
      result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`),
    );
  }
  return result.data;
}
