import { startTestEmulatorWithToken } from '../helpers/emulator';

const ON_QUEUE = 'e08eaf1b-ee47-4fa9-a231-1200e284798f';
const BREAK = '227b37e2-f1d0-4dd0-8f50-badd7cf6d158';
const AVAILABLE = '6a3af858-942f-489d-9700-5f9bcdcdae9b';

type Emu = Awaited<ReturnType<typeof startTestEmulatorWithToken>>;

interface UserPresence {
  id?: string;
  source: string;
  primary: boolean;
  presenceDefinition: { id: string; systemPresence: string; selfUri: string };
  message: string;
  modifiedDate: string;
}

describe('emulator: users, presence definitions, presence and routing status', () => {
  let emu: Emu;
  let ids: string[];

  beforeAll(async () => {
    emu = await startTestEmulatorWithToken({ agents: 60, rateLimitPerMinute: 100_000 });
    ids = emu.admin.agentIds();
  });
  afterAll(() => emu.stop());
  beforeEach(() => emu.admin.reset());

  it('seeds the same org for the same seed and a different one for another seed', async () => {
    const again = await startTestEmulatorWithToken({ agents: 60 });
    const other = await startTestEmulatorWithToken({ agents: 60, seed: 7 });
    try {
      expect(again.admin.org()).toEqual(emu.admin.org());
      expect(other.admin.agentIds()).not.toEqual(ids);
      expect(again.admin.presence(ids[5]!).systemPresence).toBe(emu.admin.presence(ids[5]!).systemPresence);
    } finally {
      await Promise.all([again.stop(), other.stop()]);
    }
  });

  it('pages GET /users with pageSize/pageNumber and the paging URIs', async () => {
    const page = await emu.call<{
      entities: Array<{ id: string }>;
      total: number;
      pageCount: number;
      pageNumber: number;
      nextUri?: string;
      previousUri?: string;
    }>('GET', '/api/v2/users?pageSize=25&pageNumber=3');
    expect(page.status).toBe(200);
    expect(page.body.entities.map((u) => u.id)).toEqual(ids.slice(50, 60));
    expect(page.body).toMatchObject({ total: 60, pageCount: 3, pageNumber: 3 });
    expect(page.body.nextUri).toBeUndefined();
    expect(page.body.previousUri).toBe('/api/v2/users?pageSize=25&pageNumber=2');
    const first = await emu.call<{ entities: unknown[]; nextUri: string }>('GET', '/api/v2/users');
    expect(first.body.entities).toHaveLength(25);
    expect(first.body.nextUri).toBe('/api/v2/users?pageSize=25&pageNumber=2');
  });

  it('expands presence and routingStatus on GET /users and GET /users/{id} only when asked', async () => {
    const plain = await emu.call<Record<string, unknown>>('GET', `/api/v2/users/${ids[0]}`);
    expect(plain.body).not.toHaveProperty('presence');
    const expanded = await emu.call<{ entities: Array<Record<string, unknown>> }>(
      'GET',
      `/api/v2/users?id=${ids[0]},${ids[1]}&expand=presence,routingStatus`,
    );
    expect(expanded.body.entities).toHaveLength(2);
    expect(expanded.body.entities[0]).toMatchObject({
      id: ids[0],
      presence: { source: 'PURECLOUD', presenceDefinition: { id: expect.any(String) } },
      routingStatus: { userId: ids[0], status: expect.stringMatching(/^(OFF_QUEUE|IDLE)$/) },
    });
  });

  it('answers 404 not.found for an unknown user', async () => {
    const res = await emu.call<{ code: string; status: number }>('GET', '/api/v2/users/no-such-user');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'not.found', status: 404 });
  });

  it('serves presence definitions on both paths with their different spellings of On Queue', async () => {
    const modern = await emu.call<{ total: number; entities: Array<Record<string, unknown>> }>(
      'GET',
      '/api/v2/presence/definitions',
    );
    expect(modern.body.total).toBe(15); // 10 system + 5 active secondary
    expect(modern.body.entities.find((d) => d.id === ON_QUEUE)).toMatchObject({
      systemPresence: 'OnQueue',
      type: 'System',
      languageLabels: { en_US: 'On Queue' },
      deactivated: false,
    });
    const deactivated = await emu.call<{ entities: Array<{ name: string }> }>(
      'GET',
      '/api/v2/presence/definitions?deactivated=true',
    );
    expect(deactivated.body.entities.map((d) => d.name)).toEqual(['Old Lunch']);

    const legacy = await emu.call<{
      total: number;
      pageCount: number;
      entities: Array<Record<string, unknown>>;
    }>('GET', '/api/v2/presencedefinitions?pageSize=100');
    expect(legacy.body.total).toBe(15);
    expect(legacy.body.entities.find((d) => d.id === ON_QUEUE)).toMatchObject({
      systemPresence: 'On Queue',
      primary: true,
    });
    expect(legacy.body.entities.filter((d) => d.primary === false)).toHaveLength(5);
    const all = await emu.call<{ total: number }>('GET', '/api/v2/presencedefinitions?deleted=all');
    expect(all.body.total).toBe(16);
    const one = await emu.call<{ systemPresence: string }>('GET', `/api/v2/presence/definitions/${BREAK}`);
    expect(one.body.systemPresence).toBe('Break');
    const legacyOne = await emu.call<{ systemPresence: string }>(
      'GET',
      `/api/v2/presencedefinitions/${ON_QUEUE}`,
    );
    expect(legacyOne.body.systemPresence).toBe('On Queue');
  });

  it('PATCHes presence to On Queue, which sets routing status IDLE; leaving sets OFF_QUEUE', async () => {
    const user = ids[1]!;
    await emu.call('PATCH', `/api/v2/users/${user}/presences/purecloud`, {
      presenceDefinition: { id: AVAILABLE },
    });
    expect(
      (await emu.call<{ status: string }>('GET', `/api/v2/users/${user}/routingstatus`)).body.status,
    ).toBe('OFF_QUEUE');
    const patched = await emu.call<UserPresence>('PATCH', `/api/v2/users/${user}/presences/purecloud`, {
      presenceDefinition: { id: ON_QUEUE },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      source: 'PURECLOUD',
      primary: true,
      presenceDefinition: { id: ON_QUEUE, systemPresence: 'On Queue' },
    });
    const routing = await emu.call<{ userId: string; status: string; startTime: string }>(
      'GET',
      `/api/v2/users/${user}/routingstatus`,
    );
    expect(routing.body).toEqual({ userId: user, status: 'IDLE', startTime: expect.any(String) });
    await emu.call('PATCH', `/api/v2/users/${user}/presences/purecloud`, {
      presenceDefinition: { id: BREAK },
    });
    expect(
      (await emu.call<{ status: string }>('GET', `/api/v2/users/${user}/routingstatus`)).body.status,
    ).toBe('OFF_QUEUE');
  });

  it('answers OFF_QUEUE, not 404, for the routing status of an unknown user', async () => {
    const res = await emu.call('GET', '/api/v2/users/ghost/routingstatus');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ userId: 'ghost', status: 'OFF_QUEUE' });
  });

  it('rejects a PATCH with an unknown or deactivated definition (400) and an unknown user (404)', async () => {
    const unknownDef = await emu.call<{ code: string }>(
      'PATCH',
      `/api/v2/users/${ids[0]}/presences/purecloud`,
      {
        presenceDefinition: { id: 'nope' },
      },
    );
    expect(unknownDef.status).toBe(400);
    expect(unknownDef.body.code).toBe('bad.request');
    const oldLunch = emu.admin.org().presenceDefinitions.find((d) => d.deactivated)!.id;
    expect(
      (
        await emu.call('PATCH', `/api/v2/users/${ids[0]}/presences/purecloud`, {
          presenceDefinition: { id: oldLunch },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await emu.call('PATCH', '/api/v2/users/ghost/presences/purecloud', {
          presenceDefinition: { id: BREAK },
        })
      ).status,
    ).toBe(404);
    expect(emu.admin.presenceHistory(ids[0]!)).toEqual([]);
  });

  it('lets the last write win and records every change with its author', async () => {
    const user = ids[2]!;
    await emu.call('PATCH', `/api/v2/users/${user}/presences/purecloud`, {
      presenceDefinition: { id: ON_QUEUE },
    });
    emu.admin.agentChangesPresence(user, 'Break', 'coffee');
    await emu.call('PATCH', `/api/v2/users/${user}/presences/purecloud`, {
      presenceDefinition: { id: AVAILABLE },
    });
    const history = emu.admin.presenceHistory(user);
    expect(history.map((h) => [h.systemPresence, h.changedBy, h.clientId, h.via])).toEqual([
      ['ON_QUEUE', 'service', emu.clientId, 'patch'],
      ['BREAK', 'agent', null, 'agent'],
      ['AVAILABLE', 'service', emu.clientId, 'patch'],
    ]);
    expect(history[1]!.message).toBe('coffee');
    expect(emu.admin.presence(user).systemPresence).toBe('AVAILABLE');
    const get = await emu.call<UserPresence>('GET', `/api/v2/users/${user}/presences/purecloud`);
    expect(get.body.presenceDefinition.id).toBe(AVAILABLE);
    expect(get.body.modifiedDate).toBe(history[2]!.modifiedDate);
  });

  it('bulk GET accepts comma-joined and repeated id forms, up to 50 ids', async () => {
    const joined = await emu.call<Array<{ userId: string }>>(
      'GET',
      `/api/v2/users/presences/purecloud/bulk?id=${ids.slice(0, 30).join(',')}`,
    );
    expect(joined.status).toBe(200);
    expect(joined.body.map((p) => p.userId)).toEqual(ids.slice(0, 30));
    const repeated = await emu.call<Array<{ userId: string }>>(
      'GET',
      `/api/v2/users/presences/purecloud/bulk?${ids
        .slice(0, 50)
        .map((id) => `id=${id}`)
        .join('&')}`,
    );
    expect(repeated.body).toHaveLength(50);
    const mixed = await emu.call<Array<{ userId: string }>>(
      'GET',
      `/api/v2/users/presences/purecloud/bulk?id=${ids[0]},${ids[1]}&id=${ids[2]}&id=ghost`,
    );
    expect(mixed.body.map((p) => p.userId)).toEqual(ids.slice(0, 3));
  });

  it('bulk GET with 51 ids answers 400 bad.request', async () => {
    const res = await emu.call<{ code: string; status: number }>(
      'GET',
      `/api/v2/users/presences/purecloud/bulk?id=${ids.slice(0, 51).join(',')}`,
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'bad.request', status: 400 });
  });

  it('bulk PUT changes every listed user and answers their presences', async () => {
    const body = ids
      .slice(0, 50)
      .map((id, i) => ({ id, presenceDefinition: { id: i % 2 === 0 ? ON_QUEUE : BREAK } }));
    const res = await emu.call<UserPresence[]>('PUT', '/api/v2/users/presences/bulk', body);
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(50);
    expect(res.body[0]).toMatchObject({ id: ids[0], presenceDefinition: { id: ON_QUEUE } });
    expect(emu.admin.presence(ids[0]!)).toMatchObject({ systemPresence: 'ON_QUEUE', routingStatus: 'IDLE' });
    expect(emu.admin.presence(ids[1]!)).toMatchObject({
      systemPresence: 'BREAK',
      routingStatus: 'OFF_QUEUE',
    });
    expect(emu.admin.presenceHistory(ids[1]!)[0]).toMatchObject({ via: 'bulk', changedBy: 'service' });
  });

  it('bulk PUT rejects the whole request (nothing changed) when an item is invalid or the batch is too large', async () => {
    const bad = await emu.call<{ code: string; details: Array<{ entityId: string }> }>(
      'PUT',
      '/api/v2/users/presences/bulk',
      [
        { id: ids[0], presenceDefinition: { id: ON_QUEUE } },
        { id: 'ghost', presenceDefinition: { id: ON_QUEUE } },
      ],
    );
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([{ errorCode: 'not.found', fieldName: '[1].id', entityId: 'ghost' }]);
    expect(emu.admin.presenceHistory(ids[0]!)).toEqual([]);
    const tooMany = await emu.call(
      'PUT',
      '/api/v2/users/presences/bulk',
      ids.slice(0, 51).map((id) => ({ id, presenceDefinition: { id: BREAK } })),
    );
    expect(tooMany.status).toBe(400);
  });

  it('answers an unknown API route with 404 and malformed JSON with 400, both as ErrorBody', async () => {
    const missing = await emu.call<{ code: string }>('GET', '/api/v2/agents/presencestates');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('not.found');
    const response = await fetch(`${emu.baseUrl}/api/v2/users/${ids[0]}/presences/purecloud`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${emu.token}`, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { code: string; contextId: string };
    expect(body.code).toBe('bad.request');
    expect(body.contextId).toBe(response.headers.get('inin-correlation-id'));
  });
});
