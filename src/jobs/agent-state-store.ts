import type { TerminalOutcome } from '../audit/audit-event';
import type { RedisConnection } from '../redis';
import {
  CLAIM_SCRIPT,
  ENQUEUE_SCRIPT,
  FINALIZE_SCRIPT,
  MARK_AUDITED_SCRIPT,
  OBSERVE_SCRIPT,
  RELEASE_SCRIPT,
  RENEW_SCRIPT,
  SETTLE_ENQUEUE_SCRIPT,
} from './agent-scripts';
import {
  hashToRecord,
  parseAgentState,
  parseRequestRecord,
  type AgentStateSnapshot,
  type RequestStatus,
} from './agent-state';
import {
  agentKeyBase,
  agentLeaseKey,
  agentStateKey,
  idempotencyKey,
  observedKey,
  requestKey,
  userIdOfRequest,
} from './keys';

type Fields = Record<string, string | number | undefined>;

function pairs(fields: Fields): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined) {
      out.push(k, String(v));
    }
  }
  return out;
}

export interface EnqueueCas {
  userId: string;
  requestId: string;
  expectedVersion?: number | undefined;
  nowMs: number;
  requestTtlMs: number;
  idempotency?: { source: string; key: string; ttlMs: number; bodyHash: string } | undefined;
  /**
   * The enqueue outbox key: an accepted request is added to it (score `nowMs`) in the same script. Single-node
   * Redis only (the outbox is in another hash slot); leave it out when the caller writes the outbox itself.
   */
  outbox?: string | undefined;
  /** Desired-state fields stored in the agent hash. */
  desired: Fields;
  /** Request-record fields. */
  record: Fields;
}

export type EnqueueCasResult =
  | {
      kind: 'accepted';
      requestId: string;
      version: number;
      /** The earlier request this one superseded, with its record as the script left it (status `superseded`). */
      superseded?: { requestId: string; version: number; record: Record<string, string> };
    }
  | { kind: 'duplicate'; requestId: string; version: number; status: string }
  | { kind: 'mismatch'; requestId: string }
  | { kind: 'conflict'; currentVersion: number };

export type ClaimResult =
  | { kind: 'missing' }
  /**
   * Decided already. `record` is the request record when its outcome event may not have been queued yet (emit it
   * again); undefined when the event is known to be queued (`markOutcomeAudited`).
   */
  | { kind: 'terminal'; status: string; record?: Record<string, string> | undefined }
  | { kind: 'busy'; ttlMs: number }
  | { kind: 'superseded'; by: string }
  | { kind: 'ahead'; desiredVersion: number }
  | { kind: 'claimed'; state: AgentStateSnapshot; streamObserved?: StreamObservation | undefined };

/** The stream role's last observation of the agent (`observedKey`). */
export interface StreamObservation {
  presenceId: string;
  modifiedMs: number;
  observedAtMs: number;
}

function parseStreamObservation(hash: Record<string, string>): StreamObservation | undefined {
  const presenceId = hash.presenceDefinitionId;
  const modifiedMs = hash.modifiedDate === undefined ? Number.NaN : Date.parse(hash.modifiedDate);
  const observedAtMs = hash.observedAt === undefined ? Number.NaN : Date.parse(hash.observedAt);
  if (presenceId === undefined || presenceId === '' || Number.isNaN(modifiedMs)) {
    return undefined;
  }
  return { presenceId, modifiedMs, observedAtMs: Number.isNaN(observedAtMs) ? 0 : observedAtMs };
}

export interface FinalizeInput {
  userId: string;
  requestId: string;
  version: number;
  outcome: TerminalOutcome;
  leaseToken?: string | undefined;
  nowMs: number;
  requestTtlMs: number;
  /** For `applied`: the presence now set, and Genesys' `modifiedDate` of our write (absent when nothing was written). */
  appliedPresenceId?: string | undefined;
  modifiedMs?: number | undefined;
  record: Fields;
}

/** `record`: the request record after the script (to build the audit event without another read). */
export type FinalizeResult =
  | { kind: 'ok'; record: Record<string, string> }
  | { kind: 'terminal'; status: string; record: Record<string, string> }
  | { kind: 'missing' };

