/**
 * What the HTTP API needs from the presence pipeline (src/jobs producer functions), declared narrowly so the
 * routes can be tested without the pipeline and the pipeline can change shape behind an adapter
 * (src/service builds the adapter).
 */
export interface PresenceChangeCommand {
  userId: string;
  presence: string;
  message?: string;
  reason?: string;
  source: string;
  requestedBy: string;
  force?: boolean;
  notBefore?: string;
  /** From `If-Match`: the version the caller last saw; a different current version is a conflict. */
  expectedVersion?: number;
  /** From `Idempotency-Key`. */
  idempotencyKey?: string;
}

export interface EnqueueAnswer {
  requestId: string;
  version: number;
  /** Normally `queued`; an idempotent replay answers the first request's current status. */
  status: string;
  /** True when an earlier request with the same Idempotency-Key was found (no new job). */
  replayed?: boolean;
}

/** A request's status as the pipeline stores it (shape owned by the pipeline; sent as JSON with every field). */
export interface RequestStatusView {
  requestId: string;
  userId: string;
  status: string;
}

/** An agent's desired / applied / observed presence and version (shape owned by the pipeline; sent whole). */
export interface AgentStateView {
  userId: string;
  version: number;
}

export interface PresenceIngress {
  /**
   * Validates, compare-and-sets the agent's desired state and enqueues the job. Throws errors with the
   * stable codes VALIDATION_FAILED, UNKNOWN_PRESENCE, VERSION_CONFLICT (currentVersion),
   * IDEMPOTENCY_MISMATCH; Redis/Genesys outages surface as their own errors (→ 503).
   */
  enqueue(command: PresenceChangeCommand): Promise<EnqueueAnswer>;
  getRequestStatus(requestId: string): Promise<RequestStatusView | undefined>;
  getAgentView(userId: string): Promise<AgentStateView | undefined>;
}
