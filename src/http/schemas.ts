import { z } from 'zod';
import { presenceChangeRequestSchema } from '../jobs/presence-change-request';

/**
 * The HTTP API's request and response shapes. Handlers validate with them and `openapi.ts` turns the same
 * objects into `/docs/openapi.json`, so the document cannot drift from what the code accepts.
 */

const { shape } = presenceChangeRequestSchema;

export const userIdSchema = shape.userId.meta({ description: 'Genesys Cloud user id (a UUID).' });

export const requestIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w:.-]+$/, 'a request id is letters, digits, "_", ":", "." and "-"');

/**
 * The POST body: the pipeline's own request schema (`src/jobs/presence-change-request.ts`) without the fields
 * that travel elsewhere over HTTP (`userId` in the path, `expectedVersion` as If-Match, `idempotencyKey` as
 * Idempotency-Key), with `requestedBy` required.
 */
export const presenceChangeBodySchema = presenceChangeRequestSchema
  .omit({ userId: true, expectedVersion: true, idempotencyKey: true })
  .extend({
    presence: shape.presence.meta({
      description:
        'Target presence: a presence definition id, a system presence (Available, On Queue, Break, Meal, …, any spelling) or a secondary presence label.',
    }),
    message: shape.message.meta({ description: 'Status message shown with the presence.' }),
    reason: shape.reason.meta({ description: 'Why the change is asked for (audit).' }),
    source: shape.source.meta({ description: 'Calling system; the API key must be allowed to use it.' }),
    requestedBy: shape.requestedBy
      .unwrap()
      .meta({ description: 'Person or process on whose behalf the change is made.' }),
    force: shape.force.meta({
      description: 'Override the schedule policy and stale-write guard (privileged sources only).',
    }),
    notBefore: shape.notBefore.meta({
      description: 'Apply no earlier than this instant (ISO 8601, ≤ 24 h ahead).',
    }),
  })
  .strict()
  .meta({ title: 'PresenceChangeRequest' });
export type PresenceChangeBody = z.infer<typeof presenceChangeBodySchema>;

export const acceptedSchema = z
  .object({
    requestId: z.string(),
    version: z.number().int().nonnegative().meta({ description: "The agent's desired-state version." }),
    status: z.string().meta({ description: 'Status right after enqueueing (normally "queued").' }),
    statusUrl: z.string().meta({ description: 'Where to follow the request: GET /v1/requests/{requestId}.' }),
    replayed: z.boolean().optional().meta({
      description: 'True when the Idempotency-Key matched an earlier request (same answer, no new job).',
    }),
  })
  .meta({ title: 'PresenceChangeAccepted' });
export type Accepted = z.infer<typeof acceptedSchema>;

export const requestStatusSchema = z
  .looseObject({
    requestId: z.string(),
    userId: z.string(),
    status: z.string().meta({
      description:
        'queued, then one terminal outcome: applied, superseded, blocked, conflict, rejected or failed.',
    }),
    version: z.number().int().optional(),
    presence: z.unknown().optional(),
    source: z.string().optional(),
    requestedBy: z.string().optional(),
    requestedAt: z.string().optional(),
    completedAt: z.string().optional(),
    detail: z.unknown().optional(),
  })
  .meta({ title: 'RequestStatus' });

export const agentViewSchema = z
  .looseObject({
    userId: z.string(),
    version: z.number().int().nonnegative(),
    desired: z.unknown().optional().meta({ description: 'Latest requested presence (with its request).' }),
    applied: z
      .unknown()
      .optional()
      .meta({ description: 'Last presence this service applied, and its version.' }),
    observed: z
      .unknown()
      .optional()
      .meta({ description: 'Presence last seen at Genesys Cloud (stream or sweep).' }),
    scheduledActivity: z.unknown().optional().meta({ description: 'WFM activity scheduled now, if known.' }),
  })
  .meta({ title: 'AgentView' });

export const problemSchema = z.object({ path: z.string(), message: z.string() });

export const errorSchema = z
  .object({
    code: z.string().meta({
      description:
        'Stable code: VALIDATION_FAILED, UNKNOWN_PRESENCE, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, VERSION_CONFLICT, IDEMPOTENCY_MISMATCH, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, DEPENDENCY_UNAVAILABLE, UPSTREAM_ERROR, INTERNAL.',
    }),
    message: z.string(),
    problems: z.array(problemSchema).optional().meta({ description: 'Every problem found (400).' }),
    currentVersion: z.number().int().optional().meta({ description: 'The current version (409).' }),
    traceId: z.string().optional().meta({ description: 'Id of this HTTP request in the service logs.' }),
  })
  .meta({ title: 'Error' });

export const readinessSchema = z
  .object({
    status: z.enum(['ready', 'not-ready']),
    checks: z.record(
      z.string(),
      z.object({ ok: z.boolean(), ms: z.number(), detail: z.string().optional() }),
    ),
  })
  .meta({ title: 'Readiness' });
