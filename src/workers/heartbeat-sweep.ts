import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditEmitter, AuditEvent } from '../audit/audit-event';
import { hashToRecord, parseAgentState, type AgentStateSnapshot } from '../jobs/agent-state';
import { AgentStateStore } from '../jobs/agent-state-store';
import { agentStateKey } from '../jobs/keys';
import type { PresenceChangeRequestInput } from '../jobs/presence-change-request';
import { errorFacts } from '../policy/job-outcome';
import type { PresencePolicy } from '../policy/presence-policy';
import type { RedisConnection } from '../redis';
import type { AgentRoster } from '../schedule/agent-roster';
import type { ActivityCategory, ScheduleLookup } from '../schedule/agent-timeline';
import { assessDrift, driftSignature, type DriftFinding } from '../schedule/assess-drift';
import { lookupActivity } from '../schedule/lookup-activity';
import { RedisLease } from '../schedule/redis-lease';
import { TimelineCache } from '../schedule/timeline-cache';

/** Bulk GET's largest id list (genesys-api.md §3.3). */
export const HEARTBEAT_CHUNK = 50;

/** The Genesys calls a sweep makes (the Genesys client satisfies it). */
export interface HeartbeatGenesysApi {
  /** Token freshness: returns the shared token, refreshing it ahead of expiry. */
  getToken(): Promise<string>;
  getUserPresencesBulk(userIds: readonly string[]): Promise<{
    data: ReadonlyArray<{
      userId: string;
      presenceDefinitionId: string;
      systemPresence?: string | undefined;
      modifiedDate?: string | undefined;
    }>;
    calls: readonly unknown[];
  }>;
}

/** Where re-assertions go: the pipeline's producer (`PresenceProducer.enqueuePresenceChange`). */
export interface PresenceChangeSink {
  enqueuePresenceChange(
    input: PresenceChangeRequestInput,
  ): Promise<{ requestId: string; version: number; replayed?: boolean }>;
}

export interface HeartbeatObserver {
  /** The metrics module's method (gauge of drifting agents, sweep duration, re-assertions). */
  recordHeartbeatSweep?(sweep: { drifted: number; durationMs: number; reasserted?: number }): void;
  /** One newly reported drift. */
  onDrift?(kinds: readonly string[]): void;
}

export interface HeartbeatSweepDeps {
  redis: RedisConnection;
  prefix: string;
  genesys: HeartbeatGenesysApi;
  roster: Pick<AgentRoster, 'list'>;
  /** Required in enforce mode. */
  producer?: PresenceChangeSink | undefined;
  audit: AuditEmitter;
  policy: PresencePolicy;
  /** `MANDATORY_ACTIVITY_CATEGORIES`. */
  mandatory: ReadonlySet<ActivityCategory>;
  /** `HEARTBEAT_MODE`. */
  mode: 'observe' | 'enforce';
  /** `HEARTBEAT_EVERY_MS`: also the grace given to an open request before re-asserting on top of it. */
  everyMs: number;
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  observer?: HeartbeatObserver | undefined;
  /** Bulk GETs in flight at once (default 2). */
  concurrency?: number;
  now?: () => number;
}

export interface HeartbeatReport {
  sweepId: string;
  /** False when another sweep was running (nothing done). */
  ran: boolean;
  agents: number;
  /** Bulk GET calls made (⌈agents / 50⌉). */
  calls: number;
  /** Agents the bulk GETs returned no presence for. */
  missing: number;
  /** Agents drifting now (new and already reported). */
  drifted: number;
  /** Drifts reported by this sweep (audit events). */
  reported: number;
  reasserted: number;
  /** Re-assertions the pipeline refused (conflict, validation…). */
  reassertFailures: number;
  durationMs: number;
}

/**
 * One heartbeat sweep (issue 5): token freshness, then the managed agents' presences by bulk GET (≤ 50 ids per
 * call, so 5,000 agents cost 100 GETs and no write), compared with what the service applied and with the
 * scheduled activity under the policy. A drift is reported once per distinct observation (audit
 * `drift-detected`, metric); in `enforce` mode a violated mandatory activity gets a presence-change request with
 * source `heartbeat` through the normal pipeline (audit `heartbeat-reasserted`). One sweep at a time across
 * processes (Redis lease); observations also refresh the stale-write guard's view of agents the service manages.
 */
export class HeartbeatSweep {
  private readonly now: () => number;
  private readonly lease: RedisLease;
  private readonly cache: TimelineCache;
  private readonly store: AgentStateStore;

  constructor(private readonly deps: HeartbeatSweepDeps) {
    this.now = deps.now ?? Date.now;
    this.lease = new RedisLease(deps.redis);
    this.cache = new TimelineCache(deps.redis, deps.prefix);
    this.store = new AgentStateStore(deps.redis, deps.prefix);
    if (deps.mode === 'enforce' && deps.producer === undefined) {
      throw new Error('heartbeat enforce mode needs the presence-change producer');
    }
  }

