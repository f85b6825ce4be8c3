import { apiCall, FakeClock, startTestEmulatorWithToken } from '../helpers/emulator';

type Emu = Awaited<ReturnType<typeof startTestEmulatorWithToken>>;

interface Activity {
  startDate: string;
  lengthMinutes: number;
  description: string;
  activityCodeId: string;
  paid: boolean;
}
interface Shift {
  id: string;
  startDate: string;
  lengthMinutes: number;
  activities: Activity[];
  schedule: { id: string; weekDate: string };
}
interface SearchResult {
  agentSchedules: Array<{
    user: { id: string };
    shifts: Shift[];
    fullDayTimeOffMarkers: Array<{ businessUnitDate: string; activityCodeId: string; lengthMinutes: number }>;
  }>;
  businessUnitTimeZone: string;
  publishedSchedules: Array<{ id: string; weekDate: string; weekCount: number }>;
}
interface AsyncSearch {
  status: string;
  operationId: string;
  result?: SearchResult;
  downloadUrl?: string;
  progress?: number;
}
interface ActivityCode {
  id: string;
  name: string;
  category: string;
  active: boolean;
  secondaryPresences: Array<{ id: string }>;
}

const MINUTE = 60_000;
const hourInNewYork = (iso: string): number =>
  Number(
    new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/New_York',
      hour: 'numeric',
      hourCycle: 'h23',
    }).format(new Date(iso)),
  );

