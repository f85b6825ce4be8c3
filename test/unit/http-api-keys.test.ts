import { createHash } from 'node:crypto';
import { ApiKeyRing, hasScope, mayUseSource } from '../../src/http/api-keys';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

const KEYS = JSON.stringify([
  { name: 'wfm', key: 'wfm-key-0123456789abcdef', scopes: ['enqueue', 'read'], sources: ['wfm'] },
  { name: 'ops', keySha256: sha('ops-key-0123456789abcdef'), scopes: ['admin'], sources: ['*'] },
  { name: 'viewer', key: 'viewer-key-0123456789abc', scopes: ['read'] },
]);

describe('ApiKeyRing', () => {
  const ring = ApiKeyRing.fromJson(KEYS);

  it('authenticates a plaintext key and a key given by its SHA-256', () => {
    expect(ring.authenticate('wfm-key-0123456789abcdef')?.name).toBe('wfm');
    expect(ring.authenticate('ops-key-0123456789abcdef')?.name).toBe('ops');
  });

  it('rejects unknown keys, prefixes and the hash itself', () => {
    expect(ring.authenticate('wfm-key-0123456789abcde')).toBeUndefined();
    expect(ring.authenticate('')).toBeUndefined();
    expect(ring.authenticate(sha('ops-key-0123456789abcdef'))).toBeUndefined();
  });

  it('exposes scopes and allowed sources, with "*" allowing any source', () => {
    const wfm = ring.authenticate('wfm-key-0123456789abcdef')!;
    const ops = ring.authenticate('ops-key-0123456789abcdef')!;
    const viewer = ring.authenticate('viewer-key-0123456789abc')!;
    expect(hasScope(wfm, 'enqueue')).toBe(true);
    expect(hasScope(wfm, 'admin')).toBe(false);
    expect(mayUseSource(wfm, 'wfm')).toBe(true);
    expect(mayUseSource(wfm, 'crm')).toBe(false);
    expect(mayUseSource(ops, 'anything')).toBe(true);
    expect(viewer.sources).toEqual([]);
  });

  it('never keeps or shows the plaintext key', () => {
    expect(JSON.stringify(ring.principals)).not.toContain('wfm-key');
  });

  it.each([
    ['not json', 'not valid JSON'],
    ['{}', 'expected array'],
    [JSON.stringify([{ name: 'a', scopes: ['read'] }]), 'exactly one of key or keySha256'],
    [
      JSON.stringify([{ name: 'a', key: 'k'.repeat(16), keySha256: sha('x'), scopes: ['read'] }]),
      'exactly one of key or keySha256',
    ],
    [JSON.stringify([{ name: 'a', key: 'short', scopes: ['read'] }]), 'at least 16 characters'],
    [JSON.stringify([{ name: 'a', keySha256: 'abc', scopes: ['read'] }]), '64 hex digits'],
    [JSON.stringify([{ name: 'a', key: 'k'.repeat(16), scopes: ['write'] }]), 'scopes'],
    [JSON.stringify([{ name: 'a', key: 'k'.repeat(16), scopes: [] }]), 'scopes'],
    [
      JSON.stringify([
        { name: 'a', key: 'k'.repeat(16), scopes: ['read'] },
        { name: 'a', key: 'j'.repeat(16), scopes: ['read'] },
      ]),
      'unique',
    ],
  ])('refuses API_KEYS %s with a message naming the problem', (json, expected) => {
    expect(() => ApiKeyRing.fromJson(json)).toThrow(expected);
  });

  it('does not echo a plaintext key in its error messages', () => {
    const json = JSON.stringify([
      { name: 'a', key: 'secret-value-but-short'.slice(0, 10), scopes: ['read'] },
    ]);
    try {
      ApiKeyRing.fromJson(json);
      throw new Error('expected a failure');
    } catch (err) {
      expect((err as Error).message).not.toContain('secret-val');
      expect((err as { code?: string }).code).toBe('API_KEYS_INVALID');
    }
  });

  it('accepts an empty list (no API access at all)', () => {
    expect(ApiKeyRing.fromJson('[]').size).toBe(0);
  });
});