/**
 * Data access for agents' desired/applied/observed state, their request records and leases: every write goes
 * through one of the atomic scripts in agent-scripts.ts.
 */
export class AgentStateStore {
  constructor(
    private readonly redis: RedisConnection,
    readonly prefix: string,
  ) {}

  async enqueue(input: EnqueueCas): Promise<EnqueueCasResult> {
    const { userId } = input;
    const keys = [
      agentStateKey(this.prefix, userId),
      requestKey(this.prefix, userId, input.requestId),
      agentLeaseKey(this.prefix, userId),
    ];
    if (input.outbox !== undefined) {
      keys.push(input.outbox);
    }
    if (input.idempotency !== undefined) {
      keys.push(idempotencyKey(this.prefix, userId, input.idempotency.source, input.idempotency.key));
    }
    const desired = pairs(input.desired);
    const reply = (await ENQUEUE_SCRIPT.run(this.redis, keys, [
      agentKeyBase(this.prefix, userId),
      input.requestId,
      input.expectedVersion === undefined ? '' : input.expectedVersion,
      input.nowMs,
      input.requestTtlMs,
      input.idempotency?.ttlMs ?? 0,
      input.idempotency?.bodyHash ?? '',
      input.outbox === undefined ? '' : '1',
      desired.length / 2,
      ...desired,
      ...pairs(input.record),
    ])) as unknown[];
    switch (reply[0]) {
      case 'accepted': {
        const supersededId = String(reply[3] ?? '');
        return {
          kind: 'accepted',
          requestId: String(reply[1]),
          version: Number(reply[2]),
          ...(supersededId === ''
            ? {}
            : {
                superseded: {
                  requestId: supersededId,
                  version: Number(reply[4]),
                  record: hashToRecord(reply[5]),
                },
              }),
        };
      }
      case 'duplicate':
        return {
          kind: 'duplicate',
          requestId: String(reply[1]),
          version: Number(reply[2]),
          status: String(reply[3]),
        };
      case 'mismatch':
        return { kind: 'mismatch', requestId: String(reply[1]) };
      case 'conflict':
        return { kind: 'conflict', currentVersion: Number(reply[1]) };
      default:
        throw new Error(`unexpected enqueue script reply ${JSON.stringify(reply)}`);
    }
  }

  async claim(
    userId: string,
    requestId: string,
    version: number,
    leaseToken: string,
    leaseMs: number,
    nowMs: number,
    requestTtlMs: number,
  ): Promise<ClaimResult> {
    const reply = (await CLAIM_SCRIPT.run(
      this.redis,
      [
        agentStateKey(this.prefix, userId),
        requestKey(this.prefix, userId, requestId),
        agentLeaseKey(this.prefix, userId),
        observedKey(this.prefix, userId),
      ],
      [requestId, version, leaseToken, leaseMs, nowMs, requestTtlMs],
    )) as unknown[];
    switch (reply[0]) {
      case 'missing':
        return { kind: 'missing' };
      case 'terminal': {
        const record = hashToRecord(reply[2]);
        return {
          kind: 'terminal',
          status: String(reply[1]),
          record: Object.keys(record).length === 0 ? undefined : record,
        };
      }
      case 'busy':
        return { kind: 'busy', ttlMs: Math.max(0, Number(reply[1])) };
      case 'superseded':
        return { kind: 'superseded', by: String(reply[1]) };
      case 'ahead':
        return { kind: 'ahead', desiredVersion: Number(reply[1]) };
      case 'claimed':
        return {
          kind: 'claimed',
          state: parseAgentState(userId, hashToRecord(reply[1])),
          streamObserved: parseStreamObservation(hashToRecord(reply[2])),
        };
      default:
        throw new Error(`unexpected claim script reply ${JSON.stringify(reply)}`);
    }
  }

