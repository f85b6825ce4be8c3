/**
 * The agent's desired-state version travels as an HTTP entity tag: responses carry `ETag: "<version>"`,
 * requests may send `If-Match: "<version>"` (compare-and-set, ARCHITECTURE.md §5). `*` means "any version".
 */
export type IfMatch = { ok: true; expectedVersion: number | undefined } | { ok: false; message: string };

const MAX_VERSION = Number.MAX_SAFE_INTEGER;

export function parseIfMatch(header: string | string[] | undefined): IfMatch {
  if (header === undefined) {
    return { ok: true, expectedVersion: undefined };
  }
  if (Array.isArray(header)) {
    return { ok: false, message: 'send one If-Match header' };
  }
  const value = header.trim();
  if (value === '*') {
    return { ok: true, expectedVersion: undefined };
  }
  if (value.startsWith('W/')) {
    return { ok: false, message: 'weak entity tags cannot be used with If-Match; send "<version>"' };
  }
  const match = /^"?(\d{1,16})"?$/.exec(value);
  const digits = match?.[1];
  if (digits === undefined || value.startsWith('"') !== value.endsWith('"')) {
    return { ok: false, message: 'If-Match must be one version as an entity tag, e.g. "3"' };
  }
  const version = Number(digits);
  if (version > MAX_VERSION) {
    return { ok: false, message: 'If-Match version is too large' };
  }
  return { ok: true, expectedVersion: version };
}

export function etag(version: number): string {
  return `"${version}"`;
}

/** `Idempotency-Key`: 1–128 visible ASCII characters. */
export type IdempotencyKey = { ok: true; key: string | undefined } | { ok: false; message: string };

export function parseIdempotencyKey(header: string | string[] | undefined): IdempotencyKey {
  if (header === undefined) {
    return { ok: true, key: undefined };
  }
  if (Array.isArray(header)) {
    return { ok: false, message: 'send one Idempotency-Key header' };
  }
  if (!/^[\x21-\x7e]{1,128}$/.test(header)) {
    return { ok: false, message: 'Idempotency-Key must be 1-128 visible ASCII characters' };
  }
  return { ok: true, key: header };
}
