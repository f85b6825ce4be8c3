import type { Logger } from 'pino';
import {
  businessUnitSchedulesTopic,
  scheduleSearchTopic,
  type BusinessUnitSchedulesNotification,
  type ScheduleSearchNotification,
} from '../genesys/notifications-events';
import type { ScheduleSearchCompletions } from '../schedule/schedule-search-completions';

export interface StreamWfmEventsDeps {
  /**
   * The `{id}` of `v2.workforcemanagement.users.{id}.schedules.search`: the user the searches run as
   * (`WFM_SEARCH_REQUESTER_ID`, else the OAuth client id). Undefined → search completions are not followed.
   */
  requesterId: string | undefined;
  /** Business units whose schedule changes ask for a sync (`WFM_BUSINESS_UNIT_IDS`, else every unit listed). */
  businessUnitIds: () => Promise<readonly string[]>;
  /** Where completions go; the schedule sync waits there, in whichever worker process runs it. */
  completions: Pick<ScheduleSearchCompletions, 'record'>;
  /** Queues a sync of one business unit (absorbed while one waits). */
  requestScheduleSync(businessUnitId: string, reason: 'wfm-change'): Promise<string>;
  logger: Pick<Logger, 'debug' | 'info' | 'warn'>;
}

/**
 * The WFM side of the notification stream: which topics the stream leader subscribes besides the agents', and
 * what it does with their events. A finished async schedule search (genesys-api.md §4.3) is recorded in Redis
 * for the waiting sync; a change of a business unit's schedules (§4.5) queues a sync of that unit.
 * Both handlers are called synchronously by the channel and never throw: failures are logged, and the sync's
 * own wait limit and schedule are the backstop.
 */
export class StreamWfmEvents {
  constructor(private readonly deps: StreamWfmEventsDeps) {}

  /** The topics to subscribe (the business units are read at each (re)start; unreadable → none of them). */
  async topics(): Promise<string[]> {
    const { deps } = this;
    const topics = deps.requesterId === undefined ? [] : [scheduleSearchTopic(deps.requesterId)];
    try {
      const units = [...new Set(await deps.businessUnitIds())].sort();
      topics.push(...units.map(businessUnitSchedulesTopic));
    } catch (err) {
      deps.logger.warn({ err }, 'business units unavailable; not following their schedule changes');
    }
    return topics;
  }

  onScheduleSearch(event: ScheduleSearchNotification): void {
    const { operationId, businessUnitId, downloadUrl } = event;
    this.deps.logger.debug({ operationId, businessUnitId }, 'schedule search completed');
    this.deps.completions.record({ operationId, downloadUrl }).catch((err: unknown) => {
      this.deps.logger.warn(
        { err, operationId, businessUnitId },
        'schedule search completion not recorded; the sync will search again',
      );
    });
  }

  onBusinessUnitSchedules(event: BusinessUnitSchedulesNotification): void {
    const { businessUnitId, status, eventType } = event;
    if (status !== 'Complete') {
      return;
    }
    this.deps.requestScheduleSync(businessUnitId, 'wfm-change').then(
      (jobId) =>
        this.deps.logger.info({ businessUnitId, eventType, jobId }, 'WFM schedules changed; sync requested'),
      (err: unknown) =>
        this.deps.logger.warn(
          { err, businessUnitId },
          'WFM schedules changed but no sync could be requested; the next scheduled sync picks it up',
        ),
    );
  }
}
