import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { AppError } from '../app-error';
import type { AuditEmitter, AuditEvent } from '../audit/audit-event';
import { PIPELINE_ERROR_CODES } from '../jobs/pipeline-errors';
import { errorFacts } from '../policy/job-outcome';
import type { PresencePolicy } from '../policy/presence-policy';
import type { RedisConnection } from '../redis';
import { activityBoundaries, type ActivityBoundary } from '../schedule/activity-boundaries';
import type { ActivityCategory } from '../schedule/agent-timeline';
import { FollowIndex } from '../schedule/follow-index';
import { RedisLease } from '../schedule/redis-lease';
import { targetPresence } from '../schedule/target-presence';
import { TimelineCache } from '../schedule/timeline-cache';
import type { PresenceChangeSink } from './heartbeat-sweep';
import {
  FOLLOW_BOUNDARY_JOB_NAME,
  followBoundaryJobId,
  SCHEDULE_FOLLOW_JOB_OPTIONS,
} from './schedule-follower-job';

/** The source of every request the follower makes. */
export const FOLLOWER_SOURCE = 'schedule-follower';

/** Refusals of the producer that a retry would meet again: counted as failed, the tick moves on. */
const PERMANENT_ENQUEUE_ERRORS: ReadonlySet<string> = new Set([
  PIPELINE_ERROR_CODES.validationFailed,
  PIPELINE_ERROR_CODES.unknownPresence,
  PIPELINE_ERROR_CODES.forceNotPermitted,
  PIPELINE_ERROR_CODES.idempotencyMismatch,
  PIPELINE_ERROR_CODES.versionConflict,
]);

/**
 * Some requests of a tick could not be enqueued for a reason that may pass (Redis, Genesys resolving the presence):
 * the cursor stays, the job is retried and later ticks cover the span again (idempotency keys make that safe).
 */
export class FollowTickIncompleteError extends AppError {
  constructor(failed: number, firstCode: string) {
    super(
      'FOLLOW_TICK_INCOMPLETE',
      `${failed} schedule-follower request(s) not enqueued (first: ${firstCode})`,
      {
        details: { failed, firstCode },
      },
    );
  }
}

export interface ScheduleFollowerDeps {
  redis: RedisConnection;
  prefix: string;
  producer: PresenceChangeSink;
  audit: AuditEmitter;
  policy: PresencePolicy;
  /** `MANDATORY_ACTIVITY_CATEGORIES`. */
  mandatory: ReadonlySet<ActivityCategory>;
  /** `FOLLOW_LEAD_MS`. */
  leadMs: number;
  /** `FOLLOW_TICK_MS`. */
  tickMs: number;
  /** `FOLLOW_MAX_LATENESS_MS`. */
  maxLatenessMs: number;
  /** The `schedule-follow` queue, for the delayed job of the next boundary (optional: ticks alone also work). */
  queue?: Pick<Queue, 'add'> | undefined;
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /** Requests enqueued at once (default 32). */
  concurrency?: number;
  now?: () => number;
}

export type FollowSkipReason =
  'late' | 'schedule-changed' | 'shift-end' | 'no-target' | 'superseded-boundary';

export interface FollowReport {
  /** False when another process was ticking (nothing done). */
  ran: boolean;
  /** Boundaries handled: `after < at <= upTo`. */
  after: number;
  upTo: number;
  enqueued: number;
  /** Of `enqueued`: idempotent replays of a request made before (a retried tick). */
  replayed: number;
  forced: number;
  /** Requests the pipeline refused for good (unknown presence, validation…). */
  failed: number;
  /** Requests that failed for a reason that may pass (the tick then throws and keeps its cursor). */
  transientFailures: number;
  skipped: Partial<Record<FollowSkipReason, number>>;
  /** The next boundary after `upTo`, if any. */
  nextBoundary?: number | undefined;
}

