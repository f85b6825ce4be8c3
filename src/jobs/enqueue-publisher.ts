import type { Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import type { Logger } from 'pino';
import type { AuditEmitter, AuditEvent } from '../audit/audit-event';
import type { Config } from '../config';
import type { RedisConnection } from '../redis';
import { AgentStateStore } from './agent-state-store';
import { enqueueOutboxKey, userIdOfRequest } from './keys';
import { outcomeEvent, requestedEvent } from './presence-audit-events';
import {
  PRESENCE_CHANGE_JOB_NAME,
  presenceChangeJobOptions,
  type PresenceChangeJob,
  type PresenceJobConfig,
} from './presence-change-job';

export interface EnqueuePublisherDeps {
  redis: RedisConnection;
  queue: Pick<Queue, 'add'>;
  audit: AuditEmitter;
  config: PresenceJobConfig & Pick<Config, 'QUEUE_PREFIX'>;
  logger: Pick<Logger, 'warn'>;
  observer?: { onOutcome?(outcome: string, source: string): void } | undefined;
  now?: () => number;
}

/**
 * The step after an accepted compare-and-set: audit events (`requested`, and `superseded` for the request it
 * replaced), then the job, the replaced request marked `outcomeAudited` (its job then completes without emitting
 * the event again), and removal from the outbox.
 *
 * "Nothing lost" between the CAS and `queue.add`: the request id is in an outbox sorted set once the CAS accepted
 * it (the enqueue script adds it; on a cluster the producer writes it before the CAS) and this removes it after the
 * job is added. If the producer dies (or loses Redis) in between, the
 * request is still accepted — it is in the agent's state, status `pending` — and `recoverOutbox()` (run
 * periodically by every presence worker) re-emits its audit events and adds its job. The job id is the request
 * id and audit event ids derive from it, so a recovery racing the original producer adds nothing twice.
 */
export class EnqueuePublisher {
  private readonly store: AgentStateStore;
  private readonly now: () => number;

  constructor(private readonly deps: EnqueuePublisherDeps) {
    this.store = new AgentStateStore(deps.redis, deps.config.QUEUE_PREFIX);
    this.now = deps.now ?? Date.now;
  }

  async publish(
    requestId: string,
    record: Record<string, string>,
    supersededRequestId: string | undefined,
    now: number,
    /** The superseded request's record when the caller has it (the enqueue script returns it); else it is read. */
    supersededRecord?: Record<string, string>,
  ): Promise<void> {
    const events: AuditEvent[] = [requestedEvent(requestId, record)];
    let supersededEmitted = false;
    if (supersededRequestId !== undefined) {
      const old = supersededRecord ?? (await this.store.getRequestRecord(supersededRequestId));
      const event = old === undefined ? undefined : outcomeEvent(supersededRequestId, old);
      if (event !== undefined) {
        events.push(event);
        supersededEmitted = true;
        this.deps.observer?.onOutcome?.('superseded', old?.source ?? 'unknown');
      }
    }
    const job: PresenceChangeJob = {
      userId: record.userId ?? '',
      version: Number(record.version),
      requestId,
    };
    const notBeforeMs = record.notBefore === undefined ? undefined : Number(record.notBefore);
    const delay = notBeforeMs === undefined ? 0 : Math.max(0, notBeforeMs - now);
    // The events are queued before the job exists, so the worker's outcome event always follows `requested`.
    await this.deps.audit.emit(events);
    const outbox = enqueueOutboxKey(this.deps.config.QUEUE_PREFIX);
    // The replaced request's job will find it decided and its event out: it need not emit it again.
    const audited = supersededEmitted ? supersededRequestId : undefined;
    const addJob = this.deps.queue.add(
      PRESENCE_CHANGE_JOB_NAME,
      job,
      presenceChangeJobOptions(this.deps.config, requestId, delay),
    );
    if (this.deps.redis instanceof Cluster) {
      // The outbox and the replaced record are in different slots: two calls.
      await Promise.all([addJob, audited === undefined ? undefined : this.store.markOutcomeAudited(audited)]);
      await this.deps.redis.zrem(outbox, requestId);
      return;
    }
    await addJob;
    await this.store.settleEnqueue(outbox, requestId, audited);
  }

  /**
   * Finishes requests left in the outbox for longer than `olderThanMs`: re-emits their audit events and adds
   * their job when still pending. Idempotent; safe from every worker process. Returns how many it settled.
   */
  async recoverOutbox(olderThanMs: number, limit = 500): Promise<number> {
    const outbox = enqueueOutboxKey(this.deps.config.QUEUE_PREFIX);
    const now = this.now();
    const ids = await this.deps.redis.zrangebyscore(outbox, '-inf', now - olderThanMs, 'LIMIT', 0, limit);
    let settled = 0;
    for (const requestId of ids) {
      const userId = userIdOfRequest(requestId);
      const record = userId === undefined ? undefined : await this.store.getRequestRecord(requestId);
      if (userId === undefined || record === undefined) {
        await this.deps.redis.zrem(outbox, requestId);
        settled += 1;
        continue;
      }
      const supersedes = record.supersedes === '' ? undefined : record.supersedes;
      if (record.status === 'pending') {
        await this.publish(requestId, record, supersedes, now);
      } else {
        const events = [requestedEvent(requestId, record)];
        const outcome = record.status === 'superseded' ? outcomeEvent(requestId, record) : undefined;
        if (outcome !== undefined) {
          events.push(outcome);
        }
        await this.deps.audit.emit(events);
        if (outcome !== undefined) {
          await this.store.markOutcomeAudited(requestId);
        }
        await this.deps.redis.zrem(outbox, requestId);
      }
      this.deps.logger.warn({ requestId, userId }, 'presence-change recovered from the enqueue outbox');
      settled += 1;
    }
    return settled;
  }
}
