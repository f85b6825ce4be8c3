import { apiCall, startTestEmulatorWithToken } from '../helpers/emulator';

type Emu = Awaited<ReturnType<typeof startTestEmulatorWithToken>>;

describe('emulator: admin API and faults', () => {
  let emu: Emu;
  let user: string;

  beforeAll(async () => {
    emu = await startTestEmulatorWithToken({ agents: 5 });
    user = emu.admin.agentIds()[0]!;
  });
  afterAll(() => emu.stop());
  beforeEach(() => emu.admin.reset());

  it('counts calls per route template and resets the counters', async () => {
    await emu.call('GET', `/api/v2/users/${user}/presences/purecloud`);
    await emu.call('GET', `/api/v2/users/${emu.admin.agentIds()[1]}/presences/purecloud`);
    await emu.call('GET', '/api/v2/users');
    expect(emu.admin.callCount('GET', '/api/v2/users/:userId/presences/purecloud')).toBe(2);
    expect(emu.admin.calls()).toEqual({
      'GET /api/v2/users': 1,
      'GET /api/v2/users/:userId/presences/purecloud': 2,
    });
    emu.admin.resetCalls();
    expect(emu.admin.calls()).toEqual({});
  });

  it('adds the configured latency to API responses', async () => {
    emu.admin.setFaults({ latencyMs: 120 });
    const started = performance.now();
    expect((await emu.call('GET', '/api/v2/users')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
  });

  it('answers every call with the chosen 5xx and its ErrorBody at errorRatio 1, none at 0', async () => {
    emu.admin.setFaults({ errorRatio: 1, errorStatus: 503 });
    const failed = await emu.call<{ code: string; status: number }>('GET', '/api/v2/users');
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ code: 'service.unavailable', status: 503 });
    emu.admin.setFaults({ errorRatio: 0 });
    expect((await emu.call('GET', '/api/v2/users')).status).toBe(200);
  });

  it('fails about the requested share of calls at errorRatio 0.5, reproducibly for the seed', async () => {
    emu.admin.setFaults({ errorRatio: 0.5 });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i += 1) {
      statuses.push((await emu.call('GET', '/api/v2/users')).status);
    }
    const failures = statuses.filter((s) => s === 503).length;
    expect(failures).toBeGreaterThan(8);
    expect(failures).toBeLessThan(32);
    emu.admin.reset();
    emu.admin.setFaults({ errorRatio: 0.5 });
    const again: number[] = [];
    for (let i = 0; i < 40; i += 1) {
      again.push((await emu.call('GET', '/api/v2/users')).status);
    }
    expect(again).toEqual(statuses);
  });

  it('answers 429 with Retry-After during a 429 storm, and normally once it is off', async () => {
    emu.admin.setFaults({ rateLimitStorm: true, stormRetryAfterSeconds: 3 });
    const limited = await emu.call<{ code: string }>('GET', '/api/v2/users');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.body.code).toBe('too.many.requests.retry.after');
    emu.admin.setFaults({ rateLimitStorm: false });
    expect((await emu.call('GET', '/api/v2/users')).status).toBe(200);
  });

  it('scripts "503 then 200" for a method and path prefix only', async () => {
    emu.admin.failNext({
      count: 2,
      kind: 'status',
      status: 503,
      method: 'PATCH',
      pathPrefix: '/api/v2/users/',
    });
    const body = { presenceDefinition: { id: '227b37e2-f1d0-4dd0-8f50-badd7cf6d158' } };
    expect((await emu.call('GET', `/api/v2/users/${user}`)).status).toBe(200);
    expect((await emu.call('PATCH', `/api/v2/users/${user}/presences/purecloud`, body)).status).toBe(503);
    expect((await emu.call('PATCH', `/api/v2/users/${user}/presences/purecloud`, body)).status).toBe(503);
    expect((await emu.call('PATCH', `/api/v2/users/${user}/presences/purecloud`, body)).status).toBe(200);
    expect(emu.admin.callCount('PATCH', '/api/v2/users/:userId/presences/purecloud')).toBe(3);
    expect(emu.admin.presenceHistory(user)).toHaveLength(1);
  });

  it('scripts a connection reset (no response) and a 429 with a chosen Retry-After', async () => {
    emu.admin.failNext({ count: 1, kind: 'reset' });
    await expect(emu.call('GET', '/api/v2/users')).rejects.toThrow();
    emu.admin.failNext({ count: 1, kind: 'status', status: 429, retryAfterSeconds: 7 });
    const limited = await emu.call('GET', '/api/v2/users');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect((await emu.call('GET', '/api/v2/users')).status).toBe(200);
  });

  it('applies scripted failures to the token endpoint too', async () => {
    emu.admin.failNext({ count: 1, kind: 'status', status: 503, pathPrefix: '/oauth/token' });
    const response = await fetch(`${emu.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${emu.clientId}:${emu.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    expect(response.status).toBe(503);
  });

  it('rejects invalid fault settings with 400 and leaves the faults unchanged', async () => {
    const res = await apiCall<{ code: string }>(emu.baseUrl, 'PATCH', '/__emulator/faults', {
      body: { errorRatio: 2 },
    });
    expect(res.status).toBe(400);
    expect(emu.admin.faults().errorRatio).toBe(0);
    expect(() => emu.admin.setFaults({ errorStatus: 418 as never })).toThrow(RangeError);
  });

  it('offers the same operations over HTTP under /__emulator', async () => {
    const faults = await apiCall<{ latencyMs: number; rateLimitStorm: boolean }>(
      emu.baseUrl,
      'PATCH',
      '/__emulator/faults',
      { body: { rateLimitStorm: true } },
    );
    expect(faults.body.rateLimitStorm).toBe(true);
    expect((await emu.call('GET', '/api/v2/users')).status).toBe(429);
    expect((await apiCall(emu.baseUrl, 'DELETE', '/__emulator/faults')).status).toBe(200);
    expect((await emu.call('GET', '/api/v2/users')).status).toBe(200);

    const changed = await apiCall<{ systemPresence: string; changedBy: string }>(
      emu.baseUrl,
      'POST',
      `/__emulator/agents/${user}/presence`,
      { body: { presence: 'On Queue' } },
    );
    expect(changed.body).toMatchObject({ systemPresence: 'ON_QUEUE', changedBy: 'agent' });
    const history = await apiCall<unknown[]>(emu.baseUrl, 'GET', `/__emulator/agents/${user}/history`);
    expect(history.body).toHaveLength(1);
    const presence = await apiCall<{ routingStatus: string }>(
      emu.baseUrl,
      'GET',
      `/__emulator/agents/${user}/presence`,
    );
    expect(presence.body.routingStatus).toBe('IDLE');
    expect(
      (
        await apiCall(emu.baseUrl, 'PUT', `/__emulator/agents/${user}/routingstatus`, {
          body: { status: 'INTERACTING' },
        })
      ).status,
    ).toBe(204);
    expect(emu.admin.presence(user).routingStatus).toBe('INTERACTING');

    const calls = await apiCall<Record<string, number>>(emu.baseUrl, 'GET', '/__emulator/calls');
    expect(calls.body['GET /api/v2/users']).toBe(2);
    const org = await apiCall<{ agents: unknown[] }>(emu.baseUrl, 'GET', '/__emulator/org');
    expect(org.body.agents).toHaveLength(5);
    expect((await apiCall(emu.baseUrl, 'POST', '/__emulator/reset')).status).toBe(204);
    expect(emu.admin.presenceHistory(user)).toEqual([]);
    const revoked = await apiCall<{ revoked: number }>(emu.baseUrl, 'POST', '/__emulator/tokens/revoke');
    expect(revoked.body.revoked).toBeGreaterThanOrEqual(1);
    expect((await emu.call('GET', '/api/v2/users')).status).toBe(401);
  });

  it('answers 404 for admin calls about an unknown agent', async () => {
    expect((await apiCall(emu.baseUrl, 'GET', '/__emulator/agents/ghost/history')).status).toBe(404);
    expect(() => emu.admin.agentChangesPresence('ghost', 'Break')).toThrow('not found');
    expect(() => emu.admin.agentChangesPresence(user, 'Out of Office')).toThrow('Unknown presence');
  });
});
