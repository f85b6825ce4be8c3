import { validateUserDetailsQuery } from '../../src/genesys/analytics';
import { combineResults, type GenesysResult } from '../../src/genesys/genesys-result';
import { fillRoute } from '../../src/genesys/http';
import { genesysKey } from '../../src/genesys/redis-keys';
import { chunks } from '../../src/genesys/presence';
import { regionEnvironment, resolveGenesysHosts } from '../../src/genesys/regions';
import { TokenCipher, tokenFingerprint } from '../../src/genesys/token-cipher';
import { serializeParams } from '../../src/genesys/transport';

describe('regions', () => {
  it('maps a region key to its API and login hosts', () => {
    expect(resolveGenesysHosts({ GENESYS_REGION: 'eu_west_1' })).toEqual({
      apiBaseUrl: 'https://api.mypurecloud.ie',
      loginBaseUrl: 'https://login.mypurecloud.ie',
    });
  });

  it.each([
    ['us-east-1', 'mypurecloud.com'],
    ['EU_CENTRAL_2', 'euc2.pure.cloud'],
    ['usw2.pure.cloud', 'usw2.pure.cloud'],
    ['eusc_de_east_1', 'edee1.eusc-pure.cloud'],
    ['mars_1', undefined],
  ])('reads %p as %p', (region, env) => {
    expect(regionEnvironment(region)).toBe(env);
  });

  it('lets both hosts be overridden (emulator) even for an unknown region', () => {
    expect(
      resolveGenesysHosts({
        GENESYS_REGION: 'local',
        GENESYS_API_BASE_URL: 'http://127.0.0.1:8787/',
        GENESYS_LOGIN_BASE_URL: 'http://127.0.0.1:8787',
      }),
    ).toEqual({ apiBaseUrl: 'http://127.0.0.1:8787', loginBaseUrl: 'http://127.0.0.1:8787' });
  });

  it('refuses an unknown region with the list of known ones', () => {
    expect(() => resolveGenesysHosts({ GENESYS_REGION: 'mars_1' })).toThrow(
      expect.objectContaining({ code: 'GENESYS_CONFIG', message: expect.stringContaining('eu_west_1') }),
    );
  });
});

describe('request building', () => {
  it('joins arrays with commas as the official SDK does', () => {
    expect(
      serializeParams({ id: ['a', 'b', 'c'], expand: ['presence', 'routingStatus'], skip: undefined }),
    ).toBe('id=a%2Cb%2Cc&expand=presence%2CroutingStatus');
  });

  it('fills and encodes path parameters', () => {
    expect(fillRoute('/api/v2/users/{userId}/presences/purecloud', { userId: 'a/b c' })).toBe(
      '/api/v2/users/a%2Fb%20c/presences/purecloud',
    );
    expect(() => fillRoute('/api/v2/users/{userId}', {})).toThrow(
      expect.objectContaining({ code: 'GENESYS_BAD_REQUEST' }),
    );
  });

  it('splits lists into chunks of at most the given size', () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunks([], 50)).toEqual([]);
  });

  it('keeps the keys of one structure in one cluster slot', () => {
    expect(genesysKey('gpw', 'budget:abc', 'log')).toBe('gpw:genesys:{budget:abc}:log');
    expect(genesysKey('{gpw}', 'budget:abc', 'log')).toBe('{gpw}:genesys:budget:abc:log');
  });
});

describe('token sealing', () => {
  it('round-trips with the same credentials and fails closed with others', () => {
    const sealed = new TokenCipher('client', 'secret').seal('token-value');
    expect(sealed).not.toContain('token-value');
    expect(new TokenCipher('client', 'secret').open(sealed)).toBe('token-value');
    expect(new TokenCipher('client', 'rotated').open(sealed)).toBeUndefined();
    expect(new TokenCipher('client', 'secret').open('garbage')).toBeUndefined();
    expect(tokenFingerprint('a')).not.toBe(tokenFingerprint('b'));
  });
});

describe('analytics query validation', () => {
  const userFilter = [{ type: 'or' as const, predicates: [{ dimension: 'userId', value: 'u1' }] }];

  it('accepts 31 days with filters and 7 without', () => {
    expect(() =>
      validateUserDetailsQuery({
        interval: '2025-01-01T00:00:00Z/2025-02-01T00:00:00Z',
        userFilters: userFilter,
      }),
    ).not.toThrow();
    expect(() =>
      validateUserDetailsQuery({ interval: '2025-01-01T00:00:00Z/2025-01-08T00:00:00Z' }),
    ).not.toThrow();
  });

  it.each([
    ['8 days without filters', { interval: '2025-01-01T00:00:00Z/2025-01-09T00:00:00Z' }],
    [
      '32 days with filters',
      { interval: '2025-01-01T00:00:00Z/2025-02-02T00:00:00Z', userFilters: userFilter },
    ],
    ['an end before the start', { interval: '2025-01-02T00:00:00Z/2025-01-01T00:00:00Z' }],
    ['no interval separator', { interval: '2025-01-01T00:00:00Z' }],
  ])('refuses %s before calling', (_name, body) => {
    expect(() => validateUserDetailsQuery(body)).toThrow(
      expect.objectContaining({ code: 'GENESYS_BAD_REQUEST' }),
    );
  });
});

describe('combineResults', () => {
  it('keeps every call and reports the last status and correlation id', () => {
    const part = (status: number, correlationId: string): GenesysResult<unknown> => ({
      data: null,
      status,
      correlationId,
      latencyMs: 5,
      calls: [{ method: 'GET', route: '/r', status, correlationId, latencyMs: 5, attempts: 1 }],
    });
    const combined = combineResults(['x'], [part(200, 'a'), part(206, 'b')], 1_000, 1_042);
    expect(combined).toMatchObject({ data: ['x'], status: 206, correlationId: 'b', latencyMs: 42 });
    expect(combined.calls).toHaveLength(2);
  });
});