  private get driftKey(): string {
    return `${this.deps.prefix}:heartbeat:drift`;
  }

  async run(sweepId: string): Promise<HeartbeatReport> {
    const startedAt = this.now();
    const report: HeartbeatReport = {
      sweepId,
      ran: false,
      agents: 0,
      calls: 0,
      missing: 0,
      drifted: 0,
      reported: 0,
      reasserted: 0,
      reassertFailures: 0,
      durationMs: 0,
    };
    const leaseMs = Math.max(60_000, 2 * this.deps.everyMs);
    const lease = await this.lease.tryAcquire(`${this.deps.prefix}:heartbeat:lease`, leaseMs);
    if (lease === undefined) {
      this.deps.logger.info({ sweepId }, 'heartbeat sweep already running elsewhere; skipped');
      return report;
    }
    try {
      report.ran = true;
      await this.deps.genesys.getToken();
      const agents = await this.deps.roster.list();
      report.agents = agents.length;
      const chunks: string[][] = [];
      for (let i = 0; i < agents.length; i += HEARTBEAT_CHUNK) {
        chunks.push(agents.slice(i, i + HEARTBEAT_CHUNK));
      }
      let next = 0;
      const worker = async () => {
        while (next < chunks.length) {
          const chunk = chunks[next] as string[];
          next += 1;
          await this.sweepChunk(sweepId, chunk, report);
          await lease.renew();
        }
      };
      await Promise.all(
        Array.from({ length: Math.min(this.deps.concurrency ?? 2, Math.max(chunks.length, 1)) }, worker),
      );
      await this.forgetUnmanaged(agents);
      report.durationMs = this.now() - startedAt;
      this.deps.observer?.recordHeartbeatSweep?.({
        drifted: report.drifted,
        durationMs: report.durationMs,
        reasserted: report.reasserted,
      });
      this.deps.logger.info({ ...report }, 'heartbeat sweep done');
      return report;
    } finally {
      await lease.release();
    }
  }

  /** Drops reported-drift signatures of agents no longer managed. */
  private async forgetUnmanaged(agents: readonly string[]): Promise<void> {
    const managed = new Set(agents);
    const stale = (await this.deps.redis.hkeys(this.driftKey)).filter((id) => !managed.has(id));
    if (stale.length > 0) {
      await this.deps.redis.hdel(this.driftKey, ...stale);
    }
  }

  private async sweepChunk(sweepId: string, userIds: string[], report: HeartbeatReport): Promise<void> {
    const answer = await this.deps.genesys.getUserPresencesBulk(userIds);
    report.calls += answer.calls.length;
    const now = this.now();
    const observed = new Map(answer.data.map((p) => [p.userId, p]));
    const [states, timelines, signatures] = await Promise.all([
      this.readStates(userIds),
      this.cache.readTimelines(userIds),
      this.deps.redis.hmget(this.driftKey, ...userIds),
    ]);
    const upcomingAt = new Date(now + this.deps.policy.boundaryToleranceSeconds * 1000);

    const events: AuditEvent[] = [];
    const settle: Array<Promise<unknown>> = [];
    const cleared: string[] = [];
    const newSignatures: Record<string, string> = {};
    for (const [i, userId] of userIds.entries()) {
      const presence = observed.get(userId);
      if (presence === undefined) {
        report.missing += 1;
        continue;
      }
      const modifiedMs = presence.modifiedDate === undefined ? undefined : Date.parse(presence.modifiedDate);
      const state = states.get(userId);
      if (state !== undefined && modifiedMs !== undefined && !Number.isNaN(modifiedMs)) {
        if (state.observed === undefined || modifiedMs > state.observed.modifiedMs) {
          settle.push(
            this.store.recordObservedPresence(userId, {
              presenceId: presence.presenceDefinitionId,
              modifiedMs,
              observedAtMs: now,
              source: 'heartbeat',
            }),
          );
        }
      }
      const timeline = timelines.get(userId);
      const schedule: ScheduleLookup =
        timeline === undefined
          ? { kind: 'unknown', reason: 'no cached schedule' }
          : lookupActivity(timeline, new Date(now));
      const upcoming = timeline === undefined ? undefined : lookupActivity(timeline, upcomingAt);
      const finding = assessDrift({
        userId,
        observed: {
          presenceDefinitionId: presence.presenceDefinitionId,
          systemPresence: presence.systemPresence,
          modifiedMs: Number.isNaN(modifiedMs) ? undefined : modifiedMs,
        },
        state,
        schedule,
        upcoming,
        policy: this.deps.policy,
        mandatory: this.deps.mandatory,
        nowMs: now,
        inFlightGraceMs: 2 * this.deps.everyMs,
      });
      const previous = signatures[i] ?? null;
      if (finding === undefined) {
        if (previous !== null) {
          cleared.push(userId);
        }
        continue;
      }
      report.drifted += 1;
      const signature = driftSignature(finding);
      if (signature !== previous) {
        report.reported += 1;
        newSignatures[userId] = signature;
        events.push(driftEvent(finding, signature, now));
        this.deps.observer?.onDrift?.(finding.kinds);
      }
      if (this.deps.mode === 'enforce' && finding.enforcement.action === 'reassert') {
        settle.push(this.reassert(sweepId, finding, finding.enforcement.presence, now, events, report));
      }
    }
    await Promise.all(settle);
    if (events.length > 0) {
      await this.deps.audit.emit(events);
    }
    if (Object.keys(newSignatures).length > 0) {
      await this.deps.redis.hset(this.driftKey, newSignatures);
    }
    if (cleared.length > 0) {
      await this.deps.redis.hdel(this.driftKey, ...cleared);
    }
  }