/**
 * The schedule follower (issue 5): at each scheduled activity boundary of an agent who follows their schedule,
 * `FOLLOW_LEAD_MS` ahead, it asks the pipeline for the presence the policy maps to the new activity (the
 * activity code's secondary presence when it has one), as source `schedule-follower`, with `notBefore` = the
 * boundary. All agents changing at one boundary are enqueued together, so their changes share bulk PUTs in the
 * presence workers' micro-batches.
 *
 * An agent's newer manual change is not overridden: the request carries its creation time, and the pipeline's
 * stale-write guard turns it into a `conflict` when Genesys shows a change by someone else after that time.
 * For a mandatory activity (`MANDATORY_ACTIVITY_CATEGORIES`) the request is forced, which lifts that guard, when
 * the policy lists `schedule-follower` among its privileged sources (otherwise a warning is logged at start).
 *
 * Each tick handles the boundaries in (cursor, now + lead] from the index the sync maintains and moves the cursor
 * (one tick at a time across processes: a Redis lease). Boundaries missed for longer than
 * `FOLLOW_MAX_LATENESS_MS` (the follower was down) are skipped, not applied late. Requests carry the idempotency
 * key `follow-<boundary>`, so a retried tick enqueues nothing twice; a request that failed for a reason that may
 * pass (Redis) keeps the cursor where it was and fails the tick, so the retry covers the span again.
 */
export class ScheduleFollower {
  private readonly now: () => number;
  private readonly lease: RedisLease;
  private readonly index: FollowIndex;
  private readonly cache: TimelineCache;
  private readonly mayForce: boolean;

  constructor(private readonly deps: ScheduleFollowerDeps) {
    this.now = deps.now ?? Date.now;
    this.lease = new RedisLease(deps.redis);
    this.index = new FollowIndex(deps.redis, deps.prefix);
    this.cache = new TimelineCache(deps.redis, deps.prefix);
    this.mayForce = deps.policy.privilegedSources.includes(FOLLOWER_SOURCE);
    if (!this.mayForce && deps.mandatory.size > 0) {
      deps.logger.warn(
        { mandatory: [...deps.mandatory] },
        `the policy does not list "${FOLLOWER_SOURCE}" as a privileged source: mandatory activities will not override an agent's newer manual change`,
      );
    }
  }

  async tick(): Promise<FollowReport> {
    const now = this.now();
    const upTo = now + this.deps.leadMs;
    const report: FollowReport = {
      ran: false,
      after: upTo,
      upTo,
      enqueued: 0,
      replayed: 0,
      forced: 0,
      failed: 0,
      transientFailures: 0,
      skipped: {},
    };
    const lease = await this.lease.tryAcquire(`${this.deps.prefix}:follow:lease`, 120_000);
    if (lease === undefined) {
      return report;
    }
    try {
      report.ran = true;
      const cursor = (await this.index.cursor()) ?? upTo - this.deps.tickMs;
      const oldest = now - this.deps.maxLatenessMs;
      report.after = Math.min(cursor, upTo);
      const due = await this.index.due(report.after, upTo);

      // The latest due boundary per agent wins; earlier ones are history by now.
      const latest = new Map<string, number>();
      for (const b of due) {
        if (b.at <= oldest) {
          count(report, 'late');
          continue;
        }
        const previous = latest.get(b.userId);
        if (previous !== undefined) {
          count(report, 'superseded-boundary');
        }
        latest.set(b.userId, Math.max(previous ?? 0, b.at));
      }
      let firstTransient: string | undefined;
      if (latest.size > 0) {
        firstTransient = await this.follow(latest, now, report);
      }
      if (firstTransient !== undefined) {
        throw new FollowTickIncompleteError(report.transientFailures, firstTransient);
      }
      await this.index.setCursor(upTo);
      report.nextBoundary = await this.index.next(upTo);
      await this.scheduleWakeUp(report.nextBoundary, now);
      if (report.enqueued + report.failed > 0 || Object.keys(report.skipped).length > 0) {
        this.deps.logger.info({ ...report }, 'schedule boundaries followed');
      }
      return report;
    } finally {
      await lease.release();
    }
  }

