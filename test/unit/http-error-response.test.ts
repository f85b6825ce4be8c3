import { AppError } from '../../src/app-error';
import { isDependencyOutage } from '../../src/http/dependency-outage';
import { toErrorResponse } from '../../src/http/error-response';

const withCode = (message: string, code: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { code, ...extra });

describe('toErrorResponse', () => {
  it.each([
    ['VALIDATION_FAILED', 400],
    ['UNKNOWN_PRESENCE', 400],
    ['UNAUTHENTICATED', 401],
    ['FORBIDDEN', 403],
    ['FORCE_NOT_PERMITTED', 403],
    ['NOT_FOUND', 404],
    ['VERSION_CONFLICT', 409],
    ['IDEMPOTENCY_MISMATCH', 422],
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415],
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400],
  ])('maps code %s to HTTP %i', (code, status) => {
    expect(toErrorResponse(new AppError(code, 'x')).status).toBe(status);
  });

  it('lists every validation problem given as strings or as {path, message}', () => {
    const asStrings = new AppError('VALIDATION_FAILED', 'bad', {
      details: { problems: ['presence: required', 'source: too long'] },
    });
    expect(toErrorResponse(asStrings).body.problems).toEqual([
      { path: 'presence', message: 'required' },
      { path: 'source', message: 'too long' },
    ]);
    const asIssues = Object.assign(new AppError('VALIDATION_FAILED', 'bad'), {
      problems: [{ path: ['body', 'force'], message: 'expected boolean' }],
    });
    expect(toErrorResponse(asIssues).body.problems).toEqual([
      { path: 'body.force', message: 'expected boolean' },
    ]);
  });

  it('gives the current version of a version conflict in the body and as ETag', () => {
    const conflict = new AppError('VERSION_CONFLICT', 'stale', { details: { currentVersion: 4 } });
    const response = toErrorResponse(conflict);
    expect(response.body.currentVersion).toBe(4);
    expect(response.headers.etag).toBe('"4"');
    const direct = Object.assign(new AppError('VERSION_CONFLICT', 'stale'), { currentVersion: 0 });
    expect(toErrorResponse(direct).body.currentVersion).toBe(0);
  });

  it('renames framework codes to ours', () => {
    expect(toErrorResponse(withCode('too big', 'FST_ERR_CTP_BODY_TOO_LARGE')).body.code).toBe(
      'PAYLOAD_TOO_LARGE',
    );
    expect(toErrorResponse(withCode('bad type', 'FST_ERR_CTP_INVALID_MEDIA_TYPE')).body.code).toBe(
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it.each([
    [
      'ioredis offline queue disabled',
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    ],
    ['ioredis closed connection', new Error('Connection is closed.')],
    ['ioredis retries exhausted', Object.assign(new Error('x'), { name: 'MaxRetriesPerRequestError' })],
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED')],
    ['an open breaker', withCode('open', 'GENESYS_CIRCUIT_OPEN')],
    ['a wrapped cause', new Error('enqueue failed', { cause: withCode('reset', 'ECONNRESET') })],
    ['a deadline', withCode('slow', 'DEPENDENCY_TIMEOUT')],
  ])('answers 503 with Retry-After, never 500, for %s', (_what, err) => {
    const response = toErrorResponse(err);
    expect(response.status).toBe(503);
    expect(response.body.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(response.headers['retry-after']).toBe('5');
  });

  it('passes a Genesys Retry-After on', () => {
    const limited = withCode('429', 'GENESYS_RATE_LIMITED', { retryAfterMs: 12_300 });
    expect(toErrorResponse(limited).headers['retry-after']).toBe('13');
  });

  it('keeps the code and 4xx status of any other error of ours', () => {
    const response = toErrorResponse(new AppError('SOMETHING_REFUSED', 'no', { httpStatus: 423 }));
    expect(response).toMatchObject({ status: 423, body: { code: 'SOMETHING_REFUSED', message: 'no' } });
  });

  it('answers 502 for other Genesys refusals', () => {
    expect(toErrorResponse(withCode('no', 'GENESYS_BAD_REQUEST')).status).toBe(502);
  });

  it('hides the message of an unexpected error behind a 500', () => {
    const response = toErrorResponse(new TypeError('secret internals'));
    expect(response.status).toBe(500);
    expect(response.body.message).not.toContain('secret');
  });

  it('does not treat ordinary errors as outages', () => {
    expect(isDependencyOutage(new Error('boom'))).toBe(false);
    expect(isDependencyOutage('ECONNREFUSED')).toBe(false);
  });
});
