import { z } from 'zod';

/**
 * What producers of audit evidence (the pipeline, heartbeat sweeps, the follower) hand to the audit queue.
 * The audit worker turns each event into an `AuditRecord` (sequence number, prevHash, hash) in one chain.
 * Never put tokens, secrets or API keys here.
 */
export const AUDIT_EVENT_TYPES = [
  'requested',
  'superseded',
  'blocked',
  'conflict',
  'applied',
  'rejected',
  'failed',
  'drift-detected',
  'heartbeat-reasserted',
  'schedule-followed',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** The terminal outcomes of a presence-change request; each is also an audit event type. */
export const TERMINAL_OUTCOMES = [
  'applied',
  'superseded',
  'blocked',
  'conflict',
  'rejected',
  'failed',
] as const;
export type TerminalOutcome = (typeof TERMINAL_OUTCOMES)[number];

const presenceRef = z
  .object({
    id: z.string().max(64).optional(),
    systemPresence: z.string().max(64).optional(),
    label: z.string().max(200).optional(),
  })
  .strict();

export const auditEventSchema = z
  .object({
    /** Unique per event; the audit store is idempotent on it (a retried job writes nothing twice). */
    eventId: z.string().min(1).max(128),
    type: z.enum(AUDIT_EVENT_TYPES),
    occurredAt: z.iso.datetime(),
    requestId: z.string().max(128).optional(),
    userId: z.string().max(64).optional(),
    source: z.string().max(64).optional(),
    requestedBy: z.string().max(200).optional(),
    reason: z.string().max(1000).optional(),
    requestedPresence: presenceRef.optional(),
    previousPresence: presenceRef.optional(),
    version: z.number().int().nonnegative().optional(),
    appliedVersion: z.number().int().nonnegative().optional(),
    scheduleActivity: z
      .object({
        activityCodeId: z.string().max(64).optional(),
        category: z.string().max(64).optional(),
        start: z.iso.datetime().optional(),
        end: z.iso.datetime().optional(),
      })
      .strict()
      .optional(),
    policyRule: z.string().max(200).optional(),
    decision: z.string().max(200).optional(),
    force: z.boolean().optional(),
    genesys: z
      .object({
        correlationId: z.string().max(128).optional(),
        status: z.number().int().optional(),
        errorCode: z.string().max(128).optional(),
      })
      .strict()
      .optional(),
    latencyMs: z.number().nonnegative().optional(),
    detail: z.string().max(2000).optional(),
  })
  .strict();

export type AuditEvent = z.infer<typeof auditEventSchema>;

/** Where producers send audit events. The audit queue implements it; tests may collect in memory. */
export interface AuditEmitter {
  emit(events: readonly AuditEvent[]): Promise<void>;
}