  /** Enqueues the boundaries' requests; returns the code of the first transient failure, if any. */
  private async follow(
    latest: Map<string, number>,
    now: number,
    report: FollowReport,
  ): Promise<string | undefined> {
    const timelines = await this.cache.readTimelines([...latest.keys()]);
    const work: Array<{ boundary: ActivityBoundary; presence: string; mandatory: boolean }> = [];
    for (const [userId, at] of latest) {
      const timeline = timelines.get(userId);
      const boundary =
        timeline === undefined ? undefined : activityBoundaries(timeline).find((b) => b.at === at);
      if (boundary === undefined) {
        count(report, 'schedule-changed');
        continue;
      }
      if (boundary.to === undefined) {
        count(report, 'shift-end');
        continue;
      }
      const presence = targetPresence(this.deps.policy, boundary.to);
      if (presence === undefined) {
        count(report, 'no-target');
        continue;
      }
      work.push({ boundary, presence, mandatory: this.deps.mandatory.has(boundary.to.category) });
    }

    const events: AuditEvent[] = [];
    let firstTransient: string | undefined;
    let next = 0;
    const worker = async () => {
      while (next < work.length) {
        const item = work[next]!;
        next += 1;
        const outcome = await this.enqueue(item.boundary, item.presence, item.mandatory, now, report);
        if (typeof outcome === 'string') {
          firstTransient ??= outcome;
        } else if (outcome !== undefined) {
          events.push(outcome);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.deps.concurrency ?? 32, work.length) }, worker));
    if (events.length > 0) {
      await this.deps.audit.emit(events);
    }
    return firstTransient;
  }

  private async enqueue(
    boundary: ActivityBoundary,
    presence: string,
    mandatory: boolean,
    now: number,
    report: FollowReport,
  ): Promise<AuditEvent | string | undefined> {
    const to = boundary.to!;
    const force = mandatory && this.mayForce;
    const at = new Date(boundary.at).toISOString();
    const fromLabel = boundary.from?.category ?? 'off shift';
    try {
      const result = await this.deps.producer.enqueuePresenceChange({
        userId: boundary.userId,
        presence,
        source: FOLLOWER_SOURCE,
        requestedBy: FOLLOWER_SOURCE,
        reason: `scheduled ${fromLabel} → ${to.category} at ${at}`,
        idempotencyKey: `follow-${boundary.at}`,
        ...(boundary.at > now ? { notBefore: at } : {}),
        ...(force ? { force: true } : {}),
      });
      report.enqueued += 1;
      if (result.replayed === true) {
        report.replayed += 1;
      }
      if (force) {
        report.forced += 1;
      }
      return {
        eventId: `schedule-followed:${result.requestId}`,
        type: 'schedule-followed',
        occurredAt: new Date(now).toISOString(),
        requestId: result.requestId,
        userId: boundary.userId,
        source: FOLLOWER_SOURCE,
        requestedPresence: { label: presence.slice(0, 200) },
        version: result.version,
        scheduleActivity: {
          activityCodeId: to.activityCodeId.slice(0, 64),
          category: to.category,
          start: to.start,
          end: to.end,
        },
        decision: mandatory ? 'follow mandatory activity' : 'follow activity',
        force,
      };
    } catch (err) {
      const code = errorFacts(err).code;
      const permanent = PERMANENT_ENQUEUE_ERRORS.has(code);
      if (permanent) {
        report.failed += 1;
      } else {
        report.transientFailures += 1;
      }
      this.deps.logger.warn(
        { err, userId: boundary.userId, at, code },
        permanent
          ? 'schedule follower request refused; boundary skipped for this agent'
          : 'schedule follower could not enqueue a presence change; the tick will be retried',
      );
      return permanent ? undefined : code;
    }
  }

  /**
   * A delayed job at `next - lead` when the next boundary comes before the next tick, so boundaries are followed
   * on time rather than up to a tick late. Its job id names the boundary: every process asks for the same job.
   */
  private async scheduleWakeUp(next: number | undefined, now: number): Promise<void> {
    if (next === undefined || this.deps.queue === undefined) {
      return;
    }
    const delay = next - this.deps.leadMs - now;
    if (delay >= this.deps.tickMs) {
      return;
    }
    await this.deps.queue.add(
      FOLLOW_BOUNDARY_JOB_NAME,
      { boundary: next },
      { ...SCHEDULE_FOLLOW_JOB_OPTIONS, jobId: followBoundaryJobId(next), delay: Math.max(0, delay) },
    );
  }
}

function count(report: FollowReport, reason: FollowSkipReason): void {
  report.skipped[reason] = (report.skipped[reason] ?? 0) + 1;
}
