import pino from 'pino';
import { resolveTimesheetTimeZone, type BusinessUnitDirectory } from '../../src/timetracking/time-zone';

const logger = pino({ level: 'silent' });

function directory(zones: Record<string, string>, calls: string[] = []): BusinessUnitDirectory {
  return {
    listBusinessUnits: async () => {
      calls.push('list');
      return { data: Object.keys(zones).map((id) => ({ id })) };
    },
    getBusinessUnit: async (id) => {
      calls.push(`get ${id}`);
      return { data: { settings: { timeZone: zones[id] ?? 'Nowhere/Invalid' } } };
    },
  };
}

describe('timesheet time zone', () => {
  it('takes TIMESHEET_TIME_ZONE first and asks Genesys nothing', async () => {
    const calls: string[] = [];
    const zone = await resolveTimesheetTimeZone(
      { TIMESHEET_TIME_ZONE: 'Europe/Paris', WFM_BUSINESS_UNIT_IDS: [] },
      directory({ bu1: 'America/Chicago' }, calls),
      logger,
    );
    expect(zone).toBe('Europe/Paris');
    expect(calls).toEqual([]);
  });

  it('refuses a TIMESHEET_TIME_ZONE that is not an IANA zone', async () => {
    await expect(
      resolveTimesheetTimeZone(
        { TIMESHEET_TIME_ZONE: 'CEST+2', WFM_BUSINESS_UNIT_IDS: [] },
        undefined,
        logger,
      ),
    ).rejects.toMatchObject({ code: 'TIMESHEET_BAD_TIME_ZONE' });
  });

  it("uses the configured business unit's zone, else the org's first business unit", async () => {
    const calls: string[] = [];
    const wfm = directory({ bu1: 'America/Chicago', bu2: 'Asia/Tokyo' }, calls);
    expect(
      await resolveTimesheetTimeZone(
        { TIMESHEET_TIME_ZONE: undefined, WFM_BUSINESS_UNIT_IDS: ['bu2'] },
        wfm,
        logger,
      ),
    ).toBe('Asia/Tokyo');
    expect(calls).toEqual(['get bu2']);
    expect(
      await resolveTimesheetTimeZone(
        { TIMESHEET_TIME_ZONE: undefined, WFM_BUSINESS_UNIT_IDS: [] },
        wfm,
        logger,
      ),
    ).toBe('America/Chicago');
  });

  it('falls back to UTC when Genesys cannot say', async () => {
    const failing: BusinessUnitDirectory = {
      listBusinessUnits: async () => {
        throw new Error('503');
      },
      getBusinessUnit: async () => ({ data: {} }),
    };
    const config = { TIMESHEET_TIME_ZONE: undefined, WFM_BUSINESS_UNIT_IDS: [] };
    expect(await resolveTimesheetTimeZone(config, failing, logger)).toBe('UTC');
    expect(await resolveTimesheetTimeZone(config, undefined, logger)).toBe('UTC');
  });
});
