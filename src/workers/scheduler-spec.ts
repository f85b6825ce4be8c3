import type { JobSchedulerTemplateOptions } from 'bullmq';

/**
 * One BullMQ job scheduler the `scheduler` role keeps registered (bullmq-notes.md: v6 job schedulers,
 * `upsertJobScheduler`). Any part of the service that needs repeatable work contributes specs through a
 * `SchedulerSpecProvider`; the scheduler role reconciles them idempotently (see `SchedulerRole`).
 */
export interface SchedulerSpec {
  /** Queue the produced jobs go to (e.g. `heartbeat`). */
  readonly queueName: string;
  /** Stable id of the scheduler inside its queue; the same id always means the same scheduler. */
  readonly schedulerId: string;
  /** Period between two produced jobs, in ms. */
  readonly everyMs: number;
  /** Name of the produced jobs. */
  readonly jobName: string;
  /** Small payload copied into every produced job; never tokens, secrets or personal data. */
  readonly data: Readonly<Record<string, string | number | boolean>>;
  /** Options of the produced jobs (retention, attempts, backoff); `jobId`/`repeat`/`delay` are BullMQ's. */
  readonly jobOptions?: JobSchedulerTemplateOptions;
}

/**
 * Contributes scheduler specs. It may do I/O (the schedule sync lists the business units to sync); it is called
 * each time the scheduler role reconciles. Returning a spec list for a queue makes the role the owner of every
 * scheduler in that queue: schedulers in that queue whose id is not returned are removed.
 */
export interface SchedulerSpecProvider {
  /** Name used in logs. */
  readonly name: string;
  /** Queues whose schedulers this provider owns (present even when it returns no spec for one of them). */
  readonly queueNames: readonly string[];
  specs(): Promise<readonly SchedulerSpec[]>;
}

/** Queue names of the repeatable work owned by the sweeps. */
export const HEARTBEAT_QUEUE = 'heartbeat';
export const SCHEDULE_SYNC_QUEUE = 'schedule-sync';
export const SCHEDULE_FOLLOW_QUEUE = 'schedule-follow';
