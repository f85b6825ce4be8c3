import type { TerminalOutcome } from '../audit/audit-event';

/** The desired state of an agent: the latest accepted request. */
export interface DesiredPresence {
  requestId: string;
  presenceId: string;
  systemPresence?: string | undefined;
  message?: string | undefined;
  requestedAtMs: number;
  source: string;
  force: boolean;
  notBeforeMs?: number | undefined;
}

/** Everything the agent's state hash holds, parsed. */
export interface AgentStateSnapshot {
  userId: string;
  /** Desired version (0 = never asked). */
  version: number;
  /** The latest request without an outcome yet. */
  openRequestId?: string | undefined;
  desired?: DesiredPresence | undefined;
  appliedVersion: number;
  appliedPresenceId?: string | undefined;
  appliedRequestId?: string | undefined;
  appliedAtMs?: number | undefined;
  /** What Genesys answered to this service's last write (recognises our own change in the stale-write guard). */
  serviceWrite?: { presenceId: string; modifiedMs: number } | undefined;
  /** The last presence seen in Genesys (notification stream, bulk GET, or our own write). */
  observed?: { presenceId: string; modifiedMs: number; observedAtMs: number; source: string } | undefined;
}

function num(value: string | undefined): number | undefined {
  if (value === undefined || value === '') {
    return undefined;
  }
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function str(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Redis replies HGETALL as a flat array inside scripts and as an object outside; both are accepted. */
export function hashToRecord(reply: unknown): Record<string, string> {
  if (Array.isArray(reply)) {
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) {
      out[String(reply[i])] = String(reply[i + 1]);
    }
    return out;
  }
  return (reply ?? {}) as Record<string, string>;
}

export function parseAgentState(userId: string, hash: Record<string, string>): AgentStateSnapshot {
  const presenceId = str(hash.presenceId);
  const requestId = str(hash.requestId);
  const desired: DesiredPresence | undefined =
    presenceId === undefined || requestId === undefined
      ? undefined
      : {
          requestId,
          presenceId,
          systemPresence: str(hash.systemPresence),
          message: hash.message,
          requestedAtMs: num(hash.requestedAt) ?? 0,
          source: hash.source ?? '',
          force: hash.force === '1',
          notBeforeMs: num(hash.notBefore),
        };
  const writeId = str(hash.serviceWritePresenceId);
  const writeMs = num(hash.serviceWriteModifiedMs);
  const observedId = str(hash.observedPresenceId);
  const observedMs = num(hash.observedModifiedMs);
  return {
    userId,
    version: num(hash.version) ?? 0,
    openRequestId: str(hash.openRequestId),
    desired,
    appliedVersion: num(hash.appliedVersion) ?? 0,
    appliedPresenceId: str(hash.appliedPresenceId),
    appliedRequestId: str(hash.appliedRequestId),
    appliedAtMs: num(hash.appliedAt),
    serviceWrite:
      writeId !== undefined && writeMs !== undefined
        ? { presenceId: writeId, modifiedMs: writeMs }
        : undefined,
    observed:
      observedId !== undefined && observedMs !== undefined
        ? {
            presenceId: observedId,
            modifiedMs: observedMs,
            observedAtMs: num(hash.observedAt) ?? 0,
            source: hash.observedSource ?? 'unknown',
          }
        : undefined,
  };
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** An agent as the API shows it (`GET /v1/agents/{userId}`): desired, applied and observed presence, version. */
export interface AgentView {
  userId: string;
  version: number;
  desired?: {
    requestId: string;
    presenceId: string;
    systemPresence?: string | undefined;
    requestedAt: string;
    source: string;
    force: boolean;
    notBefore?: string | undefined;
  };
  applied?: {
    version: number;
    presenceId?: string | undefined;
    requestId?: string | undefined;
    at?: string | undefined;
  };
  observed?: { presenceId: string; modifiedDate: string; observedAt: string; source: string };
  /** The latest request still waiting for its outcome. */
  pendingRequestId?: string;
}

export function toAgentView(state: AgentStateSnapshot): AgentView {
  const view: AgentView = { userId: state.userId, version: state.version };
  if (state.desired !== undefined) {
    const d = state.desired;
    view.desired = {
      requestId: d.requestId,
      presenceId: d.presenceId,
      systemPresence: d.systemPresence,
      requestedAt: new Date(d.requestedAtMs).toISOString(),
      source: d.source,
      force: d.force,
      notBefore: iso(d.notBeforeMs),
    };
  }
  if (state.appliedVersion > 0) {
    view.applied = {
      version: state.appliedVersion,
      presenceId: state.appliedPresenceId,
      requestId: state.appliedRequestId,
      at: iso(state.appliedAtMs),
    };
  }
  if (state.observed !== undefined) {
    view.observed = {
      presenceId: state.observed.presenceId,
      modifiedDate: new Date(state.observed.modifiedMs).toISOString(),
      observedAt: new Date(state.observed.observedAtMs).toISOString(),
      source: state.observed.source,
    };
  }
  if (state.openRequestId !== undefined) {
    view.pendingRequestId = state.openRequestId;
  }
  return view;
}

export type RequestStatusValue = 'pending' | TerminalOutcome;

/** A request as `getRequestStatus` returns it (`GET /v1/requests/{requestId}`). */
export interface RequestStatus {
  requestId: string;
  userId: string;
  version: number;
  status: RequestStatusValue;
  presence: { requested: string; id: string; systemPresence?: string | undefined };
  source: string;
  requestedBy?: string | undefined;
  reason?: string | undefined;
  message?: string | undefined;
  force: boolean;
  expectedVersion?: number | undefined;
  notBefore?: string | undefined;
  requestedAt: string;
  /** The earlier request this one superseded when it was accepted. */
  supersedes?: string | undefined;
  outcome?: {
    at: string;
    /** When the worker decided (schedule looked up at this instant). */
    decidedAt?: string | undefined;
    decision?: string | undefined;
    rule?: string | undefined;
    detail?: string | undefined;
    supersededBy?: string | undefined;
    appliedVersion?: number | undefined;
    override?: boolean | undefined;
    scheduleActivity?: Record<string, unknown> | undefined;
    genesys?: Record<string, unknown> | undefined;
    errorCode?: string | undefined;
    /** Genesys' `modifiedDate` of the write that applied the change. */
    modifiedDate?: string | undefined;
    /** The presence the agent had before (as read for the stale-write guard). */
    previousPresenceId?: string | undefined;
    latencyMs?: number | undefined;
  };
}

function json(value: string | undefined): Record<string, unknown> | undefined {
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

const STATUSES: readonly string[] = [
  'pending',
  'applied',
  'superseded',
  'blocked',
  'conflict',
  'rejected',
  'failed',
];

export function parseRequestRecord(
  requestId: string,
  hash: Record<string, string>,
): RequestStatus | undefined {
  const status = hash.status;
  if (status === undefined || !STATUSES.includes(status)) {
    return undefined;
  }
  const out: RequestStatus = {
    requestId,
    userId: hash.userId ?? '',
    version: num(hash.version) ?? 0,
    status: status as RequestStatusValue,
    presence: {
      requested: hash.presence ?? '',
      id: hash.presenceId ?? '',
      systemPresence: str(hash.systemPresence),
    },
    source: hash.source ?? '',
    requestedBy: str(hash.requestedBy),
    reason: str(hash.reason),
    message: hash.message,
    force: hash.force === '1',
    expectedVersion: num(hash.expectedVersion),
    notBefore: iso(num(hash.notBefore)),
    requestedAt: new Date(num(hash.requestedAt) ?? 0).toISOString(),
    supersedes: str(hash.supersedes),
  };
  if (status !== 'pending') {
    out.outcome = {
      at: new Date(num(hash.outcomeAt) ?? 0).toISOString(),
      decidedAt: iso(num(hash.decidedAt)),
      decision: str(hash.decision),
      rule: str(hash.rule),
      detail: str(hash.detail),
      supersededBy: str(hash.supersededBy),
      appliedVersion: num(hash.appliedVersion),
      override: hash.override === undefined ? undefined : hash.override === '1',
      scheduleActivity: json(hash.scheduleActivity),
      genesys: json(hash.genesys),
      errorCode: str(hash.errorCode),
      modifiedDate: str(hash.modifiedDate),
      previousPresenceId: str(hash.previousPresenceId),
      latencyMs: num(hash.latencyMs),
    };
  }
  return out;
}