  private async reassert(
    sweepId: string,
    finding: DriftFinding,
    presence: string,
    now: number,
    events: AuditEvent[],
    report: HeartbeatReport,
  ): Promise<void> {
    const activity = finding.activity;
    try {
      const result = await this.deps.producer!.enqueuePresenceChange({
        userId: finding.userId,
        presence,
        source: 'heartbeat',
        requestedBy: 'heartbeat',
        reason: truncate(`heartbeat: ${finding.detail}`, 1000),
        // A retried sweep job re-asserts nothing twice.
        idempotencyKey: `heartbeat-${sweepId}`.slice(0, 128),
      });
      report.reasserted += 1;
      events.push({
        eventId: `heartbeat-reasserted:${result.requestId}`,
        type: 'heartbeat-reasserted',
        occurredAt: new Date(now).toISOString(),
        requestId: result.requestId,
        userId: finding.userId,
        source: 'heartbeat',
        requestedPresence: { label: truncate(presence, 200) },
        previousPresence: presenceRef(finding),
        version: result.version,
        ...(activity === undefined ? {} : { scheduleActivity: scheduleActivityRef(activity) }),
        ...(finding.rule === undefined ? {} : { policyRule: finding.rule }),
        decision: 'reassert',
        detail: truncate(finding.detail, 2000),
      });
    } catch (err) {
      report.reassertFailures += 1;
      this.deps.logger.warn(
        { err, userId: finding.userId, code: errorFacts(err).code },
        'heartbeat could not re-assert a mandatory presence',
      );
    }
  }

  private async readStates(userIds: readonly string[]): Promise<Map<string, AgentStateSnapshot>> {
    const replies = this.deps.redis.isCluster
      ? await Promise.all(userIds.map((id) => this.deps.redis.hgetall(agentStateKey(this.deps.prefix, id))))
      : await (async () => {
          const pipeline = this.deps.redis.pipeline();
          for (const id of userIds) {
            pipeline.hgetall(agentStateKey(this.deps.prefix, id));
          }
          const results = (await pipeline.exec()) ?? [];
          return results.map(([err, value]) => {
            if (err !== null) {
              throw err;
            }
            return value;
          });
        })();
    const out = new Map<string, AgentStateSnapshot>();
    userIds.forEach((id, i) => {
      const hash = hashToRecord(replies[i]);
      if (Object.keys(hash).length > 0) {
        out.set(id, parseAgentState(id, hash));
      }
    });
    return out;
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function presenceRef(finding: DriftFinding): { id: string; systemPresence?: string } {
  const system = finding.observed.systemPresence;
  return {
    id: finding.observed.presenceDefinitionId.slice(0, 64),
    ...(system === undefined ? {} : { systemPresence: system.slice(0, 64) }),
  };
}

function scheduleActivityRef(activity: NonNullable<DriftFinding['activity']>) {
  return {
    activityCodeId: activity.activityCodeId.slice(0, 64),
    category: activity.category,
    start: activity.start,
    end: activity.end,
  };
}

function driftEvent(finding: DriftFinding, signature: string, now: number): AuditEvent {
  const digest = createHash('sha256').update(signature).digest('hex').slice(0, 24);
  return {
    eventId: `drift:${finding.userId}:${digest}`,
    type: 'drift-detected',
    occurredAt: new Date(now).toISOString(),
    userId: finding.userId,
    source: 'heartbeat',
    previousPresence: presenceRef(finding),
    ...(finding.expectedPresenceId === undefined
      ? {}
      : { requestedPresence: { id: finding.expectedPresenceId.slice(0, 64) } }),
    ...(finding.activity === undefined ? {} : { scheduleActivity: scheduleActivityRef(finding.activity) }),
    ...(finding.rule === undefined ? {} : { policyRule: finding.rule }),
    decision: finding.kinds.join('+'),
    ...(finding.mandatory ? { reason: 'mandatory activity' } : {}),
    detail: truncate(finding.detail, 2000),
  };
}
