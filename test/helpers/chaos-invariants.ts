import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { TERMINAL_OUTCOMES } from '../../src/audit/audit-event';
import { GENESIS_HEAD, type AuditRecord } from '../../src/audit/audit-record';
import type { AuditStore } from '../../src/audit/audit-store';
import { createAuditStore, type AuditStoreConfig } from '../../src/audit/create-audit-store';
import { verifyChain } from '../../src/audit/verify-chain';
import {
  hashToRecord,
  parseAgentState,
  parseRequestRecord,
  type RequestStatus,
} from '../../src/jobs/agent-state';
import { agentStateKey, requestKey, stripHashTag } from '../../src/jobs/keys';
import { PRESENCE_CHANGE_QUEUE } from '../../src/jobs/queue-names';
import type { EmulatorAdmin } from '../../src/emulator/emulator-admin';

/** Only what the checker reads from Redis (a `Redis` or a `Cluster`). */
export interface HashReader {
  hgetall(key: string): Promise<Record<string, string>>;
}

/** A request the test saw accepted (HTTP 202 or the producer's answer). */
export interface TrackedRequest {
  requestId: string;
  userId: string;
}

export interface InvariantInput {
  redis: HashReader;
  prefix: string;
  accepted: readonly TrackedRequest[];
  audit: AuditStoreConfig;
  emulator: Pick<EmulatorAdmin, 'presenceHistory' | 'presence'>;
}

export interface InvariantReport {
  /** Distinct accepted requests. */
  requests: number;
  /** Requests per final status (`applied`, `superseded`, …, `pending`, `missing`). */
  outcomes: Record<string, number>;
  /** Agents whose final presence was compared. */
  agents: number;
  /** Audit records read (the whole log). */
  auditRecords: number;
  chainOk: boolean;
  /** Everything that breaks the invariant, one line each (empty when it holds). */
  violations: string[];
}

const TERMINAL: readonly string[] = TERMINAL_OUTCOMES;

async function mapChunked<T, R>(
  items: readonly T[],
  size: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  }
  return out;
}

function unique(accepted: readonly TrackedRequest[]): TrackedRequest[] {
  const seen = new Map<string, TrackedRequest>();
  for (const r of accepted) {
    seen.set(r.requestId, r);
  }
  return [...seen.values()];
}

/** The request records of `accepted` as stored in Redis (undefined: no record). */
export async function readRequests(
  redis: HashReader,
  prefix: string,
  accepted: readonly TrackedRequest[],
): Promise<Map<string, RequestStatus | undefined>> {
  const list = unique(accepted);
  const records = await mapChunked(list, 200, async (r) =>
    parseRequestRecord(
      r.requestId,
      hashToRecord(await redis.hgetall(requestKey(prefix, r.userId, r.requestId))),
    ),
  );
  return new Map(list.map((r, i) => [r.requestId, records[i]]));
}

/** Accepted requests that have no terminal outcome yet. */
export async function unsettled(
  redis: HashReader,
  prefix: string,
  accepted: readonly TrackedRequest[],
): Promise<TrackedRequest[]> {
  const records = await readRequests(redis, prefix, accepted);
  return unique(accepted).filter((r) => {
    const status = records.get(r.requestId)?.status;
    return status === undefined || !TERMINAL.includes(status);
  });
}

/**
 * Every request record under `prefix` in Redis (one server, not a cluster): all requests the pipeline accepted,
 * including those whose caller never got the answer (the API died, or answered 503 at its deadline while the
 * write went through). The request id carries the agent id, so the record key is enough.
 */
export async function discoverRequests(redis: Redis, prefix: string): Promise<TrackedRequest[]> {
  const found: TrackedRequest[] = [];
  const pattern = `${stripHashTag(prefix)}:{agent:*}:req:*`;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const match = /\{agent:([^}]+)\}:req:(.+)$/.exec(key);
      if (match?.[1] !== undefined && match[2] !== undefined) {
        found.push({ userId: match[1], requestId: match[2] });
      }
    }
  } while (cursor !== '0');
  return found;
}

export interface SettleOptions {
  /** Longest wait (the test fails with what is still open). */
  timeoutMs: number;
  /** Re-check period (default 250 ms). */
  intervalMs?: number;
}

/**
 * Waits until every accepted request has a terminal outcome in Redis and a terminal audit record in the store;
 * returns how long that took (ms). Bounded: rejects after `timeoutMs` naming what is still open. The system
 * under test is other processes, so the condition is re-read on a short period rather than awaited on one event.
 */
