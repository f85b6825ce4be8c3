/**
 * Canonical JSON: the one byte-exact serialisation the audit hash chain is computed over.
 *
 * - object keys sorted by UTF-16 code units (JavaScript's default sort), at every depth;
 * - no whitespace; strings and numbers as `JSON.stringify` writes them (so this matches RFC 8785 / JCS for the
 *   values an audit record holds);
 * - keys whose value is `undefined` are left out, as `JSON.stringify` does;
 * - anything JSON cannot represent exactly (NaN, ±Infinity, bigint, functions, symbols, class instances such as
 *   `Date`) is refused, so two writers can never disagree about the bytes of a record.
 */
export class CanonicalJsonError extends Error {
  readonly code = 'AUDIT_CANONICAL_JSON';

  constructor(message: string) {
    super(message);
    this.name = 'CanonicalJsonError';
  }
}

export function canonicalJson(value: unknown): string {
  return canonicalJsonAt(value, '$');
}

/** `canonicalJson` of a value found at `path` (named in the error when the value cannot be written). */
function canonicalJsonAt(value: unknown, path: string): string {
  try {
    return fast(value);
  } catch (err) {
    if (err !== UNREPRESENTABLE) {
      throw err;
    }
    // Write it again the slow way, which tracks where it is, to name the offending value in the error.
    return write(value, path);
  }
}

/**
 * The members of a plain object as `canonicalJson` writes them (`"key":value`), in canonical key order, members
 * whose value is `undefined` left out: `canonicalJson(o)` is `{` + the members joined by `,` + `}`. Lets a caller
 * add a member (the audit record's `hash`) to an object it has already serialised without writing it again.
 */
export function canonicalMembers(value: object): Array<{ readonly key: string; readonly json: string }> {
  const proto = Object.getPrototypeOf(value) as unknown;
  if (Array.isArray(value) || (proto !== Object.prototype && proto !== null)) {
    throw new CanonicalJsonError('$: only plain objects have members');
  }
  const record = value as Record<string, unknown>;
  const members: Array<{ key: string; json: string }> = [];
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v !== undefined) {
      members.push({ key, json: `${JSON.stringify(key)}:${canonicalJsonAt(v, `$.${key}`)}` });
    }
  }
  return members;
}

/** Thrown by `fast` for a value JSON cannot carry exactly; `write` then says where it is. */
const UNREPRESENTABLE = Symbol('unrepresentable');

/**
 * The same bytes as `write`, without building a path string for every value (the audit writer hashes every record
 * with this, so it is on the hot path of every request).
 */
function fast(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) {
        throw UNREPRESENTABLE;
      }
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i += 1) {
          const item: unknown = value[i];
          out += `${i === 0 ? '' : ','}${item === undefined ? 'null' : fast(item)}`;
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        throw UNREPRESENTABLE;
      }
      const record = value as Record<string, unknown>;
      // Default sort: by UTF-16 code units, like writeObject's comparator.
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const v = record[key];
        if (v === undefined) {
          continue;
        }
        out += `${first ? '' : ','}${JSON.stringify(key)}:${fast(v)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw UNREPRESENTABLE;
  }
}

function write(value: unknown, path: string): string {
  if (value === null) {
    return 'null';
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) {
        throw new CanonicalJsonError(`${path}: ${String(value)} has no JSON representation`);
      }
      return JSON.stringify(value);
    case 'object':
      return Array.isArray(value) ? writeArray(value, path) : writeObject(value, path);
    default:
      throw new CanonicalJsonError(`${path}: a ${typeof value} has no JSON representation`);
  }
}

function writeArray(items: readonly unknown[], path: string): string {
  const parts = items.map((item, i) => (item === undefined ? 'null' : write(item, `${path}[${i}]`)));
  return `[${parts.join(',')}]`;
}

function writeObject(value: object, path: string): string {
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    throw new CanonicalJsonError(`${path}: only plain objects are allowed`);
  }
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const parts = entries.map(([k, v]) => `${JSON.stringify(k)}:${write(v, `${path}.${k}`)}`);
  return `{${parts.join(',')}}`;
}
