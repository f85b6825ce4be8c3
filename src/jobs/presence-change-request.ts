import { z } from 'zod';
import { ValidationFailedError, type ValidationProblem } from './pipeline-errors';

/** Genesys user ids are UUIDs (any variant: the org's ids are not all RFC 4122). */
export const USER_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** C0/C1 controls, DEL, line/paragraph separators and bidi overrides: refused in every free-text field. */
const FORBIDDEN_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Most time a request may be scheduled ahead with `notBefore`. */
export const MAX_NOT_BEFORE_AHEAD_MS = 24 * 60 * 60 * 1000;

function freeText(max: number) {
  return z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !FORBIDDEN_CHARACTERS.test(v), 'must not contain control characters');
}

export const sourceSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be 1–64 of a-z 0-9 . _ - (lower case, starting alphanumeric)');

export const presenceChangeRequestSchema = z
  .object({
    /** The agent (Genesys user id). */
    userId: z.string().regex(USER_ID_PATTERN, 'must be a Genesys user id (UUID)'),
    /** Presence definition id, or a system / secondary presence name (`On Queue`, `OnQueue`, `ON_QUEUE`, `Break`…). */
    presence: freeText(100).min(1, 'must not be empty'),
    /** Presence message shown in Genesys. */
    message: freeText(500).optional(),
    /** Why the change is asked for (audit only). */
    reason: freeText(1000).optional(),
    /** The calling system, e.g. `crm`, `wfm`, `supervisor`. */
    source: sourceSchema,
    /** Person or process on whose behalf the change is asked (audit only). */
    requestedBy: freeText(200).min(1, 'must not be empty').optional(),
    /** Compare-and-set: the agent's version the caller saw (HTTP `If-Match`). 0 = the agent has no state yet. */
    expectedVersion: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    /** Override the schedule policy; honoured only for the policy's privileged sources. */
    force: z.boolean().optional(),
    /** Same key (per agent and source) → same answer, no second request. */
    idempotencyKey: z
      .string()
      .regex(/^[\x21-\x7e]{1,128}$/, 'must be 1–128 printable ASCII characters without spaces')
      .optional(),
    /** Apply no earlier than this instant (ISO-8601 with offset, at most 24 h ahead). */
    notBefore: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export type PresenceChangeRequestInput = z.input<typeof presenceChangeRequestSchema>;
export type PresenceChangeRequest = z.output<typeof presenceChangeRequestSchema>;

function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join('.');
}

/**
 * Validates a request; throws `ValidationFailedError` listing every problem (unknown fields included).
 * `now` bounds `notBefore`.
 */
export function parsePresenceChangeRequest(input: unknown, nowMs: number): PresenceChangeRequest {
  const problems: ValidationProblem[] = [];
  const result = presenceChangeRequestSchema.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          problems.push({ path: pathOf([...issue.path, key]), message: 'unknown field' });
        }
      } else {
        problems.push({ path: pathOf(issue.path), message: issue.message });
      }
    }
  }
  const notBefore = (input as { notBefore?: unknown } | null)?.notBefore;
  if (typeof notBefore === 'string' && Date.parse(notBefore) - nowMs > MAX_NOT_BEFORE_AHEAD_MS) {
    problems.push({ path: 'notBefore', message: 'must be at most 24 h ahead' });
  }
  if (!result.success || problems.length > 0) {
    throw new ValidationFailedError(problems);
  }
  return result.data;
}
