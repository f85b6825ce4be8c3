import type { JobsOptions, Queue } from 'bullmq';
import { z } from 'zod';
import type { SchedulerSpec, SchedulerSpecProvider } from './scheduler-spec';
import { SCHEDULE_SYNC_QUEUE } from './scheduler-spec';

/** Job name of every schedule-sync job (scheduled and on demand). */
export const SCHEDULE_SYNC_JOB_NAME = 'schedule-sync';

/** The schedule-sync job: which business unit, and why. Ids only. */
export const scheduleSyncJobSchema = z
  .object({
    businessUnitId: z.string().regex(/^[0-9A-Za-z-]{1,64}$/),
    reason: z.enum(['scheduled', 'on-demand', 'wfm-change']).default('scheduled'),
  })
  .strict();
export type ScheduleSyncJob = z.infer<typeof scheduleSyncJobSchema>;

/** Three attempts 10 s → 20 s apart (a search still Processing, a 5xx); the next scheduled sync is the backstop. */
export const SCHEDULE_SYNC_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 10_000 },
  removeOnComplete: { count: 200, age: 86_400 },
  removeOnFail: { count: 1_000, age: 7 * 86_400 },
} as const satisfies JobsOptions;

/** The scheduler id of one business unit's sync. */
export function scheduleSyncSchedulerId(businessUnitId: string): string {
  return `schedule-sync-${businessUnitId}`;
}

export interface ScheduleSyncSchedulerOptions {
  /** `SCHEDULE_SYNC_EVERY_MS`. */
  everyMs: number;
  /** `WFM_BUSINESS_UNIT_IDS`; empty → every business unit WFM lists. */
  businessUnitIds: readonly string[];
  listBusinessUnits(): Promise<{ data: ReadonlyArray<{ id: string }> }>;
}

/** One job scheduler per business unit on the `schedule-sync` queue (new BUs appear at the next reconcile). */
export function scheduleSyncSchedulerProvider(options: ScheduleSyncSchedulerOptions): SchedulerSpecProvider {
  return {
    name: 'schedule-sync',
    queueNames: [SCHEDULE_SYNC_QUEUE],
    async specs(): Promise<SchedulerSpec[]> {
      const ids =
        options.businessUnitIds.length > 0
          ? [...options.businessUnitIds]
          : (await options.listBusinessUnits()).data.map((bu) => bu.id);
      return [...new Set(ids)].sort().map((businessUnitId) => ({
        queueName: SCHEDULE_SYNC_QUEUE,
        schedulerId: scheduleSyncSchedulerId(businessUnitId),
        everyMs: options.everyMs,
        jobName: SCHEDULE_SYNC_JOB_NAME,
        data: { businessUnitId, reason: 'scheduled' },
        jobOptions: SCHEDULE_SYNC_JOB_OPTIONS,
      }));
    },
  };
}

/**
 * Asks for a sync of one business unit now (on demand, or on a WFM schedule-change notification). While one
 * such request is waiting or running, further requests for the BU are absorbed (BullMQ deduplication), so a
 * burst of change events costs one sync. Returns the id of the job that will do it (the earlier one when absorbed).
 */
export async function requestScheduleSync(
  queue: Pick<Queue, 'add'>,
  businessUnitId: string,
  reason: 'on-demand' | 'wfm-change' = 'on-demand',
): Promise<string> {
  const data = scheduleSyncJobSchema.parse({ businessUnitId, reason });
  const job = await queue.add(SCHEDULE_SYNC_JOB_NAME, data, {
    ...SCHEDULE_SYNC_JOB_OPTIONS,
    deduplication: { id: `schedule-sync-request-${businessUnitId}` },
  });
  return String(job.id);
}
