/**
 * Checking what Genesys answered for a batch of presence writes against what was asked (pure).
 */

export interface AskedChange {
  userId: string;
  presenceId: string;
}

export interface ReportedPresence {
  userId: string;
  presenceId?: string | undefined;
  modifiedDate?: string | undefined;
}

export interface BatchCheck {
  /** Users whose answer shows the asked presence. */
  confirmed: Map<string, ReportedPresence>;
  /** Users missing from the answer, or answered with another presence. */
  unconfirmed: string[];
}

/** Per-user check of a bulk PUT answer: each asked user must come back with the asked presence. */
export function checkBatchAnswer(
  asked: readonly AskedChange[],
  answer: readonly ReportedPresence[],
): BatchCheck {
  const byUser = new Map(answer.map((r) => [r.userId, r]));
  const confirmed = new Map<string, ReportedPresence>();
  const unconfirmed: string[] = [];
  for (const change of asked) {
    const reported = byUser.get(change.userId);
    if (reported !== undefined && reported.presenceId === change.presenceId) {
      confirmed.set(change.userId, reported);
    } else {
      unconfirmed.push(change.userId);
    }
  }
  return { confirmed, unconfirmed };
}

/**
 * After a write whose result is unknown (timeout, connection reset, 5xx), a read-back tells which users did get
 * the change: the asked presence, modified no earlier than `sentAtMs − skewMs`. Those count as applied, so a
 * retry does not write them twice.
 */
export function confirmByReadBack(
  asked: readonly AskedChange[],
  current: readonly ReportedPresence[],
  sentAtMs: number,
  skewMs = 1_000,
): BatchCheck {
  const byUser = new Map(current.map((r) => [r.userId, r]));
  const confirmed = new Map<string, ReportedPresence>();
  const unconfirmed: string[] = [];
  for (const change of asked) {
    const now = byUser.get(change.userId);
    const modified = now?.modifiedDate === undefined ? Number.NaN : Date.parse(now.modifiedDate);
    if (now !== undefined && now.presenceId === change.presenceId && modified >= sentAtMs - skewMs) {
      confirmed.set(change.userId, now);
    } else {
      unconfirmed.push(change.userId);
    }
  }
  return { confirmed, unconfirmed };
}
