import { randomBytes } from 'node:crypto';

/**
 * Redis key layout of the presence pipeline (ARCHITECTURE.md §5).
 *
 * Every per-agent key carries the agent's hash tag `{agent:<id>}` so a Lua script touching the agent's state, its
 * requests, its lease and its idempotency keys stays in one Redis Cluster slot. The braces of `QUEUE_PREFIX` are
 * stripped in agent keys (`{gpw}` → `gpw`) so agents spread over the slots instead of piling into the prefix's one.
 *
 * | key | type | holds |
 * |---|---|---|
 * | `<p>:{agent:<id>}:state` | hash | desired, applied and observed presence, version (see agent-state.ts) |
 * | `<p>:{agent:<id>}:req:<requestId>` | hash | one request's record and outcome (TTL) |
 * | `<p>:{agent:<id>}:idem:<source>:<key>` | string | `requestId|version|bodyHash` of an idempotency key (TTL) |
 * | `<p>:{agent:<id>}:lease` | string | `token|requestId` of the change in flight (TTL) |
 * | `<p>:{agent:<id>}:observed` | hash | last presence seen by the notification stream (stream role, fenced) |
 * | `<p>:{agent:<id>}:timeline` | string | the agent's `AgentTimeline` JSON (schedule cache, TTL) |
 * | `<p>:{agent:<id>}:wfm-unit` | string | the agent's business / management unit ids (TTL) |
 * | `<p>:presence-change:outbox` | zset | requests accepted but not yet known to be on the queue |
 */

/** `QUEUE_PREFIX` without hash-tag braces, for keys that carry their own tag. */
export function stripHashTag(prefix: string): string {
  return prefix.replace(/[{}]/g, '');
}

/** `<p>:{agent:<id>}`: the common part of every key of one agent. */
export function agentKeyBase(prefix: string, userId: string): string {
  return `${stripHashTag(prefix)}:{agent:${userId}}`;
}

export function agentStateKey(prefix: string, userId: string): string {
  return `${agentKeyBase(prefix, userId)}:state`;
}

/** Last presence observed at Genesys (stream): presenceDefinitionId, systemPresence, modifiedDate, observedAt. */
export const observedKey = (prefix: string, userId: string): string =>
  `${agentKeyBase(prefix, userId)}:observed`;

export function agentLeaseKey(prefix: string, userId: string): string {
  return `${agentKeyBase(prefix, userId)}:lease`;
}

export function requestKey(prefix: string, userId: string, requestId: string): string {
  return `${agentKeyBase(prefix, userId)}:req:${requestId}`;
}

export function idempotencyKey(prefix: string, userId: string, source: string, key: string): string {
  return `${agentKeyBase(prefix, userId)}:idem:${source}:${key}`;
}

/** Where an agent's schedule timeline is cached; the schedule sync writes the same key. */
export function timelineKey(prefix: string, userId: string): string {
  return `${agentKeyBase(prefix, userId)}:timeline`;
}

/** The agent's WFM business and management unit, cached by the schedule source. */
export function wfmUnitKey(prefix: string, userId: string): string {
  return `${agentKeyBase(prefix, userId)}:wfm-unit`;
}

/** Requests whose CAS succeeded but whose job is not yet known to be on the queue (write-ahead outbox). */
export function enqueueOutboxKey(prefix: string): string {
  return `${stripHashTag(prefix)}:presence-change:outbox`;
}

/**
 * Request ids carry the agent's id (`<userId>.<time><random>`) so a status lookup finds the request's key, which
 * lives in the agent's hash slot, without a global index. They contain no `:` (BullMQ job ids may not).
 */
export function newRequestId(userId: string, nowMs: number): string {
  return `${userId}.${nowMs.toString(36)}${randomBytes(8).toString('hex')}`;
}

const REQUEST_ID = /^([0-9A-Za-z-]{1,64})\.([0-9a-z]{6,40})$/;

/** The agent id inside a request id, or undefined when the id is not one of ours. */
export function userIdOfRequest(requestId: string): string | undefined {
  const match = REQUEST_ID.exec(requestId);
  return match?.[1];
}
