import { randomBytes } from 'node:crypto';
import { DelayedError, RateLimitError, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import type { AuditEmitter, TerminalOutcome } from '../audit/audit-event';
import type { AgentStateSnapshot } from '../jobs/agent-state';
import type { AgentStateStore, StreamObservation } from '../jobs/agent-state-store';
import { userIdOfRequest } from '../jobs/keys';
import { PIPELINE_ERROR_CODES } from '../jobs/pipeline-errors';
import { outcomeEvent } from '../jobs/presence-audit-events';
import { presenceChangeJobSchema } from '../jobs/presence-change-job';
import { PRESENCE_CHANGE_QUEUE } from '../jobs/queue-names';
import type { ApplyResult, GuardVerdict, PresenceApplier } from '../pipeline/presence-applier';
import type { PresenceState } from '../pipeline/presence-api';
import { errorFacts, jobActionForError } from '../policy/job-outcome';
import type { PresencePolicy } from '../policy/presence-policy';
import { decidePresenceChange, type ScheduleDecision } from '../policy/schedule-decision';
import { alreadyInPresence, checkStaleWrite, type CurrentPresence } from '../policy/stale-write';
import type { ScheduleLookup, ScheduleSource } from '../schedule/agent-timeline';
import type { DeadLetterSink } from './dead-letter';
import type { PresenceLeaseKeeper } from './presence-lease-keeper';
import type { PresencePipelineObserver } from './presence-observer';
import { isUnreadableJobData } from './readable-job-worker';

/** The parts of a BullMQ job the processor uses. */
export interface ProcessorJob {
  id?: string | undefined;
  data: unknown;
  attemptsMade: number;
  opts: { attempts?: number | undefined };
  moveToDelayed(timestamp: number, token?: string): Promise<void>;
}

export interface PresenceProcessorSettings {
  leaseMs: number;
  requestTtlMs: number;
  /** Trust an observed presence younger than this instead of reading Genesys. */
  observedMaxAgeMs: number;
  breakerResetMs: number;
  /** Queue pause after a 429 without Retry-After. */
  defaultRateLimitMs: number;
}

export interface PresenceProcessorDeps {
  store: AgentStateStore;
  applier: Pick<PresenceApplier, 'apply'>;
  schedule: ScheduleSource;
  policy: PresencePolicy;
  audit: AuditEmitter;
  deadLetter: DeadLetterSink;
  leases: Pick<PresenceLeaseKeeper, 'hold' | 'drop'>;
  /** Pauses the whole queue (BullMQ `queue.rateLimit`). */
  rateLimit(ms: number): Promise<void>;
  settings: PresenceProcessorSettings;
  logger: Logger;
  observer?: PresencePipelineObserver | undefined;
  now?: () => number;
}

/** How a job ended, returned as the BullMQ job's value (small: ids and the outcome). */
export interface PresenceJobResult {
  requestId: string;
  result: TerminalOutcome | 'already-decided' | 'missing';
}

type Fields = Record<string, string | number | undefined>;

/** The job's child logger (queue, jobId, userId, requestId), made when first asked for. */
type JobLog = () => Logger;

interface Claimed {
  userId: string;
  version: number;
  requestId: string;
  token: string;
  state: AgentStateSnapshot;
  streamObserved: StreamObservation | undefined;
}

/** A decided outcome waiting to be recorded. */
interface Outcome {
  outcome: TerminalOutcome;
  record: Fields;
  /** For `applied`: the presence now set, and Genesys' `modifiedDate` of the write when one was made. */
  presenceId?: string | undefined;
  modifiedDate?: string | undefined;
  /** A presence read from Genesys for this decision (recorded as an observation). */
  observed?: PresenceState | undefined;
}

const BUSY_DELAY_MS = 150;

function activityFields(decision: ScheduleDecision): Fields {
  const a = decision.activity;
  return {
    rule: decision.rule,
    scheduleKind: decision.scheduleKind,
    override: decision.override ? 1 : 0,
    scheduleActivity:
      a === undefined
        ? undefined
        : JSON.stringify({
            activityCodeId: a.activityCodeId,
            category: a.category,
            start: a.start,
            end: a.end,
          }),
  };
}

/**
 * One presence-change job, as ARCHITECTURE.md §2 a–e describes it: claim (version check + per-agent lease), schedule
 * policy, stale-write guard, apply through the micro-batcher, record the outcome and its audit event. Errors turn
 * into BullMQ actions through `jobActionForError` (src/policy/job-outcome.ts), the one place that decides.
 */
export class PresenceProcessor {
  private readonly now: () => number;
  private readonly workerId = randomBytes(4).toString('hex');

  constructor(private readonly deps: PresenceProcessorDeps) {
    this.now = deps.now ?? Date.now;
  }

  async process(job: ProcessorJob, bullToken?: string): Promise<PresenceJobResult> {
    const started = this.now();
    let result = 'error';
    try {
      const out = await this.run(job, bullToken);
      result = out.result;
      return out;
    } catch (err) {
      result =
        err instanceof DelayedError
          ? 'delayed'
          : err instanceof RateLimitError
            ? 'rate-limited'
            : err instanceof UnrecoverableError
              ? 'failed'
              : 'retry';
      throw err;
    } finally {
      this.deps.observer?.onJobDuration?.(this.now() - started, result);
    }
  }

  private async run(job: ProcessorJob, bullToken: string | undefined): Promise<PresenceJobResult> {
    const parsed = presenceChangeJobSchema.safeParse(job.data);
    if (!parsed.success || userIdOfRequest(parsed.data.requestId) !== parsed.data.userId) {
      const reason = isUnreadableJobData(job.data)
        ? job.data.unreadableJobData
        : parsed.success
          ? 'request id does not belong to the user'
          : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      await this.deadLetter(job, PIPELINE_ERROR_CODES.jobInvalidPayload, reason, undefined);
      throw new UnrecoverableError(`${PIPELINE_ERROR_CODES.jobInvalidPayload}: ${reason}`);
    }
    const { userId, version, requestId } = parsed.data;
    // Most jobs log nothing: the child logger (whose bindings pino serialises up front) is made on first use.
    let child: Logger | undefined;
    const log: JobLog = () =>
      (child ??= this.deps.logger.child({ queue: PRESENCE_CHANGE_QUEUE, jobId: job.id, userId, requestId }));
    const token = `${this.workerId}-${randomBytes(6).toString('hex')}`;
    const now = this.now();
    const claim = await this.deps.store.claim(
      userId,
      requestId,
      version,
      token,
      this.deps.settings.leaseMs,
      now,
      this.deps.settings.requestTtlMs,
    );

    switch (claim.kind) {
      case 'missing':
        log().warn('request record not found (expired or never accepted); nothing to do');
        return { requestId, result: 'missing' };
      case 'terminal':
        // Decided by an earlier run (or superseded at enqueue) that may have died before its audit event went out:
        // emit it again, unless the event is known to be queued (the claim then returns no record).
        if (claim.record !== undefined) {
          await this.emitFromRecord(requestId, claim.record, false);
        }
        return { requestId, result: 'already-decided' };
      case 'superseded':
        await this.emitOutcome(requestId, true);
        return { requestId, result: 'superseded' };
      case 'busy': {
        const delay =
          Math.min(Math.max(claim.ttlMs, 20), BUSY_DELAY_MS) + Math.floor(Math.random() * BUSY_DELAY_MS);
        this.deps.observer?.onDelayed?.(delay, 'busy');
        await job.moveToDelayed(now + delay, bullToken);
        throw new DelayedError();
      }
      case 'ahead': {
        const reason = `job version ${version} is above the agent's desired version ${claim.desiredVersion}: agent state lost`;
        await this.fail(
          job,
          { userId, version, requestId, token: '' },
          PIPELINE_ERROR_CODES.agentStateMissing,
          reason,
          {},
        );
        throw new UnrecoverableError(`${PIPELINE_ERROR_CODES.agentStateMissing}: ${reason}`);
      }
      case 'claimed':
        break;
    }

    const claimed: Claimed = {
      userId,
      version,
      requestId,
      token,
      state: claim.state,
      streamObserved: claim.streamObserved,
    };
    this.deps.leases.hold(userId, token);
    try {
      const outcome = await this.decideAndApply(claimed, log);
      if (outcome === 'not-before') {
        const notBefore = claimed.state.desired?.notBeforeMs ?? now;
        await this.deps.store.release(userId, token);
        this.deps.observer?.onDelayed?.(notBefore - now, 'not-before');
        await job.moveToDelayed(notBefore, bullToken);
        throw new DelayedError();
      }
      await this.finish(claimed, outcome);
      return { requestId, result: outcome.outcome };
    } catch (err) {
      if (err instanceof DelayedError) {
        throw err;
      }
      return await this.onError(job, bullToken, claimed, err, log);
    } finally {
      this.deps.leases.drop(userId, token);
    }
  }

  /**
   * A job BullMQ gives up on without running it: its worker stopped under it (crash, OOM kill, lost lock) more
   * than `maxStalledCount` times. Its request ends `failed` with `JOB_STALLED`, audited and dead-lettered like any
   * job that fails for good, so it does not stay pending. Whether an earlier run reached Genesys before its worker
   * died is not known: the record says so. Idempotent (the finalize records once; the dead letter has the job's id).
   */
  async failStalled(job: ProcessorJob, reason: string): Promise<void> {
    const code = PIPELINE_ERROR_CODES.jobStalled;
    const parsed = presenceChangeJobSchema.safeParse(job.data);
    if (!parsed.success || userIdOfRequest(parsed.data.requestId) !== parsed.data.userId) {
      await this.deadLetter(job, code, reason, undefined);
      return;
    }
    const { userId, version, requestId } = parsed.data;
    const detail = `${reason}: its worker stopped while running it; an earlier run may or may not have reached Genesys`;
    this.deps.logger.error(
      { jobId: job.id, userId, requestId, code },
      'presence change failed: job stalled too often',
    );
    await this.fail(job, { userId, version, requestId, token: '' }, code, detail, {});
  }

  /** validate → decide → call: returns the outcome to record (or that the change is not due yet). */
  private async decideAndApply(c: Claimed, log: JobLog): Promise<Outcome | 'not-before'> {
    const desired = c.state.desired;
    if (desired === undefined || desired.requestId !== c.requestId) {
      throw Object.assign(new Error('desired state does not match the claimed request'), {
        code: PIPELINE_ERROR_CODES.agentStateMissing,
      });
    }
    const now = this.now();
    if (desired.notBeforeMs !== undefined && desired.notBeforeMs > now + 50) {
      return 'not-before';
    }

    const { policy } = this.deps;
    const at = new Date(now);
    const schedule = await this.lookup(c.userId, at);
    const upcoming =
      policy.boundaryToleranceSeconds > 0
        ? await this.lookup(c.userId, new Date(now + policy.boundaryToleranceSeconds * 1000))
        : undefined;
    const decision = decidePresenceChange({
      policy,
      target: { definitionId: desired.presenceId, systemPresence: desired.systemPresence },
      source: desired.source,
      force: desired.force,
      schedule,
      upcoming,
    });
    if (decision.scheduleKind === 'unknown' && decision.verdict === 'allow') {
      log().info(
        { rule: decision.rule, detail: decision.detail },
        'schedule unknown; allowed by onMissingSchedule',
      );
    }
    if (decision.verdict === 'block') {
      return {
        outcome: 'blocked',
        record: {
          ...activityFields(decision),
          decidedAt: now,
          decision: 'blocked by the schedule policy',
          detail: decision.detail,
        },
      };
    }

    const base = { ...activityFields(decision), decidedAt: now };
    const lastWrite = c.state.serviceWrite;
    const guard = (current: PresenceState | undefined): GuardVerdict => {
      const presence: CurrentPresence | undefined =
        current === undefined
          ? undefined
          : { presenceId: current.presenceDefinitionId, modifiedDate: current.modifiedDate };
      if (alreadyInPresence(presence, desired.presenceId, desired.message)) {
        return {
          write: false,
          outcome: 'applied',
          detail: 'already in the requested presence; nothing written',
        };
      }
      const stale = checkStaleWrite({
        requestedAtMs: desired.requestedAtMs,
        current: presence,
        lastServiceWrite:
          lastWrite === undefined
            ? undefined
            : {
                presenceId: lastWrite.presenceId,
                modifiedDate: new Date(lastWrite.modifiedMs).toISOString(),
              },
      });
      if (!stale.stale) {
        return { write: true };
      }
      return decision.forceHonoured
        ? { write: true, note: `forced over a newer change in Genesys: ${stale.detail}` }
        : { write: false, outcome: 'conflict', detail: stale.detail };
    };

    const result: ApplyResult = await this.deps.applier.apply({
      userId: c.userId,
      presenceDefinitionId: desired.presenceId,
      message: desired.message,
      guard,
      known: this.freshObservation(c, now),
    });
    if (result.kind === 'skipped') {
      return {
        outcome: result.outcome,
        presenceId: result.outcome === 'applied' ? desired.presenceId : undefined,
        observed: result.read ? result.previous : undefined,
        record: {
          ...base,
          previousPresenceId: result.previous?.presenceDefinitionId,
          decision:
            result.outcome === 'applied'
              ? 'already in the requested presence; nothing written'
              : 'conflict: changed in Genesys after the request',
          detail: result.outcome === 'applied' ? decision.detail : result.detail,
        },
      };
    }
    return {
      outcome: 'applied',
      presenceId: result.presence.presenceDefinitionId,
      modifiedDate: result.presence.modifiedDate,
      record: {
        ...base,
        previousPresenceId: result.previous?.presenceDefinitionId,
        decision: decision.override
          ? 'applied (forced over the schedule policy)'
          : result.note !== undefined
            ? 'applied (forced over a newer change in Genesys)'
            : 'applied',
        detail: [decision.detail, result.note, `via ${result.via} of ${result.batchSize}`]
          .filter((x) => x !== undefined)
          .join('; '),
        genesys: JSON.stringify({ correlationId: result.correlationId, status: result.status }),
        modifiedDate: result.presence.modifiedDate,
        latencyMs: this.now() - desired.requestedAtMs,
      },
    };
  }

  private async lookup(userId: string, at: Date): Promise<ScheduleLookup> {
    try {
      return await this.deps.schedule.lookup(userId, at);
    } catch (err) {
      return { kind: 'unknown', reason: `schedule lookup failed (${errorFacts(err).code})` };
    }
  }

  /** The freshest observation younger than `observedMaxAgeMs` (then no read is needed), else undefined. */
  private freshObservation(c: Claimed, now: number): { presence: PresenceState } | undefined {
    const maxAge = this.deps.settings.observedMaxAgeMs;
    const freshest = [c.state.observed, c.streamObserved]
      .filter((o): o is NonNullable<typeof o> => o !== undefined && now - o.observedAtMs <= maxAge)
      .sort((a, b) => b.modifiedMs - a.modifiedMs)[0];
    return freshest === undefined
      ? undefined
      : {
          presence: {
            userId: c.userId,
            presenceDefinitionId: freshest.presenceId,
            modifiedDate: new Date(freshest.modifiedMs).toISOString(),
          },
        };
  }

  /** Records the outcome (exactly once) and emits its audit event. */
  private async finish(
    c: Pick<Claimed, 'userId' | 'version' | 'requestId' | 'token'>,
    o: Outcome,
  ): Promise<void> {
    const modifiedMs = o.modifiedDate === undefined ? Number.NaN : Date.parse(o.modifiedDate);
    const now = this.now();
    const observed = o.observed;
    const observedMs = observed?.modifiedDate === undefined ? Number.NaN : Date.parse(observed.modifiedDate);
    const [result] = await Promise.all([
      this.deps.store.finalize({
        userId: c.userId,
        requestId: c.requestId,
        version: c.version,
        outcome: o.outcome,
        leaseToken: c.token === '' ? undefined : c.token,
        nowMs: now,
        requestTtlMs: this.deps.settings.requestTtlMs,
        appliedPresenceId: o.outcome === 'applied' ? o.presenceId : undefined,
        modifiedMs: Number.isNaN(modifiedMs) ? undefined : modifiedMs,
        record: { ...o.record, appliedVersion: o.outcome === 'applied' ? c.version : undefined },
      }),
      observed === undefined || Number.isNaN(observedMs)
        ? undefined
        : this.deps.store.recordObservedPresence(c.userId, {
            presenceId: observed.presenceDefinitionId,
            modifiedMs: observedMs,
            observedAtMs: now,
            source: 'poll',
          }),
    ]);
    if (result.kind !== 'missing') {
      await this.emitFromRecord(c.requestId, result.record, result.kind === 'ok');
    }
  }

  /** Emits the request's terminal audit event from its record (idempotent on the event id). */
  private async emitOutcome(requestId: string, count = false): Promise<void> {
    const record = await this.deps.store.getRequestRecord(requestId);
    if (record !== undefined) {
      await this.emitFromRecord(requestId, record, count);
    }
  }

  private async emitFromRecord(
    requestId: string,
    record: Record<string, string>,
    count: boolean,
  ): Promise<void> {
    const event = outcomeEvent(requestId, record);
    if (event === undefined) {
      return;
    }
    await this.deps.audit.emit([event]);
    if (count) {
      this.deps.observer?.onOutcome?.(event.type, record.source ?? 'unknown');
    }
  }

  private async onError(
    job: ProcessorJob,
    bullToken: string | undefined,
    c: Claimed,
    err: unknown,
    log: JobLog,
  ): Promise<never> {
    const action = jobActionForError(err, {
      attemptsMade: job.attemptsMade,
      attempts: job.opts.attempts ?? 1,
      breakerResetMs: this.deps.settings.breakerResetMs,
      defaultRateLimitMs: this.deps.settings.defaultRateLimitMs,
    });
    const facts = errorFacts(err);
    switch (action.kind) {
      case 'rate-limit':
        await this.deps.store.release(c.userId, c.token);
        log().warn({ code: facts.code, waitMs: action.delayMs }, 'Genesys rate limit: pausing the queue');
        this.deps.observer?.onRateLimited?.(action.delayMs, facts.code);
        await this.deps.rateLimit(action.delayMs);
        throw new RateLimitError();
      case 'delay':
        await this.deps.store.release(c.userId, c.token);
        log().warn({ code: facts.code, waitMs: action.delayMs }, 'Genesys circuit open: job delayed');
        this.deps.observer?.onDelayed?.(action.delayMs, 'breaker');
        await job.moveToDelayed(this.now() + action.delayMs, bullToken);
        throw new DelayedError();
      case 'retry':
        await this.deps.store.release(c.userId, c.token);
        log().warn({ err, attemptsMade: job.attemptsMade }, 'presence change failed; will retry');
        throw err;
      case 'fail': {
        const correlationId = (err as { correlationId?: unknown }).correlationId;
        await this.fail(job, c, action.code, action.reason, {
          genesys: JSON.stringify({
            correlationId: typeof correlationId === 'string' ? correlationId : undefined,
            status: facts.httpStatus,
          }),
        });
        log().error({ err, code: action.code }, 'presence change failed for good; dead-lettered');
        throw new UnrecoverableError(`${action.code}: ${action.reason}`);
      }
    }
  }

  private async fail(
    job: ProcessorJob,
    c: Pick<Claimed, 'userId' | 'version' | 'requestId' | 'token'>,
    code: string,
    reason: string,
    extra: Fields,
  ): Promise<void> {
    await this.finish(c, {
      outcome: 'failed',
      record: { ...extra, decision: 'failed', errorCode: code, detail: reason },
    });
    await this.deadLetter(job, code, reason, c);
  }

  private async deadLetter(
    job: ProcessorJob,
    code: string,
    reason: string,
    c: Pick<Claimed, 'userId' | 'version' | 'requestId'> | undefined,
  ): Promise<void> {
    await this.deps.deadLetter.send({
      queue: PRESENCE_CHANGE_QUEUE,
      jobId: job.id,
      requestId: c?.requestId,
      userId: c?.userId,
      version: c?.version,
      code,
      reason: reason.slice(0, 500),
      attemptsMade: job.attemptsMade + 1,
      failedAt: new Date(this.now()).toISOString(),
    });
    this.deps.observer?.onDeadLetter?.(code);
  }
}
