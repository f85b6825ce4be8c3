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
    return write(value);
  } catch (err) {
    if (err instanceof Unrepresentable) {
      throw new CanonicalJsonError(`${path}${err.at.reverse().join('')}: ${err.why}`);
    }
    throw err;
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

/**
 * Thrown by `write` for a value JSON cannot carry exactly; each enclosing array or object adds its step to `at` (so
 * no path string is built unless something is refused).
 */
class Unrepresentable {
  readonly at: string[] = [];

  constructor(readonly why: string) {}
}

/** `write` of a member or item, adding its step to the path of a refusal from inside it. */
function writeWithin(step: string, value: unknown): string {
  try {
    return write(value);
  } catch (err) {
    if (err instanceof Unrepresentable) {
      err.at.push(step);
    }
    throw err;
  }
}

/** The canonical bytes of `value` (see the file's header); the audit writer runs this for every record. */
function write(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) {
        throw new Unrepresentable(`${String(value)} has no JSON representation`);
      }
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i += 1) {
          const item: unknown = value[i];
          out += `${i === 0 ? '' : ','}${item === undefined ? 'null' : writeWithin(`[${i}]`, item)}`;
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        throw new Unrepresentable('only plain objects are allowed');
      }
      const record = value as Record<string, unknown>;
      // Default sort: by UTF-16 code units.
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const v = record[key];
        if (v === undefined) {
          continue;
        }
        out += `${first ? '' : ','}${JSON.stringify(key)}:${writeWithin(`.${key}`, v)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw new Unrepresentable(`a ${typeof value} has no JSON representation`);
  }
}
