import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from './canonical-json';
import { AuditError } from './audit-errors';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * A retention checkpoint: the last archived record's seq and hash, signed with HMAC-SHA256 under
 * `AUDIT_CHECKPOINT_KEY`. The remaining chain starts at `seq + 1` with `prevHash = hash`, so it stays verifiable
 * without the archived records; the archive itself is named and fingerprinted so it can be verified too.
 */
export const auditCheckpointSchema = z
  .object({
    v: z.literal(1),
    /** seq of the last archived record. */
    seq: z.number().int().nonnegative(),
    /** hash of the last archived record: the prevHash the remaining chain continues from. */
    hash: sha256Hex,
    /** recordedAt of the last archived record. */
    recordedAt: z.iso.datetime(),
    /** seq of the first record in this archive. */
    firstSeq: z.number().int().positive(),
    /** Records in this archive. */
    count: z.number().int().positive(),
    /** The retention cut: archived records were recorded before it. */
    before: z.iso.datetime(),
    /** File name of the archive (JSONL, one canonical record per line). */
    archiveFile: z.string().min(1).max(500),
    /** SHA-256 of the archive file's bytes. */
    archiveSha256: sha256Hex,
    createdAt: z.iso.datetime(),
    /** HMAC-SHA256 (hex) over the canonical JSON of every other field. */
    mac: sha256Hex,
  })
  .strict();

export type AuditCheckpoint = z.infer<typeof auditCheckpointSchema>;
export type UnsignedAuditCheckpoint = Omit<AuditCheckpoint, 'mac'>;

function macOf(body: UnsignedAuditCheckpoint, key: string): string {
  return createHmac('sha256', key).update(canonicalJson(body)).digest('hex');
}

export function signCheckpoint(body: UnsignedAuditCheckpoint, key: string): AuditCheckpoint {
  return { ...body, mac: macOf(body, key) };
}

/** Throws `AUDIT_CHECKPOINT_INVALID` unless the checkpoint is well-formed and signed with `key`. */
export function assertCheckpointSigned(checkpoint: unknown, key: string | undefined): AuditCheckpoint {
  const parsed = auditCheckpointSchema.safeParse(checkpoint);
  if (!parsed.success) {
    throw new AuditError(
      'AUDIT_CHECKPOINT_INVALID',
      `checkpoint is malformed: ${parsed.error.issues[0]?.message}`,
    );
  }
  if (key === undefined) {
    throw new AuditError(
      'AUDIT_CHECKPOINT_INVALID',
      `checkpoint at seq ${parsed.data.seq} cannot be checked: AUDIT_CHECKPOINT_KEY is not set`,
    );
  }
  const { mac, ...body } = parsed.data;
  const expected = Buffer.from(macOf(body, key), 'hex');
  const actual = Buffer.from(mac, 'hex');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw new AuditError(
      'AUDIT_CHECKPOINT_INVALID',
      `checkpoint at seq ${parsed.data.seq} has a bad signature (altered, or signed with another key)`,
    );
  }
  return parsed.data;
}
