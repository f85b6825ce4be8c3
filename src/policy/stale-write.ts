/**
 * The stale-write guard (ARCHITECTURE.md §5): Genesys has no versioning on presence (last write wins), so before
 * writing, the worker compares the agent's current presence with the request's time. A change made after the
 * request by someone else (the agent in the UI, another tool) means the request is stale: outcome `conflict`,
 * unless forced. The service's own last write is recognised by its presence and `modifiedDate`.
 */

export interface CurrentPresence {
  presenceId: string;
  /** ISO-8601 `modifiedDate` from Genesys; absent when unknown. */
  modifiedDate?: string | undefined;
}

/** What this service last wrote for the agent, as Genesys answered it. */
export interface ServiceWrite {
  presenceId: string;
  modifiedDate: string;
}

export interface StaleWriteInput {
  requestedAtMs: number;
  current: CurrentPresence | undefined;
  lastServiceWrite?: ServiceWrite | undefined;
  /** Slack when matching our own write's `modifiedDate` (Genesys rounds; default 1,000 ms). */
  toleranceMs?: number;
}

export type StaleWriteVerdict =
  | { stale: false; reason: 'unknown-current' | 'not-modified-since-request' | 'own-write' }
  | { stale: true; modifiedAtMs: number; detail: string };

export function checkStaleWrite(input: StaleWriteInput): StaleWriteVerdict {
  const { current, lastServiceWrite, requestedAtMs } = input;
  const tolerance = input.toleranceMs ?? 1_000;
  const modified = current?.modifiedDate === undefined ? Number.NaN : Date.parse(current.modifiedDate);
  if (current === undefined || Number.isNaN(modified)) {
    return { stale: false, reason: 'unknown-current' };
  }
  if (modified <= requestedAtMs) {
    return { stale: false, reason: 'not-modified-since-request' };
  }
  if (
    lastServiceWrite !== undefined &&
    lastServiceWrite.presenceId === current.presenceId &&
    Math.abs(Date.parse(lastServiceWrite.modifiedDate) - modified) <= tolerance
  ) {
    return { stale: false, reason: 'own-write' };
  }
  return {
    stale: true,
    modifiedAtMs: modified,
    detail: `presence changed to ${current.presenceId} at ${new Date(modified).toISOString()} by someone else, after the request (${new Date(requestedAtMs).toISOString()})`,
  };
}

/** The agent already shows the asked presence and no message is to be set: nothing to write. */
export function alreadyInPresence(
  current: CurrentPresence | undefined,
  presenceId: string,
  message: string | undefined,
): boolean {
  return current !== undefined && message === undefined && current.presenceId === presenceId;
}