  async finalize(input: FinalizeInput): Promise<FinalizeResult> {
    const { userId } = input;
    const reply = (await FINALIZE_SCRIPT.run(
      this.redis,
      [
        agentStateKey(this.prefix, userId),
        requestKey(this.prefix, userId, input.requestId),
        agentLeaseKey(this.prefix, userId),
      ],
      [
        input.requestId,
        input.version,
        input.outcome,
        input.leaseToken ?? '',
        input.nowMs,
        input.requestTtlMs,
        input.appliedPresenceId ?? '',
        input.modifiedMs === undefined ? '' : Math.round(input.modifiedMs),
        ...pairs(input.record),
      ],
    )) as unknown[];
    switch (reply[0]) {
      case 'ok':
        return { kind: 'ok', record: hashToRecord(reply[2]) };
      case 'terminal':
        return { kind: 'terminal', status: String(reply[1]), record: hashToRecord(reply[2]) };
      default:
        return { kind: 'missing' };
    }
  }

  /**
   * Notes that a decided request's terminal audit event is queued, so its job, when it runs, does not emit it
   * again. Call only after the emit succeeded. False when the record is gone or not decided.
   */
  async markOutcomeAudited(requestId: string): Promise<boolean> {
    const userId = userIdOfRequest(requestId);
    if (userId === undefined) {
      return false;
    }
    return (
      (await MARK_AUDITED_SCRIPT.run(this.redis, [requestKey(this.prefix, userId, requestId)], [])) === 1
    );
  }

  /**
   * Removes a request whose job was added from the enqueue `outbox` and, given the request it superseded (whose
   * outcome event was queued), marks that one as `markOutcomeAudited` does — one round trip. Single-node Redis only.
   */
  async settleEnqueue(outbox: string, requestId: string, supersededRequestId?: string): Promise<void> {
    const supersededUser =
      supersededRequestId === undefined ? undefined : userIdOfRequest(supersededRequestId);
    const keys =
      supersededRequestId === undefined || supersededUser === undefined
        ? [outbox]
        : [outbox, requestKey(this.prefix, supersededUser, supersededRequestId)];
    await SETTLE_ENQUEUE_SCRIPT.run(this.redis, keys, [requestId]);
  }

  async release(userId: string, leaseToken: string): Promise<boolean> {
    return (await RELEASE_SCRIPT.run(this.redis, [agentLeaseKey(this.prefix, userId)], [leaseToken])) === 1;
  }

  /** Extends the leases held; returns the user ids whose lease was lost. */
  async renew(leases: ReadonlyArray<{ userId: string; token: string }>, leaseMs: number): Promise<string[]> {
    const results = await Promise.all(
      leases.map((l) =>
        RENEW_SCRIPT.run(this.redis, [agentLeaseKey(this.prefix, l.userId)], [l.token, leaseMs]),
      ),
    );
    return leases.filter((_, i) => results[i] !== 1).map((l) => l.userId);
  }

  /**
   * Records a presence seen in Genesys (notification stream, bulk GET, heartbeat), unless a newer observation
   * is already stored. Used by the stale-write guard.
   */
  async recordObservedPresence(
    userId: string,
    observed: { presenceId: string; modifiedMs: number; observedAtMs: number; source: string },
  ): Promise<boolean> {
    const reply = await OBSERVE_SCRIPT.run(
      this.redis,
      [agentStateKey(this.prefix, userId)],
      [observed.presenceId, Math.round(observed.modifiedMs), observed.observedAtMs, observed.source],
    );
    return reply === 1;
  }

  async getAgentState(userId: string): Promise<AgentStateSnapshot | undefined> {
    const hash = await this.redis.hgetall(agentStateKey(this.prefix, userId));
    return Object.keys(hash).length === 0 ? undefined : parseAgentState(userId, hash);
  }

  /** Raw request record (undefined when unknown or expired). */
  async getRequestRecord(requestId: string): Promise<Record<string, string> | undefined> {
    const userId = userIdOfRequest(requestId);
    if (userId === undefined) {
      return undefined;
    }
    const hash = await this.redis.hgetall(requestKey(this.prefix, userId, requestId));
    return Object.keys(hash).length === 0 ? undefined : hash;
  }

  async getRequestStatus(requestId: string): Promise<RequestStatus | undefined> {
    const hash = await this.getRequestRecord(requestId);
    return hash === undefined ? undefined : parseRequestRecord(requestId, hash);
  }
}
