import { decideRetry, type FailedAttempt, type RetryPolicy } from '../../src/genesys/retry-policy';
import { parseRetryAfter } from '../../src/genesys/retry-after';

const policy: RetryPolicy = {
  retries: 3,
  maxRetryAfterMs: 10_000,
  defaultRetryAfterMs: 3_000,
  baseDelayMs: 250,
  maxDelayMs: 2_000,
  timeoutMs: 10_000,
  callBudgetMs: 25_000,
};

const attempt = (over: Partial<FailedAttempt>): FailedAttempt => ({
  mode: 'idempotent',
  status: undefined,
  errorCode: undefined,
  retryAfterMs: undefined,
  retriesDone: 0,
  elapsedMs: 0,
  ...over,
});

// random() = 1 gives the full backoff, so delays are exact.
const full = (): number => 1;

describe('decideRetry', () => {
  const table: Array<[string, Partial<FailedAttempt>, boolean, number | undefined]> = [
    ['retries a 503 on an idempotent call', { status: 503 }, true, 250],
    ['retries 500, 502 and 504', { status: 502 }, true, 250],
    ['doubles the backoff per retry', { status: 503, retriesDone: 2 }, true, 1_000],
    ['does not retry 501', { status: 501 }, false, undefined],
    ['does not retry a 400', { status: 400 }, false, undefined],
    ['does not retry a 404', { status: 404 }, false, undefined],
    ['does not retry a 401 (the token refresh handles it)', { status: 401 }, false, undefined],
    ['retries a connection reset on an idempotent call', { errorCode: 'ECONNRESET' }, true, 250],
    ['retries a timeout on an idempotent call', { errorCode: 'ETIMEDOUT' }, true, 250],
    ['does not retry a cancelled request', { errorCode: 'ERR_CANCELED' }, false, undefined],
    ['does not retry an unknown error', {}, false, undefined],
    ['waits Retry-After on a 429', { status: 429, retryAfterMs: 4_000 }, true, 4_000],
    ['waits the default on a 429 without Retry-After', { status: 429 }, true, 3_000],
    [
      'refuses a 429 whose Retry-After is above the in-request limit',
      { status: 429, retryAfterMs: 42_000 },
      false,
      undefined,
    ],
    [
      'retries a 429 on a call that is otherwise never replayed',
      { mode: 'rate-limit-only', status: 429, retryAfterMs: 0 },
      true,
      0,
    ],
    [
      'does not retry a 503 on a rate-limit-only call',
      { mode: 'rate-limit-only', status: 503 },
      false,
      undefined,
    ],
    [
      'does not retry a reset on a rate-limit-only call',
      { mode: 'rate-limit-only', errorCode: 'ECONNRESET' },
      false,
      undefined,
    ],
    ['never retries a none call', { mode: 'none', status: 429, retryAfterMs: 0 }, false, undefined],
    ['stops when the retries are used up', { status: 503, retriesDone: 3 }, false, undefined],
    [
      'honours Retry-After on a 503 when longer than the backoff',
      { status: 503, retryAfterMs: 5_000 },
      true,
      5_000,
    ],
    [
      'stops when another attempt could end after the call budget',
      { status: 503, elapsedMs: 14_900 },
      false,
      undefined,
    ],
    [
      'still retries when another attempt fits the call budget',
      { status: 503, elapsedMs: 14_000 },
      true,
      250,
    ],
  ];

  it.each(table)('%s', (_name, over, retry, delayMs) => {
    const decision = decideRetry(attempt(over), policy, full);
    expect(decision.retry).toBe(retry);
    if (decision.retry) {
      expect(decision.delayMs).toBe(delayMs);
    }
  });

  it('jitters the backoff between half and all of it', () => {
    const low = decideRetry(attempt({ status: 503, retriesDone: 1 }), policy, () => 0);
    expect(low).toEqual({ retry: true, delayMs: 250 });
    const capped = decideRetry(
      attempt({ status: 503, retriesDone: 2 }),
      { ...policy, maxDelayMs: 600 },
      full,
    );
    expect(capped).toEqual({ retry: true, delayMs: 600 });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-03-10T12:00:00Z');
  it.each([
    ['42', undefined, 42_000],
    ['0', undefined, 0],
    [['7'], undefined, 7_000],
    ['Mon, 10 Mar 2025 12:00:05 GMT', undefined, 5_000],
    ['Mon, 10 Mar 2025 11:59:00 GMT', undefined, 0],
    [undefined, 'Rate limit exceeded the maximum. Retry the request in [12] seconds', 12_000],
    [undefined, 'Rate limit exceeded the maximum [300] requests within [60] seconds', undefined],
    [undefined, undefined, undefined],
    ['soon', undefined, undefined],
  ])('reads %p / %p as %p ms', (header, body, expected) => {
    expect(parseRetryAfter(header, body, now)).toBe(expected);
  });
});
