import { createHash, randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import type { Logger } from 'pino';
import type { AuditEmitter } from '../audit/audit-event';
import type { Config } from '../config';
import type { RedisConnection } from '../redis';
import { toAgentView, type AgentView, type RequestStatus } from './agent-state';
import { AgentStateStore } from './agent-state-store';
import { EnqueuePublisher } from './enqueue-publisher';
import { enqueueOutboxKey, newRequestId } from './keys';
import {
  PIPELINE_ERROR_CODES,
  ForceNotPermittedError,
  IdempotencyMismatchError,
  UnknownPresenceError,
  VersionConflictError,
} from './pipeline-errors';
import {
  parsePresenceChangeRequest,
  USER_ID_PATTERN,
  type PresenceChangeRequest,
} from './presence-change-request';
import type { PresenceJobConfig } from './presence-change-job';

/** A presence definition as the producer needs it. */
export interface ResolvedPresence {
  id: string;
  /** Canonical or raw system presence (`ON_QUEUE`, `OnQueue`…); the policy normalises. */
  systemPresence?: string | undefined;
  name?: string | undefined;
}

/** Name or id → presence definition (the Genesys client's cached resolver). Undefined when unknown. */
export interface PresenceResolver {
  resolvePresence(nameOrId: string): Promise<ResolvedPresence | undefined>;
}

export type ProducerConfig = PresenceJobConfig &
  Pick<Config, 'QUEUE_PREFIX' | 'REQUEST_TTL_SECONDS' | 'IDEMPOTENCY_TTL_SECONDS'>;

export interface EnqueueResult {
  requestId: string;
  version: number;
  /** `queued` for a new request; for an idempotent replay, the first request's current status. */
  status: string;
  /** True when the idempotency key matched an earlier request (no new request, no job). */
  replayed: boolean;
  /** The earlier request this one superseded (it ends as `superseded`). */
  supersededRequestId?: string;
}

export interface ProducerObserver {
  /** `accepted`, `replayed`, `invalid`, `unknown-presence`, `conflict`, `idempotency-mismatch`, `forbidden`. */
  onEnqueue?(result: string, source: string): void;
  onOutcome?(outcome: string, source: string): void;
}

export interface PresenceProducerDeps {
  /** Producer-profile connection (fail fast). */
  redis: RedisConnection;
  /** The one `presence-change` Queue of the process. */
  queue: Pick<Queue, 'add'>;
  resolver: PresenceResolver;
  audit: AuditEmitter;
  config: ProducerConfig;
  logger: Pick<Logger, 'warn' | 'debug'>;
  /** When given, `force` from other sources is refused at once (the worker checks again). */
  privilegedSources?: readonly string[];
  observer?: ProducerObserver;
  now?: () => number;
}

/** Refusals that end a request at once with a `rejected` audit event (outages are not refusals). */
const REFUSALS: ReadonlySet<string> = new Set([
  PIPELINE_ERROR_CODES.validationFailed,
  PIPELINE_ERROR_CODES.unknownPresence,
  PIPELINE_ERROR_CODES.forceNotPermitted,
  PIPELINE_ERROR_CODES.versionConflict,
  PIPELINE_ERROR_CODES.idempotencyMismatch,
]);

function stringify(fields: Record<string, string | number | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined) {
      out[k] = String(v);
    }
  }
  return out;
}

function bodyHash(request: PresenceChangeRequest, presenceId: string): string {
  const canonical = JSON.stringify([
    request.userId,
    presenceId,
    request.message ?? null,
    request.reason ?? null,
    request.source,
    request.requestedBy ?? null,
    request.expectedVersion ?? null,
    request.force ?? false,
    request.notBefore === undefined ? null : Date.parse(request.notBefore),
  ]);
  return createHash('sha256').update(canonical).digest('base64url');
}

