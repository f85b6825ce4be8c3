import type { Logger } from 'pino';
import { AppError } from '../app-error';
import type { Config } from '../config';
import { isValidTimeZone } from './zoned-day';

/** The WFM calls the resolver makes (the `GenesysClient` methods of the same names). */
export interface BusinessUnitDirectory {
  listBusinessUnits(): Promise<{ data: ReadonlyArray<{ id: string }> }>;
  getBusinessUnit(businessUnitId: string): Promise<{ data: { settings?: { timeZone: string } | undefined } }>;
}

/**
 * The time zone of the timesheet days: `TIMESHEET_TIME_ZONE` when set (must be a valid IANA zone), else the time
 * zone of the business unit (the first of `WFM_BUSINESS_UNIT_IDS`, or the first the org lists), else UTC.
 */
export async function resolveTimesheetTimeZone(
  config: Pick<Config, 'TIMESHEET_TIME_ZONE' | 'WFM_BUSINESS_UNIT_IDS'>,
  wfm: BusinessUnitDirectory | undefined,
  logger: Pick<Logger, 'warn'>,
): Promise<string> {
  if (config.TIMESHEET_TIME_ZONE !== undefined) {
    if (!isValidTimeZone(config.TIMESHEET_TIME_ZONE)) {
      throw new AppError(
        'TIMESHEET_BAD_TIME_ZONE',
        `TIMESHEET_TIME_ZONE is not an IANA time zone: ${config.TIMESHEET_TIME_ZONE}`,
      );
    }
    return config.TIMESHEET_TIME_ZONE;
  }
  if (wfm !== undefined) {
    try {
      const businessUnitId = config.WFM_BUSINESS_UNIT_IDS[0] ?? (await wfm.listBusinessUnits()).data[0]?.id;
      if (businessUnitId !== undefined) {
        const zone = (await wfm.getBusinessUnit(businessUnitId)).data.settings?.timeZone;
        if (zone !== undefined && isValidTimeZone(zone)) {
          return zone;
        }
      }
    } catch (err) {
      logger.warn({ err }, 'business unit time zone unavailable; timesheets use UTC');
      return 'UTC';
    }
  }
  logger.warn('no TIMESHEET_TIME_ZONE and no business unit time zone; timesheets use UTC');
  return 'UTC';
}
