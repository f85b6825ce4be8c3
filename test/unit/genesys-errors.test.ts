import { inspect } from 'node:util';
import { GenesysRateLimitedError, isGenesysError } from '../../src/genesys/errors';
import { fromResponse, toGenesysError } from '../../src/genesys/translate-error';

const ctx = { method: 'GET', route: '/api/v2/users/{userId}/presences/purecloud' };

function errorBody(status: number, code: string, message: string) {
  return { message, code, status, contextId: 'ctx-1', details: [], errors: [] };
}

describe('fromResponse', () => {
  it.each([
    [400, 'bad.request', 'GENESYS_BAD_REQUEST'],
    [401, 'bad.credentials', 'GENESYS_AUTH'],
    [403, 'missing.permissions', 'GENESYS_FORBIDDEN'],
    [404, 'not.found', 'GENESYS_NOT_FOUND'],
    [409, 'general.conflict', 'GENESYS_CONFLICT'],
    [413, 'request.too.large', 'GENESYS_BAD_REQUEST'],
    [500, 'internal.server.error', 'GENESYS_SERVER'],
    [503, 'service.unavailable', 'GENESYS_SERVER'],
    [504, 'request.timeout', 'GENESYS_SERVER'],
  ])('maps %i %s to %s with status, Genesys code and correlation id', (status, code, expected) => {
    const err = fromResponse(
      status,
      { 'inin-correlation-id': 'corr-1' },
      errorBody(status, code, 'text'),
      ctx,
    );
    expect(err.code).toBe(expected);
    expect(err.httpStatus).toBe(status);
    expect(err.genesysCode).toBe(code);
    expect(err.correlationId).toBe('corr-1');
    expect(err.route).toBe(ctx.route);
    expect(err.message).toContain(`${status} ${code}: text`);
  });

  it('reads Retry-After of a normalised 429', () => {
    const err = fromResponse(
      429,
      { 'retry-after': '42' },
      errorBody(
        429,
        'too.many.requests.retry.after',
        'Rate limit exceeded the maximum. Retry the request in [42] seconds',
      ),
      ctx,
    );
    expect(err).toBeInstanceOf(GenesysRateLimitedError);
    expect(err.code).toBe('GENESYS_RATE_LIMITED');
    expect(err.retryAfterMs).toBe(42_000);
    expect(err.correlationId).toBe('ctx-1');
  });

  it('handles the older 429 code without Retry-After with the default wait', () => {
    const err = fromResponse(
      429,
      {},
      errorBody(
        429,
        'too.many.requests',
        'Rate limit exceeded the maximum [300] requests within [60] seconds',
      ),
      { ...ctx, defaultRetryAfterMs: 3_000 },
    );
    expect(err.code).toBe('GENESYS_RATE_LIMITED');
    expect(err.genesysCode).toBe('too.many.requests');
    expect(err.retryAfterMs).toBe(3_000);
  });

  it('treats an OAuth error body as an authentication failure, whatever the status', () => {
    const body = {
      error: 'invalid_client',
      description: 'authentication failed',
      error_description: 'authentication failed',
    };
    for (const status of [400, 401]) {
      const err = fromResponse(status, {}, body, { method: 'POST', route: '/oauth/token' });
      expect(err.code).toBe('GENESYS_AUTH');
      expect(err.genesysCode).toBe('invalid_client');
      expect(err.message).toContain('authentication failed');
    }
  });

  it('copes with a body that is not an ErrorBody', () => {
    const err = fromResponse(502, {}, '<html>bad gateway</html>', ctx);
    expect(err.code).toBe('GENESYS_SERVER');
    expect(err.genesysCode).toBeUndefined();
    expect(err.message).toContain('HTTP 502');
  });
});

describe('toGenesysError', () => {
  /** What axios rejects with when no response came (shape of AxiosError; tests do not import axios). */
  const transportError = (message: string, code: string) =>
    Object.assign(new Error(message), {
      isAxiosError: true,
      code,
      config: {
        headers: { Authorization: 'Bearer super-secret-token' },
        url: 'http://127.0.0.1/api',
        method: 'get',
      },
      request: { headers: { Authorization: 'Bearer super-secret-token' } },
      toJSON: () => ({ message, code, config: { headers: { Authorization: 'Bearer super-secret-token' } } }),
    });

  it('turns a reset into GENESYS_NETWORK with a cause that holds no request config', () => {
    const axiosError = transportError('socket hang up', 'ECONNRESET');
    const err = toGenesysError(axiosError, ctx);
    expect(err.code).toBe('GENESYS_NETWORK');
    expect((err.cause as { code?: string }).code).toBe('ECONNRESET');
    expect(inspect(err, { depth: 10 })).not.toContain('super-secret-token');
    expect(JSON.stringify(err)).not.toContain('super-secret-token');
  });

  it.each(['ETIMEDOUT', 'ECONNABORTED'])('turns %s into GENESYS_TIMEOUT', (code) => {
    const err = toGenesysError(transportError('timeout of 100ms exceeded', code), ctx);
    expect(err.code).toBe('GENESYS_TIMEOUT');
  });

  it('turns an open breaker into GENESYS_CIRCUIT_OPEN with the wait until the trial call', () => {
    const breakerError = Object.assign(new Error('Breaker is open'), { code: 'EOPENBREAKER' });
    const err = toGenesysError(breakerError, { ...ctx, breakerRetryAfterMs: 1_500 });
    expect(err.code).toBe('GENESYS_CIRCUIT_OPEN');
    expect(err.retryAfterMs).toBe(1_500);
  });

  it('passes Genesys errors through unchanged', () => {
    const original = fromResponse(404, {}, errorBody(404, 'not.found', 'x'), ctx);
    expect(toGenesysError(original, ctx)).toBe(original);
    expect(isGenesysError(original)).toBe(true);
    expect(isGenesysError(new Error('plain'))).toBe(false);
  });
});
