import { etag, parseIdempotencyKey, parseIfMatch } from '../../src/http/version-header';

describe('If-Match parsing', () => {
  it.each([
    [undefined, undefined],
    ['*', undefined],
    ['"3"', 3],
    ['3', 3],
    [' "0" ', 0],
    ['"1234567"', 1234567],
  ])('accepts %p as expected version %p', (header, version) => {
    expect(parseIfMatch(header)).toEqual({ ok: true, expectedVersion: version });
  });

  it.each([['W/"3"'], ['"3", "4"'], ['"abc"'], ['"3'], ['-1'], [''], ['"99999999999999999"']])(
    'refuses %p',
    (header) => {
      expect(parseIfMatch(header).ok).toBe(false);
    },
  );

  it('refuses the header sent twice', () => {
    expect(parseIfMatch(['"1"', '"2"']).ok).toBe(false);
  });

  it('formats the version as a strong entity tag', () => {
    expect(etag(7)).toBe('"7"');
  });
});

describe('Idempotency-Key parsing', () => {
  it('accepts visible ASCII up to 128 characters', () => {
    expect(parseIdempotencyKey('order-42:retry')).toEqual({ ok: true, key: 'order-42:retry' });
    expect(parseIdempotencyKey(undefined)).toEqual({ ok: true, key: undefined });
    expect(parseIdempotencyKey('k'.repeat(128)).ok).toBe(true);
  });

  it.each([[''], ['k'.repeat(129)], ['has space'], ['tab\tkey'], ['é']])('refuses %p', (header) => {
    expect(parseIdempotencyKey(header).ok).toBe(false);
  });
});