describe('emulator: workforce management', () => {
  // Wednesday 12 March 2025, 15:00 UTC; New York switched to daylight time on Sunday 9 March.
  const clock = new FakeClock('2025-03-12T15:00:00.000Z');
  let emu: Emu;
  let buId: string;
  let codes: ActivityCode[];

  const search = (body: unknown, query = '') =>
    emu.call<AsyncSearch>(
      'POST',
      `/api/v2/workforcemanagement/businessunits/${buId}/agentschedules/search${query}`,
      body,
    );
  // Monday 10 March .. Monday 17 March, local midnight in New York (EDT, UTC-4).
  const week = { startDate: '2025-03-10T04:00:00.000Z', endDate: '2025-03-17T04:00:00.000Z' };

  beforeAll(async () => {
    emu = await startTestEmulatorWithToken({ agents: 24, now: clock.now, rateLimitPerMinute: 10_000 });
    buId = emu.admin.org().businessUnit.id;
    codes = (
      await emu.call<{ entities: ActivityCode[] }>(
        'GET',
        `/api/v2/workforcemanagement/businessunits/${buId}/activitycodes`,
      )
    ).body.entities;
  });
  afterAll(() => emu.stop());
  beforeEach(() => emu.admin.reset());

  it('lists the business unit and gives its IANA time zone in the settings', async () => {
    const list = await emu.call<{ entities: Array<{ id: string; name: string }> }>(
      'GET',
      '/api/v2/workforcemanagement/businessunits',
    );
    expect(list.body.entities).toEqual([expect.objectContaining({ id: buId, name: 'Contact Centre' })]);
    const unit = await emu.call<{ settings: { timeZone: string; startDayOfWeek: string } }>(
      'GET',
      `/api/v2/workforcemanagement/businessunits/${buId}?expand=settings.timeZone,settings.startDayOfWeek`,
    );
    expect(unit.body.settings).toMatchObject({ timeZone: 'America/New_York', startDayOfWeek: 'Monday' });
  });

  it("returns an agent's management unit and business unit, and 404 for an unknown agent", async () => {
    const agent = emu.admin.org().agents[3]!;
    const res = await emu.call('GET', `/api/v2/workforcemanagement/agents/${agent.id}/managementunit`);
    expect(res.body).toEqual({
      user: { id: agent.id, selfUri: `/api/v2/users/${agent.id}` },
      managementUnit: {
        id: agent.managementUnitId,
        selfUri: `/api/v2/workforcemanagement/managementunits/${agent.managementUnitId}`,
      },
      businessUnit: { id: buId, selfUri: `/api/v2/workforcemanagement/businessunits/${buId}` },
    });
    expect((await emu.call('GET', '/api/v2/workforcemanagement/agents/ghost/managementunit')).status).toBe(
      404,
    );
  });

  it('has activity codes of every category, some tied to active secondary presences', async () => {
    expect(new Set(codes.map((c) => c.category))).toEqual(
      new Set([
        'OnQueueWork',
        'Break',
        'Meal',
        'Meeting',
        'OffQueueWork',
        'TimeOff',
        'Training',
        'Unavailable',
      ]),
    );
    const secondaryIds = new Set(
      emu.admin
        .org()
        .presenceDefinitions.filter((d) => !d.primary && !d.deactivated)
        .map((d) => d.id),
    );
    const tied = codes.filter((c) => c.secondaryPresences.length > 0);
    expect(tied.length).toBeGreaterThanOrEqual(4);
    for (const code of tied) {
      expect(secondaryIds.has(code.secondaryPresences[0]!.id)).toBe(true);
    }
    expect(codes.some((c) => !c.active)).toBe(true);
    const one = await emu.call<ActivityCode>(
      'GET',
      `/api/v2/workforcemanagement/businessunits/${buId}/activitycodes/${codes[1]!.id}`,
    );
    expect(one.body.name).toBe(codes[1]!.name);
  });

  it('serves activity codes through a downloadUrl when forceDownloadService=true', async () => {
    const res = await emu.call<{ entities?: unknown[]; downloadUrl: string }>(
      'GET',
      `/api/v2/workforcemanagement/businessunits/${buId}/activitycodes?forceDownloadService=true`,
    );
    expect(res.body.entities).toBeUndefined();
    const doc = await fetch(res.body.downloadUrl);
    expect(((await doc.json()) as { entities: unknown[] }).entities).toHaveLength(codes.length);
  });

  it('answers a search inline with Complete and published shifts for every agent', async () => {
    const res = await search(week);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'Complete', operationId: expect.any(String) });
    const result = res.body.result!;
    expect(result.businessUnitTimeZone).toBe('America/New_York');
    expect(result.publishedSchedules.map((p) => p.weekDate)).toEqual(['2025-03-10']);
    expect(result.agentSchedules).toHaveLength(24);
    for (const agent of result.agentSchedules) {
      expect(agent.shifts.length + agent.fullDayTimeOffMarkers.length).toBeGreaterThanOrEqual(4);
    }
  });

  it('builds shifts whose activities tile the shift, with breaks, meals, training and meetings', async () => {
    const result = (await search(week)).body.result!;
    const byId = new Map(codes.map((c) => [c.id, c]));
    const categories = new Set<string>();
    for (const agent of result.agentSchedules) {
      for (const shift of agent.shifts) {
        let cursor = Date.parse(shift.startDate);
        let total = 0;
        for (const activity of shift.activities) {
          expect(Date.parse(activity.startDate)).toBe(cursor);
          cursor += activity.lengthMinutes * MINUTE;
          total += activity.lengthMinutes;
          categories.add(byId.get(activity.activityCodeId)!.category);
        }
        expect(total).toBe(shift.lengthMinutes);
        const kinds = shift.activities.map((a) => byId.get(a.activityCodeId)!.category);
        expect(kinds).toEqual(expect.arrayContaining(['OnQueueWork', 'Break', 'Meal']));
      }
    }
    expect(categories).toEqual(
      new Set(['OnQueueWork', 'Break', 'Meal', 'Training', 'Meeting', 'OffQueueWork']),
    );
  });

  it('includes overnight shifts and full-day time off for a few agents', async () => {
    const result = (await search(week)).body.result!;
    const overnight = result.agentSchedules.flatMap((a) =>
      a.shifts.filter((s) => {
        const start = Date.parse(s.startDate);
        return (
          hourInNewYork(s.startDate) === 22 &&
          hourInNewYork(new Date(start + s.lengthMinutes * MINUTE).toISOString()) === 6
        );
      }),
    );
    expect(overnight.length).toBeGreaterThan(0);
    const timeOff = result.agentSchedules.filter((a) => a.fullDayTimeOffMarkers.length > 0);
    expect(timeOff.length).toBeGreaterThanOrEqual(2);
    expect(timeOff.length).toBeLessThan(6);
    const vacation = codes.find((c) => c.name === 'Vacation')!;
    expect(timeOff[0]!.fullDayTimeOffMarkers[0]).toMatchObject({
      businessUnitDate: '2025-03-12',
      activityCodeId: vacation.id,
      lengthMinutes: 480,
    });
  });

  it('places shift starts in the BU time zone across the DST change', async () => {
    const range = { startDate: '2025-03-06T00:00:00.000Z', endDate: '2025-03-12T00:00:00.000Z' };
    const result = (await search(range)).body.result!;
    // Agent 0 works Mon-Fri from 06:00 or 06:30 local: 11:xx UTC before 9 March, 10:xx UTC after.
    const shifts = result.agentSchedules[0]!.shifts;
    const utcHours = shifts.map((s) => [s.startDate.slice(0, 10), new Date(s.startDate).getUTCHours()]);
    expect(utcHours).toEqual([
      ['2025-03-06', 11],
      ['2025-03-07', 11],
      ['2025-03-10', 10],
      ['2025-03-11', 10],
    ]);
    for (const s of shifts) {
      expect(hourInNewYork(s.startDate)).toBe(6);
    }
  });

  it('is deterministic for a seed and filters by userIds', async () => {
    const other = await startTestEmulatorWithToken({ agents: 24, now: clock.now });
    try {
      const mine = (await search(week)).body.result;
      const theirs = (
        await other.call<AsyncSearch>(
          'POST',
          `/api/v2/workforcemanagement/businessunits/${buId}/agentschedules/search`,
          week,
        )
      ).body.result;
      expect(theirs).toEqual(mine);
    } finally {
      await other.stop();
    }
    const ids = emu.admin.agentIds().slice(2, 4);
    const filtered = (await search({ ...week, userIds: [...ids, 'ghost'] })).body.result!;
    expect(filtered.agentSchedules.map((a) => a.user.id)).toEqual(ids);
  });

  it('returns no shifts outside the published weeks (last week .. two weeks ahead)', async () => {
    const far = await search({ startDate: '2025-05-01T00:00:00.000Z', endDate: '2025-05-08T00:00:00.000Z' });
    expect(far.body.result!.agentSchedules.every((a) => a.shifts.length === 0)).toBe(true);
    expect(far.body.result!.publishedSchedules).toEqual([]);
  });

  it('searches one management unit through the MU twin route', async () => {
    const mu = emu.admin.org().managementUnits[0]!;
    const res = await emu.call<AsyncSearch>(
      'POST',
      `/api/v2/workforcemanagement/managementunits/${mu.id}/agentschedules/search`,
      week,
    );
    const members = emu.admin
      .org()
      .agents.filter((a) => a.managementUnitId === mu.id)
      .map((a) => a.id);
    expect(res.body.result!.agentSchedules.map((a) => a.user.id)).toEqual(members);
  });

  it('answers Complete with a downloadUrl in download mode, the URL serving the result', async () => {
    emu.admin.setFaults({ wfmSearchMode: 'download' });
    const res = await search(week);
    expect(res.body.status).toBe('Complete');
    expect(res.body.result).toBeUndefined();
    // The download URL is served without a bearer token, like the real pre-signed URLs.
    const doc = await apiCall<SearchResult>(res.body.downloadUrl!, 'GET', '');
    expect(doc.status).toBe(200);
    expect(doc.body.agentSchedules).toHaveLength(24);
    emu.admin.setFaults({ wfmSearchMode: 'inline' });
    expect((await search(week)).body.result).toEqual(doc.body);
    const forced = await search(week, '?forceDownloadService=true');
    expect(forced.body.downloadUrl).toEqual(expect.stringContaining('/downloads/wfm/'));
  });

  it('answers Processing forever when stuck', async () => {
    emu.admin.setFaults({ wfmSearchMode: 'stuck' });
    const res = await search(week, '?forceAsync=true');
    expect(res.body).toMatchObject({ status: 'Processing', progress: 0 });
    expect(res.body.result).toBeUndefined();
    expect(emu.admin.completePendingSearches()).toBe(0);
  });

  it('rejects bad dates (400) and an unknown business unit (404)', async () => {
    expect((await search({ startDate: 'yesterday', endDate: week.endDate })).status).toBe(400);
    expect((await search({ startDate: week.endDate, endDate: week.startDate })).status).toBe(400);
    const unknown = await emu.call(
      'POST',
      '/api/v2/workforcemanagement/businessunits/nope/agentschedules/search',
      week,
    );
    expect(unknown.status).toBe(404);
  });
});
