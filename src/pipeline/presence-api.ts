/**
 * What the presence pipeline needs from the Genesys client (src/genesys `GenesysClient` satisfies it
 * structurally): bulk read, single and bulk write, and a look at the shared call budget.
 */

/** A user's presence as Genesys reports it. */
export interface PresenceState {
  userId: string;
  presenceDefinitionId: string;
  /** ISO-8601 time of the last change. */
  modifiedDate?: string | undefined;
}

/** Facts about the HTTP call(s) behind a result, for the audit trail. */
export interface CallFacts {
  status: number;
  correlationId: string | undefined;
}

export type BulkWriteResult =
  | { userId: string; ok: true; presence: PresenceState; correlationId: string | undefined }
  | { userId: string; ok: false; error: unknown; correlationId: string | undefined };

export interface PresenceWriteRequest {
  userId: string;
  presenceDefinitionId: string;
  message?: string | undefined;
}

export interface PresenceApi {
  /** ≤ 50 ids per call (the client splits longer lists). */
  getUserPresencesBulk(userIds: readonly string[]): Promise<CallFacts & { data: PresenceState[] }>;
  patchUserPresence(
    userId: string,
    update: { presenceDefinitionId: string; message?: string | undefined },
  ): Promise<CallFacts & { data: PresenceState }>;
  /** Never throws for a failed chunk: every user gets a result. */
  putUserPresencesBulk(
    updates: readonly PresenceWriteRequest[],
  ): Promise<CallFacts & { data: BulkWriteResult[] }>;
  /** Would `n` calls fit the shared budget now? Takes nothing. */
  checkBudget(n?: number): Promise<{ ok: true } | { ok: false; retryAfterMs: number }>;
}
