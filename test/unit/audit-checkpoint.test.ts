import {
  assertCheckpointSigned,
  signCheckpoint,
  type UnsignedAuditCheckpoint,
} from '../../src/audit/audit-checkpoint';

const KEY = 'a-long-enough-checkpoint-key-0123456789';
const body: UnsignedAuditCheckpoint = {
  v: 1,
  seq: 700,
  hash: 'a'.repeat(64),
  recordedAt: '2026-12-05T10:00:00.000Z',
  firstSeq: 1,
  count: 700,
  before: '2026-12-06T00:00:00.000Z',
  archiveFile: 'audit-archive-000000000001-000000000700.jsonl',
  archiveSha256: 'b'.repeat(64),
  createdAt: '2026-12-07T03:00:00.000Z',
};

describe('retention checkpoints', () => {
  it('accepts a checkpoint signed with the key', () => {
    const signed = signCheckpoint(body, KEY);
    expect(signed.mac).toMatch(/^[0-9a-f]{64}$/);
    expect(assertCheckpointSigned(JSON.parse(JSON.stringify(signed)), KEY)).toEqual(signed);
  });

  it.each([
    ['a moved seq', { seq: 699 }],
    ['another hash', { hash: 'c'.repeat(64) }],
    ['another archive digest', { archiveSha256: 'd'.repeat(64) }],
  ])('rejects a checkpoint with %s', (_what, change) => {
    const forged = { ...signCheckpoint(body, KEY), ...change };
    expect(() => assertCheckpointSigned(forged, KEY)).toThrow(/bad signature/);
  });

  it('rejects a checkpoint signed with another key', () => {
    expect(() => assertCheckpointSigned(signCheckpoint(body, `${KEY}-other`), KEY)).toThrow(
      expect.objectContaining({ code: 'AUDIT_CHECKPOINT_INVALID' }) as Error,
    );
  });

  it('cannot vouch for a checkpoint without a key', () => {
    expect(() => assertCheckpointSigned(signCheckpoint(body, KEY), undefined)).toThrow(
      /AUDIT_CHECKPOINT_KEY is not set/,
    );
  });

  it('rejects a malformed checkpoint', () => {
    expect(() => assertCheckpointSigned({ ...signCheckpoint(body, KEY), mac: 'short' }, KEY)).toThrow(
      /malformed/,
    );
  });
});
