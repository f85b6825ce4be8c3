import { apiCall, FakeClock, fetchToken, startTestEmulator, type TestEmulator } from '../helpers/emulator';

describe('emulator: OAuth client credentials and token lifetime', () => {
  let emu: TestEmulator;
  const clock = new FakeClock();

  beforeAll(async () => {
    emu = await startTestEmulator({ agents: 3, now: clock.now, tokenTtlSeconds: 600, rateLimitPerMinute: 5 });
  });
  afterAll(() => emu.stop());
  beforeEach(() => emu.admin.reset());

  it('issues a bearer token with expires_in and no refresh token for valid client credentials', async () => {
    const res = await fetchToken(emu.baseUrl, emu.clientId, emu.clientSecret);
    expect(res.status).toBe(200);
    expect(res.headers.get('inin-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 600 });
  });

  it('answers invalid_client "client not found" for an unknown client id', async () => {
    const res = await fetchToken(emu.baseUrl, 'nobody', emu.clientSecret);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: 'invalid_client',
      description: 'client not found',
      error_description: 'client not found',
    });
  });

  it('answers invalid_client "authentication failed" for a wrong secret', async () => {
    const res = await fetchToken(emu.baseUrl, emu.clientId, 'wrong');
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(res.body).toMatchObject({ description: 'authentication failed' });
  });

  it('rejects credentials sent in the form body instead of Basic auth', async () => {
    const response = await fetch(`${emu.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${emu.clientId}&client_secret=${emu.clientSecret}`,
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('rejects a grant type other than client_credentials', async () => {
    const response = await fetch(`${emu.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${emu.clientId}:${emu.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=password',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });

  it('answers 401 authentication.required without a bearer token, with the ErrorBody and correlation id', async () => {
    const res = await apiCall<Record<string, unknown>>(emu.baseUrl, 'GET', '/api/v2/users');
    expect(res.status).toBe(401);
    const correlation = res.headers.get('ININ-Correlation-Id');
    expect(res.body).toEqual({
      message: 'No authentication bearer token specified in authorization header.',
      code: 'authentication.required',
      status: 401,
      contextId: correlation,
      details: [],
      errors: [],
    });
  });

  it('answers 401 bad.credentials for an unknown token', async () => {
    const res = await apiCall<{ code: string }>(emu.baseUrl, 'GET', '/api/v2/users', { token: 'forged' });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('bad.credentials');
  });

  it('accepts a token until its TTL passes, then answers 401 bad.credentials', async () => {
    const token = (await fetchToken(emu.baseUrl, emu.clientId, emu.clientSecret)).body.access_token!;
    clock.advance(599_999);
    expect((await apiCall(emu.baseUrl, 'GET', '/api/v2/users', { token })).status).toBe(200);
    clock.advance(1);
    const res = await apiCall<{ code: string }>(emu.baseUrl, 'GET', '/api/v2/users', { token });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('bad.credentials');
  });

  it('answers 401 after every token is revoked, and a new token works', async () => {
    const token = (await fetchToken(emu.baseUrl, emu.clientId, emu.clientSecret)).body.access_token!;
    expect(emu.admin.revokeAllTokens()).toBeGreaterThanOrEqual(1);
    expect((await apiCall(emu.baseUrl, 'GET', '/api/v2/users', { token })).status).toBe(401);
    const fresh = (await fetchToken(emu.baseUrl, emu.clientId, emu.clientSecret)).body.access_token!;
    expect((await apiCall(emu.baseUrl, 'GET', '/api/v2/users', { token: fresh })).status).toBe(200);
  });

  it('answers 429 with Retry-After and the normalised body after N calls in a rolling minute', async () => {
    clock.set('2025-03-10T12:00:00.000Z');
    const token = (await fetchToken(emu.baseUrl, emu.clientId, emu.clientSecret)).body.access_token!;
    for (let i = 0; i < 5; i += 1) {
      expect((await apiCall(emu.baseUrl, 'GET', '/api/v2/users', { token })).status).toBe(200);
      clock.advance(10_000);
    }
    // Calls were at :00, :10, :20, :30, :40; now :50.
    const limited = await apiCall<Record<string, unknown>>(emu.baseUrl, 'GET', '/api/v2/users', { token });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('10');
    expect(limited.body).toEqual({
      message: 'Rate limit exceeded the maximum. Retry the request in [10] seconds',
      code: 'too.many.requests.retry.after',
      status: 429,
      contextId: limited.headers.get('inin-correlation-id'),
      details: [],
      errors: [],
    });
    clock.advance(10_000); // the :00 call leaves the window
    expect((await apiCall(emu.baseUrl, 'GET', '/api/v2/users', { token })).status).toBe(200);
    expect((await apiCall(emu.baseUrl, 'GET', '/api/v2/users', { token })).status).toBe(429);
  });

  it('counts the limit per token: a second token has its own budget', async () => {
    const first = (await fetchToken(emu.baseUrl, emu.clientId, emu.clientSecret)).body.access_token!;
    const second = (await fetchToken(emu.baseUrl, emu.clientId, emu.clientSecret)).body.access_token!;
    for (let i = 0; i < 5; i += 1) {
      await apiCall(emu.baseUrl, 'GET', '/api/v2/users', { token: first });
    }
    expect((await apiCall(emu.baseUrl, 'GET', '/api/v2/users', { token: first })).status).toBe(429);
    expect((await apiCall(emu.baseUrl, 'GET', '/api/v2/users', { token: second })).status).toBe(200);
  });
});

describe('emulator: token error status option', () => {
  it('answers invalid_client with 400 when configured so', async () => {
    const emu = await startTestEmulator({ agents: 1, tokenErrorStatus: 400 });
    try {
      const res = await fetchToken(emu.baseUrl, emu.clientId, 'wrong');
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_client');
    } finally {
      await emu.stop();
    }
  });
});
