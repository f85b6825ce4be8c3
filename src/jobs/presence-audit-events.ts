import type { AuditEvent, AuditEventType } from '../audit/audit-event';

/**
 * Audit events of the presence pipeline, built from a request record (the Redis hash), so the same event can be
 * emitted again after a crash: event ids are `<requestId>:<type>` and the audit store is idempotent on them.
 */

const cut = (value: string | undefined, max: number): string | undefined =>
  value === undefined || value === ''
    ? undefined
    : value.length > max
      ? `${value.slice(0, max - 1)}…`
      : value;

function num(value: string | undefined): number | undefined {
  if (value === undefined || value === '') {
    return undefined;
  }
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function parse(value: string | undefined): Record<string, unknown> | undefined {
  if (value === undefined || value === '') {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function stringField(obj: Record<string, unknown> | undefined, key: string, max: number): string | undefined {
  const v = obj?.[key];
  return typeof v === 'string' ? cut(v, max) : undefined;
}

function base(
  type: AuditEventType,
  requestId: string,
  rec: Record<string, string>,
  atMs: number,
): AuditEvent {
  const event: AuditEvent = {
    eventId: `${requestId}:${type}`,
    type,
    occurredAt: new Date(atMs).toISOString(),
    requestId,
    userId: rec.userId,
    source: cut(rec.source, 64),
    requestedBy: cut(rec.requestedBy, 200),
    reason: cut(rec.reason, 1000),
    requestedPresence: {
      id: cut(rec.presenceId, 64),
      systemPresence: cut(rec.systemPresence, 64),
      label: cut(rec.presence, 200),
    },
    version: num(rec.version),
    force: rec.force === '1',
  };
  return event;
}

function clean(event: AuditEvent): AuditEvent {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(event)) {
    if (v === undefined) {
      continue;
    }
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const inner = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined));
      if (Object.keys(inner).length > 0) {
        out[k] = inner;
      }
      continue;
    }
    out[k] = v;
  }
  return out as AuditEvent;
}

/** "Request accepted": emitted when the CAS succeeded. */
export function requestedEvent(requestId: string, rec: Record<string, string>): AuditEvent {
  const atMs = num(rec.requestedAt) ?? Date.now();
  return clean({
    ...base('requested', requestId, rec, atMs),
    decision: 'accepted',
    detail: rec.expectedVersion === undefined ? undefined : `expected version ${rec.expectedVersion}`,
  });
}

/**
 * The terminal outcome of a request (`applied`, `superseded`, `blocked`, `conflict`, `rejected`, `failed`), from
 * the record as the finalize script left it.
 */
export function outcomeEvent(requestId: string, rec: Record<string, string>): AuditEvent | undefined {
  const status = rec.status;
  if (status === undefined || status === 'pending') {
    return undefined;
  }
  const type = status as AuditEventType;
  const atMs = num(rec.outcomeAt) ?? Date.now();
  const activity = parse(rec.scheduleActivity);
  const genesys = parse(rec.genesys);
  const genesysStatus = genesys?.status;
  const supersededBy = rec.supersededBy;
  return clean({
    ...base(type, requestId, rec, atMs),
    previousPresence:
      rec.previousPresenceId === undefined ? undefined : { id: cut(rec.previousPresenceId, 64) },
    appliedVersion: num(rec.appliedVersion),
    scheduleActivity:
      activity === undefined
        ? undefined
        : {
            activityCodeId: stringField(activity, 'activityCodeId', 64),
            category: stringField(activity, 'category', 64),
            start: stringField(activity, 'start', 40),
            end: stringField(activity, 'end', 40),
          },
    policyRule: cut(rec.rule, 200),
    decision: cut(rec.decision ?? (supersededBy ? `superseded by ${supersededBy}` : status), 200),
    genesys:
      genesys === undefined && rec.errorCode === undefined
        ? undefined
        : {
            correlationId: stringField(genesys, 'correlationId', 128),
            status: typeof genesysStatus === 'number' ? genesysStatus : undefined,
            errorCode: cut(rec.errorCode, 128),
          },
    latencyMs: num(rec.latencyMs),
    detail: cut(
      [rec.detail, supersededBy === undefined ? undefined : `superseded by ${supersededBy}`]
        .filter((x) => x !== undefined && x !== '')
        .join('; '),
      2000,
    ),
  });
}
