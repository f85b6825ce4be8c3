import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { auditEventSchema, type AuditEvent } from './audit-event';
import { canonicalJson, canonicalMembers } from './canonical-json';

/** Format version of a record; part of the hashed content so a future format can never be confused with this one. */
export const AUDIT_RECORD_VERSION = 1;

/** `prevHash` of the first record of a chain that has never been pruned. */
export const GENESIS_HASH = '0'.repeat(64);

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');

/**
 * One entry of the audit log: the producer's event plus what the single chain writer adds. The field names of
 * the event are kept as they are, so a record is the event with five more fields.
 */
export const auditRecordSchema = auditEventSchema
  .extend({
    v: z.literal(AUDIT_RECORD_VERSION),
    /** Record id, unique across the log (a UUID). */
    id: z.string().min(1).max(64),
    /** Position in the chain: 1, 2, 3, … with no gaps. */
    seq: z.number().int().positive(),
    /** When the audit worker appended the record (UTC, milliseconds); never decreases along the chain. */
    recordedAt: z.iso.datetime(),
    /** `hash` of the record before this one (or of the checkpoint the chain continues from). */
    prevHash: sha256Hex,
    /** SHA-256 (hex) over `prevHash` followed by the canonical JSON of this record without `hash`. */
    hash: sha256Hex,
  })
  .strict();

export type AuditRecord = z.infer<typeof auditRecordSchema>;
export type UnhashedAuditRecord = Omit<AuditRecord, 'hash'>;

/** The end of the chain: the next record gets `seq + 1` and `prevHash = hash`. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
  /** recordedAt of the last record; the next one is never earlier. */
  readonly recordedAt?: string;
}

export const GENESIS_HEAD: ChainHead = Object.freeze({ seq: 0, hash: GENESIS_HASH });

/** hash = SHA-256(prevHash ‖ canonicalJson(record without `hash`)). Accepts any object so verify can hash raw input. */
export function computeRecordHash(record: Readonly<Record<string, unknown>>): string {
  const { hash: _ignored, ...body } = record;
  const prevHash = typeof body.prevHash === 'string' ? body.prevHash : '';
  return createHash('sha256').update(prevHash).update(canonicalJson(body)).digest('hex');
}

/**
 * The canonical JSON of records built by `buildRecords` (the JSONL line), written once with their hash. Records are
 * frozen when they enter, so a stored text always matches its record.
 */
const canonicalTexts = new WeakMap<AuditRecord, string>();

/** `canonicalJson(record)`, without serialising it again when `buildRecords` made it. */
export function canonicalRecordJson(record: AuditRecord): string {
  return canonicalTexts.get(record) ?? canonicalJson(record);
}

/**
 * Hashes `body` and builds its record from one serialisation: the hash is taken over the canonical members of the
 * body, and the record's canonical JSON is the same members with `"hash":…` put in its sorted place — the bytes
 * `computeRecordHash(body)` and `canonicalJson(record)` give.
 */
function sealRecord(body: UnhashedAuditRecord): AuditRecord {
  const members = canonicalMembers(body).filter((m) => m.key !== 'hash');
  const hash = createHash('sha256')
    .update(body.prevHash)
    .update(`{${members.map((m) => m.json).join(',')}}`)
    .digest('hex');
  const after = members.findIndex((m) => m.key > 'hash');
  members.splice(after === -1 ? members.length : after, 0, { key: 'hash', json: `"hash":"${hash}"` });
  const record: AuditRecord = Object.freeze({ ...body, hash });
  canonicalTexts.set(record, `{${members.map((m) => m.json).join(',')}}`);
  return record;
}

export interface BuildRecordsOptions {
  /** The clock; defaults to `Date.now`. */
  now?: () => number;
  /** Record id factory; defaults to `randomUUID`. */
  newId?: () => string;
}

/**
 * Chains `events` onto `head`: consecutive seq numbers, each record's prevHash the previous hash, one recordedAt
 * for the whole batch (never earlier than the head's), strings made storable (see `storableEvent`).
 */
export function buildRecords(
  head: ChainHead,
  events: readonly AuditEvent[],
  options: BuildRecordsOptions = {},
): AuditRecord[] {
  const now = (options.now ?? Date.now)();
  const headTime = head.recordedAt === undefined ? Number.NEGATIVE_INFINITY : Date.parse(head.recordedAt);
  const recordedAt = new Date(Math.max(now, headTime)).toISOString();
  const newId = options.newId ?? randomUUID;
  const records: AuditRecord[] = [];
  let prev = head;
  for (const event of events) {
    const body: UnhashedAuditRecord = {
      ...storableEvent(event),
      v: AUDIT_RECORD_VERSION,
      id: newId(),
      seq: prev.seq + 1,
      recordedAt,
      prevHash: prev.hash,
    };
    const record = sealRecord(body);
    records.push(record);
    prev = record;
  }
  return records;
}

export function headOf(record: Pick<AuditRecord, 'seq' | 'hash' | 'recordedAt'>): ChainHead {
  return { seq: record.seq, hash: record.hash, recordedAt: record.recordedAt };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Any character `storable` might replace: most strings have none and are kept as they are without a copy. */
const MAYBE_UNSTORABLE = /[\u0000\uD800-\uDFFF]/;

/**
 * Strings as every store can hold them byte for byte: U+0000 (refused by PostgreSQL text and jsonb) and lone
 * UTF-16 surrogates (not encodable as UTF-8) become U+FFFD. Done before hashing, so what is hashed is exactly
 * what is stored and read back.
 */
export function storableEvent(event: AuditEvent): AuditEvent {
  return storable(event) as AuditEvent;
}

function storable(value: unknown): unknown {
  if (typeof value === 'string') {
    if (!MAYBE_UNSTORABLE.test(value)) {
      return value;
    }
    return value.replace(/\u0000/g, '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
  }
  if (Array.isArray(value)) {
    return value.map(storable);
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) {
        out[k] = storable(v);
      }
    }
    return out;
  }
  return value;
}
