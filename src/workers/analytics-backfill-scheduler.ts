import type { Config } from '../config';
import {
  ANALYTICS_BACKFILL_QUEUE,
  BACKFILL_SCHEDULED_JOB,
  backfillJobOptions,
  type BackfillJobConfig,
} from './analytics-backfill-queue';
import type { SchedulerSpecProvider } from './scheduler-spec';

/** The scheduled analytics backfill (every `BACKFILL_EVERY_MS`), for the scheduler role to keep registered. */
export function analyticsBackfillSchedulerProvider(
  config: BackfillJobConfig & Pick<Config, 'BACKFILL_EVERY_MS'>,
): SchedulerSpecProvider {
  return {
    name: 'analytics-backfill',
    queueNames: [ANALYTICS_BACKFILL_QUEUE],
    specs: async () => [
      {
        queueName: ANALYTICS_BACKFILL_QUEUE,
        schedulerId: 'analytics-backfill',
        everyMs: config.BACKFILL_EVERY_MS,
        jobName: BACKFILL_SCHEDULED_JOB,
        data: { reason: 'scheduled' },
        jobOptions: backfillJobOptions(config),
      },
    ],
  };
}