/**
 * The producer side of the pipeline (ARCHITECTURE.md §2 steps 1–4): validate, resolve the presence, compare-and-set
 * the agent's desired state in one Lua script, audit, add the job.
 *
 * "Nothing lost" between the CAS and `queue.add`: the CAS script adds the request id to an outbox sorted set (on a
 * cluster the producer writes it before the CAS) and it is removed after the job is added. If the process dies (or
 * Redis drops) in between, the request is still accepted — it is in the agent's state with status `pending` — and
 * `recoverOutbox()` (run periodically by every presence worker) re-emits its audit event and adds its job. The job id is the request id and audit event ids
 * are derived from it, so a recovery that races the original producer adds nothing twice.
 */
export class PresenceProducer {
  readonly store: AgentStateStore;
  private readonly publisher: EnqueuePublisher;
  private readonly now: () => number;

  constructor(private readonly deps: PresenceProducerDeps) {
    this.store = new AgentStateStore(deps.redis, deps.config.QUEUE_PREFIX);
    this.now = deps.now ?? Date.now;
    this.publisher = new EnqueuePublisher({
      redis: deps.redis,
      queue: deps.queue,
      audit: deps.audit,
      config: deps.config,
      logger: deps.logger,
      observer: deps.observer,
      now: this.now,
    });
  }

