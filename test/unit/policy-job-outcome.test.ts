import { errorFacts, jobActionForError, type JobAttemptContext } from '../../src/policy/job-outcome';

class CodedError extends Error {
  constructor(
    readonly code: string,
    readonly httpStatus?: number,
    readonly retryAfterMs?: number,
  ) {
    super(code);
  }
}

const ctx: JobAttemptContext = {
  attemptsMade: 0,
  attempts: 5,
  breakerResetMs: 15_000,
  defaultRateLimitMs: 1_000,
};

describe('jobActionForError', () => {
  test.each([
    [
      '429 with Retry-After',
      new CodedError('GENESYS_RATE_LIMITED', 429, 42_000),
      { kind: 'rate-limit', delayMs: 42_000 },
    ],
    [
      '429 without Retry-After',
      new CodedError('GENESYS_RATE_LIMITED', 429),
      { kind: 'rate-limit', delayMs: 1_000 },
    ],
    [
      'shared budget exhausted',
      new CodedError('GENESYS_BUDGET_EXHAUSTED', undefined, 2_500),
      { kind: 'rate-limit', delayMs: 2_500 },
    ],
    ['an unnamed 429', new CodedError('SOMETHING', 429, 10), { kind: 'rate-limit', delayMs: 50 }],
    [
      'absurd Retry-After is capped at 10 min',
      new CodedError('GENESYS_RATE_LIMITED', 429, 86_400_000),
      { kind: 'rate-limit', delayMs: 600_000 },
    ],
    [
      'breaker open with half-open time',
      new CodedError('GENESYS_CIRCUIT_OPEN', undefined, 3_000),
      { kind: 'delay', delayMs: 3_000 },
    ],
    [
      'breaker open without half-open time',
      new CodedError('GENESYS_CIRCUIT_OPEN'),
      { kind: 'delay', delayMs: 15_000 },
    ],
    ['503', new CodedError('GENESYS_SERVER', 503), { kind: 'retry', code: 'GENESYS_SERVER' }],
    ['network', new CodedError('GENESYS_NETWORK'), { kind: 'retry', code: 'GENESYS_NETWORK' }],
    ['timeout', new CodedError('GENESYS_TIMEOUT'), { kind: 'retry', code: 'GENESYS_TIMEOUT' }],
    ['401 after refresh', new CodedError('GENESYS_AUTH', 401), { kind: 'retry', code: 'GENESYS_AUTH' }],
    [
      'a bulk write that skipped the user',
      new CodedError('GENESYS_NOT_APPLIED'),
      { kind: 'retry', code: 'GENESYS_NOT_APPLIED' },
    ],
    [
      '409 (retried: presence has no versioning)',
      new CodedError('GENESYS_CONFLICT', 409),
      { kind: 'retry', code: 'GENESYS_CONFLICT' },
    ],
    [
      '403 missing permission',
      new CodedError('GENESYS_FORBIDDEN', 403),
      { kind: 'fail', code: 'GENESYS_FORBIDDEN', reason: 'GENESYS_FORBIDDEN' },
    ],
    [
      'client misconfigured',
      new CodedError('GENESYS_CONFIG'),
      { kind: 'fail', code: 'GENESYS_CONFIG', reason: 'GENESYS_CONFIG' },
    ],
    ['a plain error (Redis, bug)', new Error('boom'), { kind: 'retry', code: 'UNKNOWN' }],
    [
      '400',
      new CodedError('GENESYS_BAD_REQUEST', 400),
      { kind: 'fail', code: 'GENESYS_BAD_REQUEST', reason: 'GENESYS_BAD_REQUEST' },
    ],
    [
      '404',
      new CodedError('GENESYS_NOT_FOUND', 404),
      { kind: 'fail', code: 'GENESYS_NOT_FOUND', reason: 'GENESYS_NOT_FOUND' },
    ],
    [
      'API drift',
      new CodedError('GENESYS_RESPONSE_INVALID'),
      { kind: 'fail', code: 'GENESYS_RESPONSE_INVALID', reason: 'GENESYS_RESPONSE_INVALID' },
    ],
    [
      'invalid job payload',
      new CodedError('JOB_INVALID_PAYLOAD'),
      { kind: 'fail', code: 'JOB_INVALID_PAYLOAD', reason: 'JOB_INVALID_PAYLOAD' },
    ],
    ['an unnamed 4xx', new CodedError('X', 422), { kind: 'fail', code: 'X', reason: 'X' }],
    ['408 is retried', new CodedError('X', 408), { kind: 'retry', code: 'X' }],
  ])('%s', (_name, err, action) => {
    expect(jobActionForError(err, ctx)).toEqual(action);
  });

  test('a retryable error on the last attempt fails the job for good', () => {
    expect(jobActionForError(new CodedError('GENESYS_SERVER', 503), { ...ctx, attemptsMade: 4 })).toEqual({
      kind: 'fail',
      code: 'GENESYS_SERVER',
      reason: 'attempts exhausted (5): GENESYS_SERVER',
    });
  });

  test('rate limits and breaker delays never use up attempts, even on the last one', () => {
    const last = { ...ctx, attemptsMade: 4 };
    expect(jobActionForError(new CodedError('GENESYS_RATE_LIMITED', 429, 5_000), last).kind).toBe(
      'rate-limit',
    );
    expect(jobActionForError(new CodedError('GENESYS_CIRCUIT_OPEN'), last).kind).toBe('delay');
  });
});

describe('errorFacts', () => {
  test('reads code, status and Retry-After from anything thrown', () => {
    expect(errorFacts(new CodedError('GENESYS_RATE_LIMITED', 429, 7))).toEqual({
      code: 'GENESYS_RATE_LIMITED',
      httpStatus: 429,
      retryAfterMs: 7,
      message: 'GENESYS_RATE_LIMITED',
    });
    expect(errorFacts('text')).toEqual({ code: 'UNKNOWN', message: 'text' });
    expect(errorFacts(null)).toEqual({ code: 'UNKNOWN', message: 'null' });
  });
});
