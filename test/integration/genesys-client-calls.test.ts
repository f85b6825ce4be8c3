import {
  ClientHarness,
  errorBody,
  presenceBody,
  rejectionOf,
  type ScriptedServer,
  startScriptedServer,
} from './genesys-test-server';

const ON_QUEUE = 'e08eaf1b-ee47-4fa9-a231-1200e284798f';
const BREAK = '227b37e2-f1d0-4dd0-8f50-badd7cf6d158';
const ids = (n: number) => Array.from({ length: n }, (_, i) => `user-${i}`);

describe('Genesys client typed calls against a scripted server', () => {
  let server: ScriptedServer;
  let harness: ClientHarness;

  beforeEach(async () => {
    server = await startScriptedServer();
    harness = new ClientHarness();
  });

  afterEach(async () => {
    await harness.close();
    await server.close();
  });

  it('splits a bulk presence GET of 120 ids into 50 + 50 + 20, comma-joined, and normalises spellings', async () => {
    server.setHandler((r) => ({
      status: 200,
      body: (r.query.get('id') ?? '')
        .split(',')
        .map((userId) => ({ userId, ...presenceBody(ON_QUEUE, 'OnQueue') })),
    }));
    const client = harness.client(server.url);

    const result = await client.getUserPresencesBulk([...ids(120), 'user-0']);

    const calls = server.apiCalls('GET', '/api/v2/users/presences/purecloud/bulk');
    expect(calls.map((r) => (r.query.get('id') ?? '').split(',').length)).toEqual([50, 50, 20]);
    expect(result.data).toHaveLength(120);
    expect(new Set(result.data.map((p) => p.systemPresence))).toEqual(new Set(['ON_QUEUE']));
    expect(result.calls).toHaveLength(3);
  });

  it('splits a bulk presence PUT of 60 users into 50 + 10 and checks every user in the answers', async () => {
    server.setHandler((r) => {
      const items = r.body as Array<{ id: string; presenceDefinition: { id: string } }>;
      // user-7 is left out of the answer; user-8 comes back with another presence.
      const answer = items
        .filter((i) => i.id !== 'user-7')
        .map((i) => ({ ...presenceBody(i.id === 'user-8' ? BREAK : i.presenceDefinition.id), id: i.id }));
      return { status: 200, body: answer };
    });
    const client = harness.client(server.url);

    const result = await client.putUserPresencesBulk(
      ids(60).map((userId) => ({ userId, presenceDefinitionId: ON_QUEUE, message: 'shift start' })),
    );

    const calls = server.apiCalls('PUT', '/api/v2/users/presences/bulk');
    expect(calls.map((r) => (r.body as unknown[]).length)).toEqual([50, 10]);
    expect((calls[0]?.body as unknown[])[0]).toEqual({
      id: 'user-0',
      source: 'PURECLOUD',
      presenceDefinition: { id: ON_QUEUE },
      message: 'shift start',
    });
    const failed = result.data.filter((r) => !r.ok);
    expect(failed.map((r) => [r.userId, r.ok ? '' : r.error.code])).toEqual([
      ['user-7', 'GENESYS_NOT_APPLIED'],
      ['user-8', 'GENESYS_NOT_APPLIED'],
    ]);
    expect(result.data.filter((r) => r.ok)).toHaveLength(58);
    expect(result.data[0]).toMatchObject({ ok: true, correlationId: expect.stringMatching(/^corr-/) });
  });

  it('stops a bulk PUT after a failed chunk: later users carry the same error, nothing more is sent', async () => {
    server.setHandler(() => ({
      status: 429,
      headers: { 'retry-after': '60' },
      body: errorBody(429, 'too.many.requests.retry.after'),
    }));
    const client = harness.client(server.url);

    const result = await client.putUserPresencesBulk(
      ids(75).map((userId) => ({ userId, presenceDefinitionId: ON_QUEUE })),
    );

    expect(server.apiCalls('PUT')).toHaveLength(1);
    expect(
      new Set(result.data.map((r) => (r.ok ? 'ok' : `${r.error.code}:${r.error.retryAfterMs}`))),
    ).toEqual(new Set(['GENESYS_RATE_LIMITED:60000']));
    expect(result.data).toHaveLength(75);
  });

  it('refuses a bulk PUT naming a user twice before calling', async () => {
    const client = harness.client(server.url);
    const err = await rejectionOf(
      client.putUserPresencesBulk([
        { userId: 'a', presenceDefinitionId: ON_QUEUE },
        { userId: 'a', presenceDefinitionId: BREAK },
      ]),
    );
    expect(err.code).toBe('GENESYS_BAD_REQUEST');
    expect(server.apiCalls()).toHaveLength(0);
  });

  it('PATCHes presence with only the definition id (and the message when given)', async () => {
    server.setHandler(() => ({ status: 200, body: presenceBody(BREAK, 'Break') }));
    const client = harness.client(server.url);

    const result = await client.patchUserPresence('u 1', { presenceDefinitionId: BREAK });
    await client.patchUserPresence('u 1', { presenceDefinitionId: BREAK, message: 'coffee' });

    const calls = server.apiCalls('PATCH');
    expect(calls[0]?.path).toBe('/api/v2/users/u%201/presences/purecloud');
    expect(calls.map((c) => c.body)).toEqual([
      { presenceDefinition: { id: BREAK } },
      { presenceDefinition: { id: BREAK }, message: 'coffee' },
    ]);
    expect(result.data).toMatchObject({
      userId: 'u 1',
      systemPresence: 'BREAK',
      presenceDefinitionId: BREAK,
    });
  });

  it('reads presence definitions from the new route and resolves names across spellings from the cache', async () => {
    server.setHandler(() => ({
      status: 200,
      body: {
        total: 2,
        entities: [
          { id: ON_QUEUE, type: 'System', systemPresence: 'OnQueue', languageLabels: { en_US: 'On Queue' } },
          { id: 'lunch', type: 'User', systemPresence: 'Meal', languageLabels: { en_US: 'Lunch' } },
        ],
      },
    }));
    const client = harness.client(server.url);

    const resolved = await Promise.all(
      ['ON_QUEUE', 'On Queue', 'onqueue', 'lunch', ON_QUEUE].map((n) => client.resolvePresence(n)),
    );

    expect(resolved.map((d) => d?.id)).toEqual([ON_QUEUE, ON_QUEUE, ON_QUEUE, 'lunch', ON_QUEUE]);
    expect(resolved[0]).toMatchObject({ name: 'On Queue', primary: true, systemPresence: 'ON_QUEUE' });
    expect(server.apiCalls('GET', '/api/v2/presence/definitions')).toHaveLength(1);
  });

  it('falls back to the legacy paged definitions when the new route is forbidden', async () => {
    server.setHandler((r) => {
      if (r.path === '/api/v2/presence/definitions') {
        return { status: 403, body: errorBody(403, 'missing.permissions') };
      }
      const page = Number(r.query.get('pageNumber'));
      return {
        status: 200,
        body: {
          entities: [
            page === 1
              ? {
                  id: ON_QUEUE,
                  primary: true,
                  systemPresence: 'On Queue',
                  languageLabels: { en_US: 'On Queue' },
                }
              : { id: BREAK, primary: true, systemPresence: 'Break', languageLabels: { en_US: 'Break' } },
          ],
          pageSize: 1,
          pageNumber: page,
          pageCount: 2,
        },
      };
    });
    const client = harness.client(server.url);

    const result = await client.getPresenceDefinitions();

    expect(result.data.map((d) => [d.id, d.systemPresence, d.primary])).toEqual([
      [ON_QUEUE, 'ON_QUEUE', true],
      [BREAK, 'BREAK', true],
    ]);
    expect(server.apiCalls('GET', '/api/v2/presencedefinitions')).toHaveLength(2);
  });

  it('lists all users page by page with expand, and reads routing status', async () => {
    server.setHandler((r) => {
      if (r.path.endsWith('/routingstatus')) {
        return { status: 200, body: { userId: 'user-1', status: 'IDLE', startTime: '2025-03-10T12:00:00Z' } };
      }
      const page = Number(r.query.get('pageNumber'));
      return {
        status: 200,
        body: {
          entities: [
            {
              id: `user-${page}`,
              name: `Agent ${page}`,
              presence: presenceBody(ON_QUEUE),
              routingStatus: { status: 'IDLE' },
            },
          ],
          pageSize: 1,
          pageNumber: page,
          total: 3,
          pageCount: 3,
        },
      };
    });
    const client = harness.client(server.url);

    const all = await client.listAllUsers({ pageSize: 1, expand: ['presence', 'routingStatus'] });
    const status = await client.getRoutingStatus('user-1');

    expect(all.data.map((u) => u.id)).toEqual(['user-1', 'user-2', 'user-3']);
    expect(all.data[0]).toMatchObject({
      presence: { systemPresence: 'ON_QUEUE' },
      routingStatus: { status: 'IDLE' },
    });
    expect(server.apiCalls('GET', '/api/v2/users')[0]?.query.get('expand')).toBe('presence,routingStatus');
    expect(status.data).toEqual({ userId: 'user-1', status: 'IDLE', startTime: '2025-03-10T12:00:00Z' });
  });

  describe('WFM schedule search', () => {
    const result = {
      businessUnitTimeZone: 'Europe/Berlin',
      agentSchedules: [
        {
          user: { id: 'user-1' },
          shifts: [
            {
              activities: [
                {
                  startDate: '2025-03-10T08:00:00Z',
                  lengthMinutes: 60,
                  activityCodeId: '0',
                  description: '',
                },
              ],
            },
          ],
          fullDayTimeOffMarkers: [],
        },
      ],
    };
    const query = { startDate: '2025-03-10T00:00:00Z', endDate: '2025-03-11T00:00:00Z', userIds: ['user-1'] };

    it('returns an inline Complete result', async () => {
      server.setHandler(() => ({ status: 200, body: { status: 'Complete', operationId: 'op', result } }));
      const client = harness.client(server.url);

      const outcome = await client.searchAgentSchedules('bu-1', query);

      expect(outcome.data).toEqual({ status: 'Complete', delivery: 'inline', result });
      expect(server.apiCalls('POST')[0]?.body).toEqual(query);
    });

    it('follows a downloadUrl with a plain GET that carries no bearer token', async () => {
      server.setHandler((r) =>
        r.path === '/downloads/abc'
          ? { status: 200, body: result }
          : {
              status: 200,
              body: { status: 'Complete', operationId: 'op', downloadUrl: `${server.url}/downloads/abc` },
            },
      );
      const client = harness.client(server.url);

      const outcome = await client.searchAgentSchedules('bu-1', query, { forceDownloadService: true });

      expect(outcome.data).toEqual({ status: 'Complete', delivery: 'download', result });
      const download = server.apiCalls('GET', '/downloads/abc');
      expect(download).toHaveLength(1);
      expect(download[0]?.headers.authorization).toBeUndefined();
      expect(server.apiCalls('POST')[0]?.query.get('forceDownloadService')).toBe('true');
      expect(outcome.calls.map((c) => c.route)).toEqual([
        '/api/v2/workforcemanagement/businessunits/{businessUnitId}/agentschedules/search',
        'GET {downloadUrl}',
      ]);
    });

    it('returns Processing with the operation id when nobody delivers the completion', async () => {
      server.setHandler(() => ({ status: 200, body: { status: 'Processing', operationId: 'op-7' } }));
      const client = harness.client(server.url);

      const outcome = await client.searchAgentSchedules('bu-1', query);

      expect(outcome.data).toEqual({ status: 'Processing', operationId: 'op-7' });
    });

    it('downloads the result when the completion (notification) delivers a downloadUrl in time', async () => {
      server.setHandler((r) =>
        r.path === '/downloads/op-7'
          ? { status: 200, body: result }
          : { status: 200, body: { status: 'Processing', operationId: 'op-7' } },
      );
      const client = harness.client(server.url);

      const outcome = await client.searchAgentSchedules('bu-1', query, {
        awaitCompletion: async (operationId) => `${server.url}/downloads/${operationId}`,
      });

      expect(outcome.data).toEqual({ status: 'Complete', delivery: 'download', result });
    });

    it('gives up waiting for the completion after completionTimeoutMs', async () => {
      server.setHandler(() => ({ status: 200, body: { status: 'Processing', operationId: 'op-8' } }));
      const client = harness.client(server.url);
      let aborted = false;

      const outcome = await client.searchAgentSchedules('bu-1', query, {
        completionTimeoutMs: 50,
        awaitCompletion: (_id, signal) =>
          new Promise((resolve) =>
            signal.addEventListener('abort', () => {
              aborted = true;
              resolve(undefined);
            }),
          ),
      });

      expect(outcome.data).toEqual({ status: 'Processing', operationId: 'op-8' });
      expect(aborted).toBe(true);
    });

    it('throws GENESYS_OPERATION_FAILED for an Error status', async () => {
      server.setHandler(() => ({ status: 200, body: { status: 'Error', operationId: 'op-9' } }));
      const client = harness.client(server.url);
      expect((await rejectionOf(client.searchAgentSchedules('bu-1', query))).code).toBe(
        'GENESYS_OPERATION_FAILED',
      );
    });
  });

  it('follows the downloadUrl of activity codes', async () => {
    server.setHandler((r) =>
      r.path === '/dl/codes'
        ? {
            status: 200,
            body: { entities: [{ id: 'c1', category: 'Break', secondaryPresences: [{ id: 's1' }] }] },
          }
        : { status: 200, body: { downloadUrl: `${server.url}/dl/codes` } },
    );
    const client = harness.client(server.url);

    const codes = await client.listActivityCodes('bu-1');

    expect(codes.data).toEqual([{ id: 'c1', category: 'Break', secondaryPresences: [{ id: 's1' }] }]);
    expect(server.apiCalls('GET', '/dl/codes')[0]?.headers.authorization).toBeUndefined();
  });

  it('pages an analytics user details query until totalHits and merges the users', async () => {
    server.setHandler((r) => {
      const page = (r.body as { paging: { pageNumber: number } }).paging.pageNumber;
      const rows = [
        {
          userId: 'u1',
          primaryPresence: [{ startTime: `2025-03-10T0${page}:00:00Z`, systemPresence: 'ON_QUEUE' }],
        },
      ];
      return { status: 200, body: { userDetails: rows, totalHits: 3 } };
    });
    const client = harness.client(server.url);

    const result = await client.queryAllUserDetails(
      { interval: '2025-03-10T00:00:00Z/2025-03-11T00:00:00Z' },
      { pageSize: 1 },
    );

    expect(server.apiCalls('POST')).toHaveLength(3);
    expect(result.data).toHaveLength(1);
    expect(result.data[0]?.primaryPresence?.map((p) => p.startTime)).toEqual([
      '2025-03-10T01:00:00Z',
      '2025-03-10T02:00:00Z',
      '2025-03-10T03:00:00Z',
    ]);
  });

  it('creates a channel, subscribes, and HEADs it (200 → true, 404 → false)', async () => {
    server.setHandler((r) => {
      if (r.method === 'POST' && r.path === '/api/v2/notifications/channels') {
        return {
          status: 200,
          body: { id: 'ch-1', connectUri: 'ws://127.0.0.1/channels/ch-1', expires: '2025-03-11T12:00:00Z' },
        };
      }
      if (r.method === 'HEAD') {
        return { status: r.path.endsWith('ch-1') ? 200 : 404 };
      }
      return {
        status: 200,
        body: { entities: (r.body as Array<{ id: string }>).map((t) => ({ ...t, state: 'Permitted' })) },
      };
    });
    const client = harness.client(server.url);

    const channel = await client.createChannel();
    const topics = await client.putSubscriptions('ch-1', [
      'v2.users.a.presence',
      'v2.users.a.presence',
      'v2.users.a.routingStatus',
    ]);

    expect(channel.data.id).toBe('ch-1');
    expect(topics.data.map((t) => t.id)).toEqual(['v2.users.a.presence', 'v2.users.a.routingStatus']);
    expect((await client.channelExists('ch-1')).data).toBe(true);
    expect((await client.channelExists('ch-2')).data).toBe(false);
    expect(
      (
        await rejectionOf(
          client.putSubscriptions(
            'ch-1',
            ids(1001).map((u) => `v2.users.${u}.presence`),
          ),
        )
      ).code,
    ).toBe('GENESYS_BAD_REQUEST');
  });
});
