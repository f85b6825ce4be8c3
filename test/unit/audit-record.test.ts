import { createHash } from 'node:crypto';
import type { AuditEvent } from '../../src/audit/audit-event';
import {
  auditRecordSchema,
  buildRecords,
  canonicalRecordJson,
  computeRecordHash,
  GENESIS_HASH,
  GENESIS_HEAD,
  headOf,
  storableEvent,
  type AuditRecord,
} from '../../src/audit/audit-record';
import { canonicalJson, canonicalMembers, CanonicalJsonError } from '../../src/audit/canonical-json';

const event = (i: number, extra: Partial<AuditEvent> = {}): AuditEvent => ({
  eventId: `e-${i}`,
  type: 'applied',
  occurredAt: '2026-12-07T09:00:00.000Z',
  userId: 'agent-1',
  requestId: `r-${i}`,
  ...extra,
});

let ids = 0;
const newId = (): string => `id-${(ids += 1)}`;

describe('audit records', () => {
  it('chains a batch onto the head: consecutive seq, each prevHash the previous hash', () => {
    const records = buildRecords(GENESIS_HEAD, [event(1), event(2), event(3)], { now: () => 1_000, newId });
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(records[0]?.prevHash).toBe(GENESIS_HASH);
    expect(records[1]?.prevHash).toBe(records[0]?.hash);
    expect(records[2]?.prevHash).toBe(records[1]?.hash);
    const next = buildRecords(headOf(records[2] as AuditRecord), [event(4)], { now: () => 2_000, newId });
    expect(next[0]).toMatchObject({ seq: 4, prevHash: records[2]?.hash });
  });

  it('hashes SHA-256 over prevHash followed by the canonical JSON of the record without its hash', () => {
    const [record] = buildRecords(GENESIS_HEAD, [event(1)], { now: () => 0, newId });
    const { hash, ...body } = record as AuditRecord;
    const expected = createHash('sha256')
      .update(GENESIS_HASH + canonicalJson(body))
      .digest('hex');
    expect(hash).toBe(expected);
    expect(computeRecordHash(record as AuditRecord)).toBe(expected);
  });

  it('changes the hash when any field changes', () => {
    const [record] = buildRecords(GENESIS_HEAD, [event(1)], { now: () => 0, newId });
    const r = record as AuditRecord;
    for (const changed of [
      { ...r, userId: 'agent-2' },
      { ...r, seq: 2 },
      { ...r, reason: 'x' },
      { ...r, v: 2 },
    ]) {
      expect(computeRecordHash(changed as never)).not.toBe(r.hash);
    }
  });

  it('never lets recordedAt go backwards, even when the clock does', () => {
    const [first] = buildRecords(GENESIS_HEAD, [event(1)], {
      now: () => Date.parse('2026-12-07T10:00:00Z'),
      newId,
    });
    const [second] = buildRecords(headOf(first as AuditRecord), [event(2)], {
      now: () => Date.parse('2026-12-07T09:59:00Z'),
      newId,
    });
    expect(second?.recordedAt).toBe('2026-12-07T10:00:00.000Z');
  });

  it('produces records that satisfy the record schema and carry the event fields unchanged', () => {
    const e = event(1, { genesys: { correlationId: 'c', status: 200 }, latencyMs: 31.5, force: false });
    const [record] = buildRecords(GENESIS_HEAD, [e], { now: () => 0, newId });
    expect(auditRecordSchema.parse(record)).toEqual(record);
    expect(record).toMatchObject({ ...e, v: 1, id: expect.any(String) as string });
  });

  it('makes strings storable everywhere: U+0000 and lone surrogates become U+FFFD before hashing', () => {
    const e = event(1, { reason: 'a\u0000b\uD800c\uDC00d 🎧', requestedPresence: { label: '\u0000' } });
    expect(storableEvent(e)).toMatchObject({
      reason: 'a\uFFFDb\uFFFDc\uFFFDd 🎧',
      requestedPresence: { label: '\uFFFD' },
    });
    const [record] = buildRecords(GENESIS_HEAD, [e], { now: () => 0, newId });
    expect(record?.reason).toBe('a\uFFFDb\uFFFDc\uFFFDd 🎧');
  });

  it('rejects a record with a field it does not know (nothing can ride along unhashed)', () => {
    const [record] = buildRecords(GENESIS_HEAD, [event(1)], { now: () => 0, newId });
    expect(auditRecordSchema.safeParse({ ...record, token: 'x' }).success).toBe(false);
  });
  it('writes each record once: its stored text and hash are the bytes canonicalJson and computeRecordHash give', () => {
    // Fields sorted before and after "hash" (genesys, force, requestId, …), nested objects, numbers, and strings that
    // need escaping or storable replacement.
    const events: AuditEvent[] = [
      event(1),
      event(2, {
        force: true,
        genesys: { status: 409, correlationId: 'c"1\\', errorCode: 'x' },
        detail: 'line\nbreak \u2028 é 🎉 \u0000',
        latencyMs: 12.5,
        version: 0,
        requestedPresence: { id: 'p', systemPresence: 'AVAILABLE' },
      }),
      { eventId: 'e-3', type: 'rejected', occurredAt: '2026-12-07T09:00:00.000Z', reason: undefined },
    ];
    const records = buildRecords(GENESIS_HEAD, events, { now: () => 5, newId });
    expect(records).toHaveLength(3);
    for (const record of records) {
      expect(canonicalRecordJson(record)).toBe(canonicalJson(record));
      expect(record.hash).toBe(computeRecordHash(record));
      expect(JSON.parse(canonicalRecordJson(record))).toEqual(JSON.parse(JSON.stringify(record)));
    }
  });

  it('keeps built records frozen, and writes a changed copy as it now is', () => {
    const [record] = buildRecords(GENESIS_HEAD, [event(1)], { now: () => 0, newId });
    const r = record as AuditRecord;
    expect(Object.isFrozen(r)).toBe(true);
    expect(() => {
      (r as { userId?: string }).userId = 'agent-2';
    }).toThrow(TypeError);
    const copy = { ...r, userId: 'agent-2' };
    expect(canonicalRecordJson(copy)).toBe(canonicalJson(copy));
    expect(canonicalRecordJson(copy)).not.toBe(canonicalRecordJson(r));
  });

  it('lists the canonical members of an object, the parts canonicalJson joins', () => {
    const value = { b: [1, { d: null, c: 'x' }], a: undefined, hash: 'h', A: true };
    const members = canonicalMembers(value);
    expect(members.map((m) => m.key)).toEqual(['A', 'b', 'hash']);
    expect(`{${members.map((m) => m.json).join(',')}}`).toBe(canonicalJson(value));
    expect(() => canonicalMembers({ at: new Date(0) })).toThrow(/\$\.at: only plain objects/);
    expect(() => canonicalMembers([1])).toThrow(CanonicalJsonError);
  });
});
