import { FakeClock, startTestEmulatorWithToken } from '../helpers/emulator';

type Emu = Awaited<ReturnType<typeof startTestEmulatorWithToken>>;

interface Details {
  userDetails?: Array<{
    userId: string;
    primaryPresence?: Array<{
      startTime: string;
      endTime?: string;
      systemPresence: string;
      organizationPresenceId: string;
    }>;
    routingStatus?: Array<{ startTime: string; endTime?: string; routingStatus: string }>;
  }>;
  totalHits: number;
}

const ON_QUEUE = 'e08eaf1b-ee47-4fa9-a231-1200e284798f';
const AVAILABLE = '6a3af858-942f-489d-9700-5f9bcdcdae9b';
const T0 = Date.parse('2025-03-10T08:00:00.000Z');
const MIN = 60_000;
const iso = (ms: number): string => new Date(ms).toISOString();

describe('emulator: analytics users/details/query', () => {
  const clock = new FakeClock(T0);
  let emu: Emu;
  let user: string;

  const query = (body: unknown) => emu.call<Details>('POST', '/api/v2/analytics/users/details/query', body);
  const byUser = (userId: string) => ({
    userFilters: [{ type: 'or', predicates: [{ dimension: 'userId', value: userId }] }],
  });

  beforeAll(async () => {
    emu = await startTestEmulatorWithToken({ agents: 20, now: clock.now, rateLimitPerMinute: 10_000 });
    user = emu.admin.agentIds().find((id) => emu.admin.presence(id).systemPresence === 'OFFLINE')!;
  });
  afterAll(() => emu.stop());
  beforeEach(() => {
    clock.set(T0);
    emu.admin.reset();
  });

  async function dayOfWork(): Promise<void> {
    clock.set(T0 + 10 * MIN);
    await emu.call('PATCH', `/api/v2/users/${user}/presences/purecloud`, {
      presenceDefinition: { id: ON_QUEUE },
    });
    clock.set(T0 + 40 * MIN);
    emu.admin.agentChangesPresence(user, 'Break');
    clock.set(T0 + 55 * MIN);
    await emu.call('PATCH', `/api/v2/users/${user}/presences/purecloud`, {
      presenceDefinition: { id: AVAILABLE },
    });
    clock.set(T0 + 90 * MIN);
  }

  it("computes presence and routing-status records from the agent's history, the open one without endTime", async () => {
    await dayOfWork();
    const res = await query({ interval: `${iso(T0)}/${iso(T0 + 2 * 60 * MIN)}`, ...byUser(user) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      totalHits: 1,
      userDetails: [
        {
          userId: user,
          primaryPresence: [
            {
              startTime: iso(T0),
              endTime: iso(T0 + 10 * MIN),
              systemPresence: 'OFFLINE',
              organizationPresenceId: 'ccf3c10a-aa2c-4845-8e8d-f59fa48c58e5',
            },
            {
              startTime: iso(T0 + 10 * MIN),
              endTime: iso(T0 + 40 * MIN),
              systemPresence: 'ON_QUEUE',
              organizationPresenceId: ON_QUEUE,
            },
            {
              startTime: iso(T0 + 40 * MIN),
              endTime: iso(T0 + 55 * MIN),
              systemPresence: 'BREAK',
              organizationPresenceId: '227b37e2-f1d0-4dd0-8f50-badd7cf6d158',
            },
            { startTime: iso(T0 + 55 * MIN), systemPresence: 'AVAILABLE', organizationPresenceId: AVAILABLE },
          ],
          routingStatus: [
            { startTime: iso(T0), endTime: iso(T0 + 10 * MIN), routingStatus: 'OFF_QUEUE' },
            { startTime: iso(T0 + 10 * MIN), endTime: iso(T0 + 40 * MIN), routingStatus: 'IDLE' },
            { startTime: iso(T0 + 40 * MIN), routingStatus: 'OFF_QUEUE' },
          ],
        },
      ],
    });
  });

  it('returns the records overlapping the interval, unclipped, newest first with order desc', async () => {
    await dayOfWork();
    const res = await query({
      interval: `${iso(T0 + 20 * MIN)}/${iso(T0 + 45 * MIN)}`,
      order: 'desc',
      ...byUser(user),
    });
    const presence = res.body.userDetails![0]!.primaryPresence!;
    expect(presence.map((p) => [p.systemPresence, p.startTime])).toEqual([
      ['BREAK', iso(T0 + 40 * MIN)],
      ['ON_QUEUE', iso(T0 + 10 * MIN)],
    ]);
  });

  it('filters records by systemPresence and by routingStatus', async () => {
    await dayOfWork();
    const interval = `${iso(T0)}/${iso(T0 + 2 * 60 * MIN)}`;
    const onQueue = await query({
      interval,
      presenceFilters: [{ type: 'or', predicates: [{ dimension: 'systemPresence', value: 'ON_QUEUE' }] }],
    });
    const mine = onQueue.body.userDetails!.find((d) => d.userId === user)!;
    expect(mine.primaryPresence!.map((p) => p.systemPresence)).toEqual(['ON_QUEUE']);
    expect(
      onQueue.body.userDetails!.every((d) =>
        d.primaryPresence!.every((p) => p.systemPresence === 'ON_QUEUE'),
      ),
    ).toBe(true);
    const idle = await query({
      interval,
      ...byUser(user),
      routingStatusFilters: [{ type: 'or', predicates: [{ dimension: 'routingStatus', value: 'IDLE' }] }],
    });
    expect(idle.body.userDetails![0]!.routingStatus).toEqual([
      { startTime: iso(T0 + 10 * MIN), endTime: iso(T0 + 40 * MIN), routingStatus: 'IDLE' },
    ]);
  });

  it('pages users with paging.pageSize/pageNumber and reports totalHits', async () => {
    const interval = `${iso(T0)}/${iso(T0 + 60 * MIN)}`;
    const seen: string[] = [];
    for (let page = 1; page <= 3; page += 1) {
      const res = await query({ interval, paging: { pageSize: 7, pageNumber: page } });
      expect(res.body.totalHits).toBe(20);
      seen.push(...res.body.userDetails!.map((d) => d.userId));
    }
    expect(seen).toHaveLength(20);
    expect(new Set(seen)).toEqual(new Set(emu.admin.agentIds()));
    expect([...seen].sort()).toEqual(seen);
    const beyond = await query({ interval, paging: { pageSize: 7, pageNumber: 4 } });
    expect(beyond.body).toEqual({ totalHits: 20 });
    const defaults = await query({ interval });
    expect(defaults.body.userDetails).toHaveLength(20);
  });

  it('enforces the interval caps: 7 days without filters, 31 days with filters', async () => {
    const days = (n: number) => `${iso(T0)}/${iso(T0 + n * 86_400_000)}`;
    expect((await query({ interval: days(7) })).status).toBe(200);
    const tooLong = await query({ interval: days(8) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toMatchObject({ code: 'bad.request' });
    expect((await query({ interval: days(31), ...byUser(user) })).status).toBe(200);
    expect((await query({ interval: days(32), ...byUser(user) })).status).toBe(400);
  });

  it('rejects a missing interval, bad paging and unknown filter dimensions with 400', async () => {
    expect((await query({})).status).toBe(400);
    const interval = `${iso(T0)}/${iso(T0 + MIN)}`;
    expect((await query({ interval, paging: { pageSize: 101, pageNumber: 1 } })).status).toBe(400);
    expect((await query({ interval, paging: { pageSize: 10 } })).status).toBe(400);
    expect(
      (
        await query({
          interval,
          userFilters: [{ type: 'or', predicates: [{ dimension: 'queueId', value: 'x' }] }],
        })
      ).status,
    ).toBe(400);
  });

  it('has no records before the emulator started', async () => {
    const res = await query({ interval: `${iso(T0 - 60 * MIN)}/${iso(T0)}` });
    expect(res.body).toEqual({ totalHits: 0 });
  });
});
