/**
 * The version rules of the pipeline, as pure functions. The Lua scripts in `src/jobs/` implement the same rules
 * atomically in Redis; an integration test runs this table against them.
 */

export interface EnqueueState {
  /** The agent's current desired version (0 = no request yet). */
  version: number;
  /** The latest accepted request that has no terminal outcome yet. */
  openRequestId?: string | undefined;
  /** The request whose change is in flight (lease held). */
  inFlightRequestId?: string | undefined;
}

export type EnqueueVerdict =
  | { kind: 'conflict'; currentVersion: number }
  | { kind: 'accept'; version: number; supersedes?: string | undefined };

/**
 * `expectedVersion` given and ≠ current → conflict, nothing written. Else version + 1; the open earlier request is
 * superseded now unless its change is already in flight (then its worker records how it ended).
 */
export function enqueueVerdict(state: EnqueueState, expectedVersion: number | undefined): EnqueueVerdict {
  if (expectedVersion !== undefined && expectedVersion !== state.version) {
    return { kind: 'conflict', currentVersion: state.version };
  }
  const supersedes =
    state.openRequestId !== undefined && state.openRequestId !== state.inFlightRequestId
      ? state.openRequestId
      : undefined;
  return { kind: 'accept', version: state.version + 1, supersedes };
}

export interface JobState {
  jobVersion: number;
  desiredVersion: number;
  requestStatus: 'pending' | 'terminal' | 'missing';
  /** Who holds the agent's lease: nobody, this job's request elsewhere (a stalled duplicate), or another request. */
  lease: 'free' | 'same-request' | 'other-request';
}

export type JobVerdict = 'missing' | 'terminal' | 'busy' | 'superseded' | 'ahead' | 'claim';

/**
 * What a worker does with a presence-change job: records gone → nothing; already decided → nothing (re-emit);
 * the same request in flight elsewhere → wait; a newer version exists → superseded without an API call; a
 * version above the desired one (state lost) → fail; another change of the agent in flight → wait; else claim.
 */
export function jobVerdict(state: JobState): JobVerdict {
  if (state.requestStatus === 'missing') {
    return 'missing';
  }
  if (state.requestStatus === 'terminal') {
    return 'terminal';
  }
  if (state.lease === 'same-request') {
    return 'busy';
  }
  if (state.jobVersion < state.desiredVersion) {
    return 'superseded';
  }
  if (state.jobVersion > state.desiredVersion) {
    return 'ahead';
  }
  return state.lease === 'other-request' ? 'busy' : 'claim';
}