  /**
   * Accepts a presence-change request. Throws `VALIDATION_FAILED` (every problem listed), `UNKNOWN_PRESENCE`,
   * `FORCE_NOT_PERMITTED`, `VERSION_CONFLICT` (with `currentVersion`) or `IDEMPOTENCY_MISMATCH`; nothing is
   * written on any of them. Redis or Genesys outages surface as their own errors.
   */
  async enqueuePresenceChange(input: unknown): Promise<EnqueueResult> {
    const now = this.now();
    try {
      return await this.accept(input, now);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && REFUSALS.has(code)) {
        await this.auditRejection(input, err as Error & { code: string }, now);
      }
      throw err;
    }
  }

  /** A refused request leaves a `rejected` audit event (who asked for what, and why it was refused). */
  private async auditRejection(input: unknown, err: Error & { code: string }, now: number): Promise<void> {
    const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
    const text = (value: unknown, max: number, pattern?: RegExp): string | undefined =>
      typeof value === 'string' && value.length <= max && (pattern === undefined || pattern.test(value))
        ? value
        : undefined;
    const problems = (err as { problems?: ReadonlyArray<{ path: string; message: string }> }).problems;
    const detail =
      problems === undefined
        ? err.message
        : problems.map((p) => `${p.path || '(request)'}: ${p.message}`).join('; ');
    try {
      await this.deps.audit.emit([
        {
          eventId: `rejected:${randomUUID()}`,
          type: 'rejected',
          occurredAt: new Date(now).toISOString(),
          userId: text(raw.userId, 64, USER_ID_PATTERN),
          source: text(raw.source, 64, /^[a-z0-9][a-z0-9._-]{0,63}$/),
          decision: err.code,
          detail: detail.slice(0, 2000),
        },
      ]);
    } catch (auditErr) {
      this.deps.logger.warn({ err: auditErr }, 'could not audit a rejected presence-change request');
    }
  }

  private async accept(input: unknown, now: number): Promise<EnqueueResult> {
    const source =
      typeof (input as { source?: unknown } | null)?.source === 'string'
        ? String((input as { source: string }).source)
        : 'unknown';
    let request: PresenceChangeRequest;
    try {
      request = parsePresenceChangeRequest(input, now);
    } catch (err) {
      this.deps.observer?.onEnqueue?.('invalid', source);
      throw err;
    }
    const presence = await this.deps.resolver.resolvePresence(request.presence);
    if (presence === undefined) {
      this.deps.observer?.onEnqueue?.('unknown-presence', request.source);
      throw new UnknownPresenceError(request.presence);
    }
    if (
      request.force === true &&
      this.deps.privilegedSources !== undefined &&
      !this.deps.privilegedSources.includes(request.source)
    ) {
      this.deps.observer?.onEnqueue?.('forbidden', request.source);
      throw new ForceNotPermittedError(request.source);
    }

    const { config } = this.deps;
    const requestId = newRequestId(request.userId, now);
    const notBeforeMs = request.notBefore === undefined ? undefined : Date.parse(request.notBefore);
    const record = {
      userId: request.userId,
      presence: request.presence,
      presenceId: presence.id,
      systemPresence: presence.systemPresence,
      message: request.message,
      reason: request.reason,
      source: request.source,
      requestedBy: request.requestedBy,
      requestedAt: now,
      expectedVersion: request.expectedVersion,
      force: request.force === true ? 1 : 0,
      notBefore: notBeforeMs,
    };
    const outbox = enqueueOutboxKey(config.QUEUE_PREFIX);
    // The outbox entry must exist once the CAS has accepted. On a single node the script adds it, atomically with
    // the CAS and only when accepted; on a cluster the outbox is in another slot, so it is written first (and
    // removed again when the request is not accepted).
    const inCluster = this.deps.redis instanceof Cluster;
    if (inCluster) {
      await this.deps.redis.zadd(outbox, now, requestId);
    }
    const result = await this.store.enqueue({
      userId: request.userId,
      requestId,
      expectedVersion: request.expectedVersion,
      nowMs: now,
      requestTtlMs: config.REQUEST_TTL_SECONDS * 1000,
      idempotency:
        request.idempotencyKey === undefined
          ? undefined
          : {
              source: request.source,
              key: request.idempotencyKey,
              ttlMs: config.IDEMPOTENCY_TTL_SECONDS * 1000,
              bodyHash: bodyHash(request, presence.id),
            },
      desired: {
        presenceId: presence.id,
        systemPresence: presence.systemPresence,
        message: request.message,
        requestedAt: now,
        source: request.source,
        force: request.force === true ? 1 : 0,
        notBefore: notBeforeMs,
      },
      record,
      outbox: inCluster ? undefined : outbox,
    });

    if (inCluster && result.kind !== 'accepted') {
      await this.deps.redis.zrem(outbox, requestId).catch(() => undefined);
    }
    switch (result.kind) {
      case 'duplicate':
        this.deps.observer?.onEnqueue?.('replayed', request.source);
        return {
          requestId: result.requestId,
          version: result.version,
          status: result.status,
          replayed: true,
        };
      case 'mismatch':
        this.deps.observer?.onEnqueue?.('idempotency-mismatch', request.source);
        throw new IdempotencyMismatchError(result.requestId);
      case 'conflict':
        this.deps.observer?.onEnqueue?.('conflict', request.source);
        throw new VersionConflictError(request.userId, request.expectedVersion ?? 0, result.currentVersion);
      case 'accepted':
        break;
    }

    this.deps.observer?.onEnqueue?.('accepted', request.source);
    const accepted: Record<string, string> = {
      ...stringify(record),
      version: String(result.version),
      status: 'pending',
    };
    try {
      await this.publisher.publish(
        requestId,
        accepted,
        result.superseded?.requestId,
        now,
        result.superseded?.record,
      );
    } catch (err) {
      // The request is accepted and recorded; the outbox entry makes a worker finish the job.
      this.deps.logger.warn(
        { err, requestId, userId: request.userId },
        'presence-change accepted but not yet queued; left to outbox recovery',
      );
    }
    return {
      requestId,
      version: result.version,
      status: 'queued',
      replayed: false,
      ...(result.superseded === undefined ? {} : { supersededRequestId: result.superseded.requestId }),
    };
  }

  /** See {@link EnqueuePublisher.recoverOutbox}. */
  recoverOutbox(olderThanMs: number, limit?: number): Promise<number> {
    return this.publisher.recoverOutbox(olderThanMs, limit);
  }

  /** The request's status and outcome; undefined when unknown or expired (`REQUEST_TTL_SECONDS`). */
  getRequestStatus(requestId: string): Promise<RequestStatus | undefined> {
    return this.store.getRequestStatus(requestId);
  }

  /** The agent's desired, applied and observed presence and version; undefined for an agent never seen. */
  async getAgentView(userId: string): Promise<AgentView | undefined> {
    const state = await this.store.getAgentState(userId);
    return state === undefined ? undefined : toAgentView(state);
  }
}
