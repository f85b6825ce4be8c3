import type { AuditEvent } from '../../src/audit/audit-event';
import { AuditError } from '../../src/audit/audit-errors';
import {
  buildRecords,
  computeRecordHash,
  GENESIS_HEAD,
  headOf,
  type AuditRecord,
} from '../../src/audit/audit-record';
import type { StoredAuditRecord } from '../../src/audit/audit-store';
import { verifyChain } from '../../src/audit/verify-chain';

const events = (n: number): AuditEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    eventId: `e-${i + 1}`,
    type: 'requested' as const,
    occurredAt: '2026-12-07T09:00:00.000Z',
    userId: `u-${i % 3}`,
  }));

const chain = (n: number): AuditRecord[] => buildRecords(GENESIS_HEAD, events(n), { now: () => 1_000_000 });

async function* stored(records: readonly unknown[]): AsyncGenerator<StoredAuditRecord> {
  let line = 0;
  for (const record of records) {
    line += 1;
    yield { record: record as AuditRecord, location: `f:${line}` };
  }
}

describe('verifyChain', () => {
  it('accepts a clean chain and reports its first and last record', async () => {
    const records = chain(5);
    const result = await verifyChain(stored(records), {
      start: GENESIS_HEAD,
      anchor: headOf(records[4] as AuditRecord),
    });
    expect(result).toMatchObject({
      ok: true,
      count: 5,
      first: { seq: 1 },
      last: { seq: 5, hash: records[4]?.hash },
    });
  });

  it('accepts an empty log', async () => {
    expect(await verifyChain(stored([]), { start: GENESIS_HEAD })).toMatchObject({ ok: true, count: 0 });
  });

  it.each([
    [
      'an edited field',
      (r: AuditRecord[]) => r.map((x, i) => (i === 2 ? { ...x, userId: 'someone' } : x)),
      3,
      /altered/,
    ],
    [
      'a removed record',
      (r: AuditRecord[]) => r.filter((_, i) => i !== 2),
      4,
      /expected seq 3 but found seq 4/,
    ],
    ['a removed first record', (r: AuditRecord[]) => r.slice(1), 2, /expected seq 1 but found seq 2/],
    [
      'two records swapped',
      (r: AuditRecord[]) => [r[0], r[2], r[1], r[3], r[4]],
      3,
      /expected seq 2 but found seq 3/,
    ],
    [
      'a repeated record',
      (r: AuditRecord[]) => [r[0], r[1], r[1], r[2]],
      2,
      /expected seq 3 but found seq 2/,
    ],
    [
      'an edit with a recomputed hash',
      (r: AuditRecord[]) =>
        r.map((x, i) => {
          if (i !== 1) {
            return x;
          }
          const edited = { ...x, reason: 'forged' };
          return { ...edited, hash: computeRecordHash(edited) };
        }),
      3,
      /prevHash does not match the hash of seq 2/,
    ],
    [
      'a malformed record',
      (r: AuditRecord[]) => r.map((x, i) => (i === 3 ? { ...x, seq: 'four' } : x)),
      undefined,
      /not a valid record \(seq:/,
    ],
  ])('stops at the first broken record for %s', async (_what, edit, seq, reason) => {
    const result = await verifyChain(stored(edit(chain(5))), { start: GENESIS_HEAD });
    expect(result.ok).toBe(false);
    expect(result.broken?.seq).toBe(seq);
    expect(result.broken?.reason).toMatch(reason);
    expect(result.broken?.location).toMatch(/^f:\d$/);
  });

  it('detects records removed from the end against the writer’s head anchor', async () => {
    const records = chain(5);
    const result = await verifyChain(stored(records.slice(0, 3)), {
      start: GENESIS_HEAD,
      anchor: headOf(records[4] as AuditRecord),
    });
    expect(result).toMatchObject({ ok: false, count: 3, broken: { seq: 4 } });
    expect(result.broken?.reason).toMatch(/records seq 4–5 are missing/);
  });

  it('detects a rewritten tail that disagrees with the anchor', async () => {
    const records = chain(5);
    const rewritten = buildRecords(headOf(records[2] as AuditRecord), events(2), { now: () => 2_000_000 });
    const result = await verifyChain(stored([...records.slice(0, 3), ...rewritten]), {
      start: GENESIS_HEAD,
      anchor: headOf(records[4] as AuditRecord),
    });
    expect(result.broken).toMatchObject({ seq: 5, reason: expect.stringMatching(/head anchor/) as string });
  });

  it('continues from a checkpoint instead of genesis', async () => {
    const records = chain(6);
    const checkpoint = headOf(records[2] as AuditRecord);
    expect(await verifyChain(stored(records.slice(3)), { start: checkpoint })).toMatchObject({
      ok: true,
      count: 3,
    });
    expect((await verifyChain(stored(records.slice(3)), { start: GENESIS_HEAD })).ok).toBe(false);
  });

  it('checks a range that starts mid-chain from its first record on', async () => {
    const records = chain(6);
    expect(await verifyChain(stored(records.slice(2, 5)))).toMatchObject({
      ok: true,
      count: 3,
      first: { seq: 3 },
    });
  });

  it('reports a record the store could not parse as broken, with its location', async () => {
    async function* unreadable(): AsyncGenerator<StoredAuditRecord> {
      yield { record: chain(1)[0] as AuditRecord, location: 'f:1' };
      throw new AuditError('AUDIT_RECORD_UNREADABLE', 'f:2 is not valid JSON', {
        details: { location: 'f:2' },
      });
    }
    const result = await verifyChain(unreadable(), { start: GENESIS_HEAD });
    expect(result).toMatchObject({
      ok: false,
      count: 1,
      broken: { location: 'f:2', reason: 'f:2 is not valid JSON' },
    });
  });

  it('lets other errors (a store outage) through instead of calling the chain broken', async () => {
    async function* outage(): AsyncGenerator<StoredAuditRecord> {
      yield* [];
      throw new AuditError('AUDIT_STORE_UNAVAILABLE', 'down');
    }
    await expect(verifyChain(outage())).rejects.toMatchObject({ code: 'AUDIT_STORE_UNAVAILABLE' });
  });
});