export async function settle(input: InvariantInput, options: SettleOptions): Promise<number> {
  const started = performance.now();
  const interval = options.intervalMs ?? 250;
  let open: TrackedRequest[] = unique(input.accepted);
  let auditMissing = open.length;
  for (;;) {
    open = await unsettled(input.redis, input.prefix, open);
    if (open.length === 0) {
      const terminal = await terminalAuditCounts(input.audit);
      auditMissing = unique(input.accepted).filter((r) => (terminal.get(r.requestId) ?? 0) === 0).length;
      if (auditMissing === 0) {
        return performance.now() - started;
      }
    }
    if (performance.now() - started > options.timeoutMs) {
      throw new Error(
        `not settled within ${options.timeoutMs} ms: ${open.length} request(s) without outcome` +
          ` (first: ${(await Promise.all(open.slice(0, 5).map((r) => describeJob(input, r.requestId)))).join('; ')}),` +
          ` ${open.length === 0 ? auditMissing : '?'} without a terminal audit record`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** A request's presence-change job as BullMQ stored it (state hints and failure reason), for failure messages. */
async function describeJob(input: InvariantInput, requestId: string): Promise<string> {
  try {
    const job = hashToRecord(
      await input.redis.hgetall(`${input.prefix}:${PRESENCE_CHANGE_QUEUE}:${requestId}`),
    );
    if (Object.keys(job).length === 0) {
      return `${requestId} (no job)`;
    }
    const facts = ['attemptsMade', 'stalledCounter', 'processedOn', 'finishedOn', 'failedReason']
      .filter((f) => job[f] !== undefined)
      .map((f) => `${f}=${String(job[f]).slice(0, 120)}`);
    return `${requestId} (job ${facts.join(' ')})`;
  } catch (err) {
    return `${requestId} (job unreadable: ${String(err)})`;
  }
}

async function withStore<T>(config: AuditStoreConfig, fn: (store: AuditStore) => Promise<T>): Promise<T> {
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const store = createAuditStore(config, quiet, { readOnly: true });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Every audit record in stored order. */
export function readAuditRecords(config: AuditStoreConfig): Promise<AuditRecord[]> {
  return withStore(config, async (store) => {
    const records: AuditRecord[] = [];
    for await (const { record } of store.read()) {
      records.push(record);
    }
    return records;
  });
}

async function terminalAuditCounts(config: AuditStoreConfig): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const record of await readAuditRecords(config).catch(() => [] as AuditRecord[])) {
    if (record.requestId !== undefined && TERMINAL.includes(record.type)) {
      counts.set(record.requestId, (counts.get(record.requestId) ?? 0) + 1);
    }
  }
  return counts;
}

/** Verifies the whole chain from genesis to the writer's anchor. */
export function verifyAudit(
  config: AuditStoreConfig,
): Promise<{ ok: boolean; count: number; reason?: string }> {
  return withStore(config, async (store) => {
    const anchor = await store.headAnchor();
    const result = await verifyChain(store.read(), {
      start: GENESIS_HEAD,
      ...(anchor === undefined ? {} : { anchor }),
    });
    return {
      ok: result.ok,
      count: result.count,
      ...(result.broken === undefined ? {} : { reason: result.broken.reason }),
    };
  });
}

/**
 * The invariant of issue 9, checked after the system settled:
 * 1. each accepted request has exactly one terminal outcome (its Redis record is terminal),
 * 2. … and exactly one terminal audit record, of the same type, and one `requested` record;
 * 3. the audit chain verifies from genesis to the writer's anchor;
 * 4. no agent's final presence contradicts its latest applied desired state: the last write this service made
 *    at Genesys (emulator history) is the applied presence in Redis, and unless the agent changed it since, the
 *    agent's presence now is that presence; an applied request's presence is what was applied for its version.
 */
export async function checkInvariants(input: InvariantInput): Promise<InvariantReport> {
  const violations: string[] = [];
  const list = unique(input.accepted);
  const records = await readRequests(input.redis, input.prefix, list);
  const outcomes: Record<string, number> = {};
  for (const r of list) {
    const status = records.get(r.requestId)?.status ?? 'missing';
    outcomes[status] = (outcomes[status] ?? 0) + 1;
    if (!TERMINAL.includes(status)) {
      violations.push(`request ${r.requestId}: no terminal outcome (status ${status})`);
    }
  }

  const audit = await readAuditRecords(input.audit);
  const terminalByRequest = new Map<string, AuditRecord[]>();
  const requestedByRequest = new Map<string, number>();
  for (const record of audit) {
    if (record.requestId === undefined) {
      continue;
    }
    if (TERMINAL.includes(record.type)) {
      const bucket = terminalByRequest.get(record.requestId) ?? [];
      bucket.push(record);
      terminalByRequest.set(record.requestId, bucket);
    } else if (record.type === 'requested') {
      requestedByRequest.set(record.requestId, (requestedByRequest.get(record.requestId) ?? 0) + 1);
    }
  }
  for (const r of list) {
    const terminal = terminalByRequest.get(r.requestId) ?? [];
    const status = records.get(r.requestId)?.status;
    if (terminal.length !== 1) {
      violations.push(
        `request ${r.requestId}: ${terminal.length} terminal audit records (${terminal.map((t) => t.type).join(', ')})`,
      );
    } else if (status !== undefined && terminal[0]?.type !== status) {
      violations.push(
        `request ${r.requestId}: audit says ${terminal[0]?.type}, the request record says ${status}`,
      );
    }
    const requested = requestedByRequest.get(r.requestId) ?? 0;
    if (requested !== 1) {
      violations.push(`request ${r.requestId}: ${requested} "requested" audit records`);
    }
  }

  const chain = await verifyAudit(input.audit);
  if (!chain.ok) {
    violations.push(`audit chain broken after ${chain.count} records: ${chain.reason ?? '?'}`);
  }

  const agents = [...new Set(list.map((r) => r.userId))];
  const states = await mapChunked(agents, 200, async (userId) =>
    parseAgentState(userId, hashToRecord(await input.redis.hgetall(agentStateKey(input.prefix, userId)))),
  );
  for (const state of states) {
    if (state.appliedVersion === 0) {
      continue;
    }
    const appliedAt = state.appliedAtMs ?? 0;
    const history = input.emulator.presenceHistory(state.userId);
    // When the agent got into the applied presence (our write, or — for "already in it, nothing written" — whoever
    // set it): an agent's own change after that moment legitimately overrides it.
    let reachedAt = -1;
    history.forEach((e, i) => {
      if (e.definitionId === state.appliedPresenceId && e.time <= appliedAt) {
        reachedAt = i;
      }
    });
    const agentChangedSince = history.slice(reachedAt + 1).some((e) => e.changedBy === 'agent');
    const now = input.emulator.presence(state.userId).definitionId;
    if (!agentChangedSince && now !== state.appliedPresenceId) {
      violations.push(
        `agent ${state.userId}: presence now ${now}, but v${state.appliedVersion} applied ${state.appliedPresenceId ?? '?'}`,
      );
    }
    const lateWrite = history.find(
      (e) => e.changedBy === 'service' && e.time > appliedAt && e.definitionId !== state.appliedPresenceId,
    );
    if (lateWrite !== undefined) {
      violations.push(
        `agent ${state.userId}: Genesys was set to ${lateWrite.definitionId} after v${state.appliedVersion} (${state.appliedPresenceId ?? '?'}) was applied`,
      );
    }
    const appliedRequest =
      state.appliedRequestId === undefined ? undefined : records.get(state.appliedRequestId);
    if (appliedRequest !== undefined && appliedRequest.status !== 'applied') {
      violations.push(
        `agent ${state.userId}: applied request ${state.appliedRequestId} has status ${appliedRequest.status}`,
      );
    }
    if (appliedRequest !== undefined && appliedRequest.presence.id !== state.appliedPresenceId) {
      violations.push(
        `agent ${state.userId}: applied request asked ${appliedRequest.presence.id}, applied ${state.appliedPresenceId}`,
      );
    }
  }
  // The newest request of an agent that ended `applied` must be the applied version.
  const newest = new Map<string, RequestStatus>();
  for (const record of records.values()) {
    if (record !== undefined && (newest.get(record.userId)?.version ?? -1) < record.version) {
      newest.set(record.userId, record);
    }
  }
  const stateByAgent = new Map(states.map((s) => [s.userId, s]));
  for (const [userId, record] of newest) {
    const state = stateByAgent.get(userId);
    if (record.status === 'applied' && state !== undefined && state.appliedVersion < record.version) {
      violations.push(
        `agent ${userId}: request v${record.version} applied but appliedVersion is ${state.appliedVersion}`,
      );
    }
  }

  return {
    requests: list.length,
    outcomes,
    agents: agents.length,
    auditRecords: audit.length,
    chainOk: chain.ok,
    violations,
  };
}
