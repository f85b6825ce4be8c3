import {
  apiCall,
  FakeClock,
  fetchToken,
  openChannelSocket,
  startTestEmulatorWithToken,
  type ChannelSocket,
} from '../helpers/emulator';

type Emu = Awaited<ReturnType<typeof startTestEmulatorWithToken>>;
interface Channel {
  connectUri: string;
  id: string;
  expires: string;
}
interface Topics {
  entities: Array<{ id: string; state: string }>;
}

const ON_QUEUE = 'e08eaf1b-ee47-4fa9-a231-1200e284798f';
const BREAK = '227b37e2-f1d0-4dd0-8f50-badd7cf6d158';
const T0 = Date.parse('2025-03-10T08:00:00.000Z');
const DAY = 86_400_000;

describe('emulator: notification channels and WebSocket', () => {
  const clock = new FakeClock(T0);
  let emu: Emu;
  let users: string[];
  const sockets: ChannelSocket[] = [];

  const createChannel = async (): Promise<Channel> =>
    (await emu.call<Channel>('POST', '/api/v2/notifications/channels')).body;
  const subscribe = (id: string, topics: string[], method = 'PUT', query = '') =>
    emu.call<Topics>(
      method,
      `/api/v2/notifications/channels/${id}/subscriptions${query}`,
      topics.map((t) => ({ id: t })),
    );
  const head = (id: string, token = emu.token) =>
    apiCall(emu.baseUrl, 'HEAD', `/api/v2/notifications/channels/${id}`, { token });
  const connect = async (channel: Channel): Promise<ChannelSocket> => {
    const socket = await openChannelSocket(channel.connectUri);
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    emu = await startTestEmulatorWithToken({
      agents: 5,
      now: clock.now,
      heartbeatMs: 40,
      rateLimitPerMinute: 100_000,
      tokenTtlSeconds: 172_800,
    });
    users = emu.admin.agentIds();
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
    clock.set(T0);
    emu.admin.reset();
  });
  afterAll(() => emu.stop());

  it('creates a channel with a ws connectUri on the emulator and a 24 h expiry; HEAD answers 200 or 404', async () => {
    const channel = await createChannel();
    expect(channel.connectUri).toBe(`${emu.baseUrl.replace('http', 'ws')}/channels/${channel.id}`);
    expect(Date.parse(channel.expires)).toBe(T0 + DAY);
    expect((await head(channel.id)).status).toBe(200);
    expect((await head('no-such-channel')).status).toBe(404);
    const listed = await emu.call<{ entities: Channel[] }>('GET', '/api/v2/notifications/channels');
    expect(listed.body.entities.map((c) => c.id)).toContain(channel.id);
  });

  it('replaces (PUT), adds (POST), lists (GET) and removes (DELETE) subscriptions', async () => {
    const { id } = await createChannel();
    const put = await subscribe(id, [`v2.users.${users[0]}.presence`, `v2.users.${users[0]}.routingStatus`]);
    expect(put.status).toBe(200);
    expect(put.body.entities).toEqual([
      expect.objectContaining({ id: `v2.users.${users[0]}.presence`, state: 'Permitted' }),
      expect.objectContaining({ id: `v2.users.${users[0]}.routingStatus`, state: 'Permitted' }),
    ]);
    await subscribe(id, [`v2.users.${users[1]}.activity`], 'POST');
    const listed = await emu.call<Topics>('GET', `/api/v2/notifications/channels/${id}/subscriptions`);
    expect(listed.body.entities.map((t) => t.id)).toHaveLength(3);
    await subscribe(id, [`v2.users.${users[2]}.presence`]);
    expect(
      (await emu.call<Topics>('GET', `/api/v2/notifications/channels/${id}/subscriptions`)).body.entities.map(
        (t) => t.id,
      ),
    ).toEqual([`v2.users.${users[2]}.presence`]);
    expect((await emu.call('DELETE', `/api/v2/notifications/channels/${id}/subscriptions`)).status).toBe(204);
    expect(
      (await emu.call<Topics>('GET', `/api/v2/notifications/channels/${id}/subscriptions`)).body.entities,
    ).toEqual([]);
  });

  it('rejects unknown topics (such as a lower-case routingstatus) with 400, or marks them Rejected with ignoreErrors', async () => {
    const { id } = await createChannel();
    const bad = await subscribe(id, [`v2.users.${users[0]}.routingstatus`]);
    expect(bad.status).toBe(400);
    const ignored = await subscribe(
      id,
      [`v2.users.${users[0]}.presence`, 'routing:agents:status:updated'],
      'PUT',
      '?ignoreErrors=true',
    );
    expect(ignored.status).toBe(200);
    expect(ignored.body.entities.map((t) => [t.id, t.state])).toEqual([
      [`v2.users.${users[0]}.presence`, 'Permitted'],
      ['routing:agents:status:updated', 'Rejected'],
    ]);
  });

  it('allows 1,000 topics per channel and rejects the 1,001st', async () => {
    const { id } = await createChannel();
    const topics = Array.from({ length: 1000 }, (_, i) => `v2.users.u${i}.presence`);
    expect((await subscribe(id, topics)).status).toBe(200);
    const over = await subscribe(id, ['v2.users.extra.presence'], 'POST');
    expect(over.status).toBe(400);
    expect(
      (await emu.call<Topics>('GET', `/api/v2/notifications/channels/${id}/subscriptions`)).body.entities,
    ).toHaveLength(1000);
  });

  it('keeps 20 channels per client: the 21st evicts the least recently used unconnected channel', async () => {
    const first = await createChannel();
    const connected = await createChannel();
    await connect(connected);
    for (let i = 0; i < 18; i += 1) {
      clock.advance(1000);
      await createChannel();
    }
    expect((await head(first.id)).status).toBe(200);
    clock.advance(1000);
    await createChannel();
    expect((await head(first.id)).status).toBe(404);
    expect((await head(connected.id)).status).toBe(200);
  });

  it('expires a channel after 24 h unless re-subscribing extends it', async () => {
    const kept = await createChannel();
    const lapsed = await createChannel();
    clock.advance(DAY - 60_000);
    await subscribe(kept.id, [`v2.users.${users[0]}.presence`]);
    clock.advance(60_000);
    expect((await head(lapsed.id)).status).toBe(404);
    expect((await head(kept.id)).status).toBe(200);
    await expect(openChannelSocket(lapsed.connectUri)).rejects.toThrow(/404/);
  });

  it('streams presence, routingStatus and activity events with the real envelope when an API PATCH goes On Queue', async () => {
    const user = users.find((u) => emu.admin.presence(u).systemPresence !== 'ON_QUEUE')!;
    const channel = await createChannel();
    await subscribe(
      channel.id,
      ['presence', 'routingStatus', 'activity'].map((t) => `v2.users.${user}.${t}`),
    );
    const socket = await connect(channel);
    await emu.call('PATCH', `/api/v2/users/${user}/presences/purecloud`, {
      presenceDefinition: { id: ON_QUEUE },
    });
    const presence = await socket.waitFor((f) => f.topicName === `v2.users.${user}.presence`);
    expect(presence).toEqual({
      topicName: `v2.users.${user}.presence`,
      version: '2',
      eventBody: {
        source: 'PURECLOUD',
        presenceDefinition: { id: ON_QUEUE, systemPresence: 'On Queue' },
        primary: true,
        message: '',
        modifiedDate: new Date(T0).toISOString(),
      },
      metadata: { CorrelationId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });
    const routing = await socket.waitFor((f) => f.topicName === `v2.users.${user}.routingStatus`);
    expect(routing.eventBody).toEqual({
      id: user,
      routingStatus: { status: 'IDLE', startTime: new Date(T0).toISOString() },
    });
    const activity = await socket.waitFor((f) => f.topicName === `v2.users.${user}.activity`);
    expect(activity.eventBody).toMatchObject({
      id: user,
      routingStatus: { status: 'IDLE' },
      presence: { presenceDefinition: { id: ON_QUEUE } },
      activeQueueIds: expect.arrayContaining([expect.any(String)]),
    });
  });

  it("streams events for the agent's own change and for bulk PUT changes", async () => {
    const channel = await createChannel();
    await subscribe(
      channel.id,
      users.map((u) => `v2.users.${u}.presence`),
    );
    const socket = await connect(channel);
    emu.admin.agentChangesPresence(users[0]!, 'Meal');
    const own = await socket.waitFor((f) => f.topicName === `v2.users.${users[0]}.presence`);
    expect(own.eventBody).toMatchObject({ presenceDefinition: { systemPresence: 'Meal' } });
    await emu.call(
      'PUT',
      '/api/v2/users/presences/bulk',
      users.slice(1, 3).map((id) => ({ id, presenceDefinition: { id: BREAK } })),
    );
    await socket.waitFor((f) => f.topicName === `v2.users.${users[1]}.presence`);
    await socket.waitFor((f) => f.topicName === `v2.users.${users[2]}.presence`);
    expect(socket.frames.filter((f) => f.topicName?.endsWith('.presence'))).toHaveLength(3);
  });

  it('sends JSON heartbeats at the configured interval and answers {"message":"ping"} with a pong', async () => {
    const socket = await connect(await createChannel());
    const heartbeat = await socket.waitFor((f) => f.topicName === 'channel.metadata');
    expect(heartbeat).toEqual({
      topicName: 'channel.metadata',
      eventBody: { message: 'WebSocket Heartbeat' },
    });
    socket.send({ message: 'ping' });
    const pong = await socket.waitFor((f) => f.eventBody?.message === 'pong');
    expect(pong).toEqual({ topicName: 'channel.metadata', eventBody: { message: 'pong' } });
  });

  it('accepts a WebSocket subscribe message as an alternative to the REST call', async () => {
    const channel = await createChannel();
    const socket = await connect(channel);
    socket.send({ message: 'subscribe', topics: [`v2.users.${users[0]}.presence`], correlationId: 'c1' });
    expect(await socket.waitFor((f) => f.result !== undefined)).toEqual({
      result: '200',
      status: 'subscribed',
      correlationId: 'c1',
    });
    emu.admin.agentChangesPresence(users[0]!, 'Away');
    await socket.waitFor((f) => f.topicName === `v2.users.${users[0]}.presence`);
  });

  it('sends v2.system.socket_closing and, when asked, closes the socket afterwards', async () => {
    const socket = await connect(await createChannel());
    expect(emu.admin.sendSocketClosing(20)).toBe(1);
    const warning = await socket.waitFor((f) => f.topicName === 'v2.system.socket_closing');
    expect(warning.eventBody).toMatchObject({ message: expect.any(String) });
    expect(await socket.closed).toBe(1001);
  });

  it('drops every WebSocket abruptly while the channel stays valid for a reconnect', async () => {
    const channel = await createChannel();
    await subscribe(channel.id, [`v2.users.${users[0]}.presence`]);
    const socket = await connect(channel);
    expect(emu.admin.dropWebSockets()).toBe(1);
    expect(await socket.closed).toBe(1006);
    expect((await head(channel.id)).status).toBe(200);
    const again = await connect(channel);
    emu.admin.agentChangesPresence(users[0]!, 'Busy');
    await again.waitFor((f) => f.topicName === `v2.users.${users[0]}.presence`);
  });

  it('closes the older socket when a second one connects to the same channel', async () => {
    const channel = await createChannel();
    const first = await connect(channel);
    await connect(channel);
    expect(await first.closed).toBe(4000);
  });

  it('ends the channels of a revoked token with a token_revoked frame', async () => {
    const token = (await fetchToken(emu.baseUrl, emu.clientId, emu.clientSecret)).body.access_token!;
    const channel = (await apiCall<Channel>(emu.baseUrl, 'POST', '/api/v2/notifications/channels', { token }))
      .body;
    const socket = await connect(channel);
    emu.admin.revokeAllTokens();
    const frame = await socket.waitFor((f) => f.topicName?.startsWith('v2.system.token_revoked') === true);
    expect(frame.eventBody).toMatchObject({ channelId: channel.id, systemTopicType: 'token_revoked' });
    await socket.closed;
    await emu.renewToken();
    expect((await head(channel.id)).status).toBe(404);
  });

  it('announces an async WFM search on v2.workforcemanagement.users.{clientId}.schedules.search with a downloadUrl', async () => {
    const channel = await createChannel();
    await subscribe(channel.id, [`v2.workforcemanagement.users.${emu.clientId}.schedules.search`]);
    const socket = await connect(channel);
    const buId = emu.admin.org().businessUnit.id;
    emu.admin.setFaults({ wfmSearchMode: 'async' });
    const res = await emu.call<{ status: string; operationId: string }>(
      'POST',
      `/api/v2/workforcemanagement/businessunits/${buId}/agentschedules/search`,
      { startDate: '2025-03-10T00:00:00Z', endDate: '2025-03-11T00:00:00Z' },
    );
    expect(res.body.status).toBe('Processing');
    const done = await socket.waitFor((f) => f.topicName?.endsWith('.schedules.search') === true);
    expect(done.eventBody).toEqual({
      operationId: res.body.operationId,
      businessUnitId: buId,
      downloadUrl: expect.stringContaining('/downloads/wfm/'),
    });
    const doc = await fetch(String(done.eventBody!.downloadUrl));
    expect(((await doc.json()) as { agentSchedules: unknown[] }).agentSchedules).toHaveLength(5);
  });
});
