import { canonicalJson } from '../../src/audit/canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('gives the same bytes whatever order the keys were inserted in', () => {
    const one = { requestId: 'r', userId: 'u', type: 'applied', nested: { b: true, a: null } };
    const two = { nested: { a: null, b: true }, type: 'applied', userId: 'u', requestId: 'r' };
    expect(canonicalJson(one)).toBe(canonicalJson(two));
  });

  it('leaves out undefined properties and writes undefined array items as null, as JSON.stringify does', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 1] })).toBe('{"b":[null,1]}');
  });

  it('orders keys by UTF-16 code units (RFC 8785)', () => {
    expect(canonicalJson({ é: 1, z: 2, Z: 3, '10': 4, '9': 5 })).toBe('{"10":4,"9":5,"Z":3,"z":2,"é":1}');
  });

  it('writes strings and numbers exactly as JSON.stringify', () => {
    const value = { s: 'quote " backslash \\ newline \n tab \t \u0001 🎧', n: [0, -1.5, 1e21, 1e-7, 12.345] };
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
    expect(canonicalJson(value.s)).toBe(JSON.stringify(value.s));
    expect(canonicalJson(value.n)).toBe(JSON.stringify(value.n));
  });

  it.each([
    ['NaN', { a: Number.NaN }, /\$\.a: NaN/],
    ['Infinity', [Number.POSITIVE_INFINITY], /\$\[0\]: Infinity/],
    ['a Date', { at: new Date(0) }, /only plain objects/],
    ['a bigint', { n: BigInt(1) }, /bigint/],
    ['a function', { f: () => 1 }, /function/],
  ])('refuses %s, which JSON cannot carry exactly', (_what, value, message) => {
    expect(() => canonicalJson(value)).toThrow(message);
  });

  it('matches JSON.stringify of the same value with keys sorted at every depth, for a nested record', () => {
    const sortDeep = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(sortDeep)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(
              Object.keys(v)
                .sort()
                .map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]),
            )
          : v;
    const record = {
      type: 'applied',
      seq: 42,
      requestedPresence: { label: 'On Queue', id: 'e08e', systemPresence: 'ON_QUEUE' },
      genesys: { status: 202, correlationId: 'c-1' },
      force: false,
      list: [{ b: 2, a: 1 }, 'x', null, 3.5],
      detail: 'via bulk-put of 48; "quoted" \\ ✓',
      empty: {},
    };
    expect(canonicalJson(record)).toBe(JSON.stringify(sortDeep(record)));
  });

  it('names the path of an unrepresentable value nested deep in an object', () => {
    expect(() => canonicalJson({ a: [{ b: { c: Number.NaN } }] })).toThrow(/\$\.a\[0\]\.b\.c: NaN/);
  });
});
