import { auditRecordSchema, computeRecordHash, type ChainHead } from './audit-record';
import { isAuditError } from './audit-errors';
import type { StoredAuditRecord } from './audit-store';

export interface VerifyChainOptions {
  /**
   * Where the chain must start: the genesis head, or a retention checkpoint. The first record must then have
   * seq = start.seq + 1 and prevHash = start.hash. Leave it out to check a range that starts mid-chain: the first
   * record's own link is taken as given and everything after it is checked.
   */
  start?: ChainHead;
  /**
   * The writer's anchor of the last record it appended. When the whole chain up to now is checked, the chain must
   * reach it and agree with it: this catches records deleted from the end.
   */
  anchor?: ChainHead;
}

/** The first record that does not check out, and why. */
export interface BrokenRecord {
  readonly seq?: number;
  readonly id?: string;
  readonly eventId?: string;
  readonly location?: string;
  readonly reason: string;
}

export interface VerifyChainResult {
  readonly ok: boolean;
  /** Records that checked out before the first broken one (all of them when ok). */
  readonly count: number;
  readonly first?: ChainHead;
  readonly last?: ChainHead;
  readonly broken?: BrokenRecord;
}

/**
 * Walks records in stored order and checks each: well-formed, seq one more than the previous, prevHash equal to
 * the previous hash, hash equal to SHA-256(prevHash ‖ canonical JSON of the record without hash), recordedAt not
 * earlier than the previous. Stops at the first record that fails and says why.
 */
export async function verifyChain(
  records: AsyncIterable<StoredAuditRecord>,
  options: VerifyChainOptions = {},
): Promise<VerifyChainResult> {
  let prev: ChainHead | undefined = options.start;
  let first: ChainHead | undefined;
  let count = 0;
  let anchorSeen = false;
  const fail = (broken: BrokenRecord): VerifyChainResult => ({ ok: false, count, first, last: prev, broken });

  try {
    for await (const { record: raw, location } of records) {
      const parsed = auditRecordSchema.safeParse(raw);
      const rawFields = raw as unknown as Record<string, unknown>;
      const named = {
        seq: typeof rawFields.seq === 'number' ? rawFields.seq : undefined,
        id: typeof rawFields.id === 'string' ? rawFields.id : undefined,
        eventId: typeof rawFields.eventId === 'string' ? rawFields.eventId : undefined,
        location,
      };
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const path = issue === undefined ? '' : issue.path.join('.');
        return fail({ ...named, reason: `not a valid record (${path}: ${issue?.message ?? 'invalid'})` });
      }
      const record = parsed.data;
      if (prev !== undefined) {
        const expected = prev.seq + 1;
        if (record.seq !== expected) {
          const why =
            record.seq > expected
              ? `expected seq ${expected} but found seq ${record.seq}: record(s) missing or out of order`
              : `expected seq ${expected} but found seq ${record.seq}: record out of order or repeated`;
          return fail({ ...named, reason: why });
        }
      }
      if (computeRecordHash(rawFields) !== record.hash) {
        return fail({ ...named, reason: 'hash does not match the record content: the record was altered' });
      }
      if (prev !== undefined && record.prevHash !== prev.hash) {
        return fail({
          ...named,
          reason: `prevHash does not match the hash of seq ${prev.seq}: a record before it was altered or replaced`,
        });
      }
      if (prev?.recordedAt !== undefined && record.recordedAt < prev.recordedAt) {
        return fail({
          ...named,
          reason: `recordedAt ${record.recordedAt} is earlier than the previous record's`,
        });
      }
      if (options.anchor !== undefined && record.seq === options.anchor.seq) {
        anchorSeen = true;
        if (record.hash !== options.anchor.hash) {
          return fail({ ...named, reason: "hash differs from the writer's head anchor for this seq" });
        }
      }
      prev = { seq: record.seq, hash: record.hash, recordedAt: record.recordedAt };
      first ??= prev;
      count += 1;
    }
  } catch (err) {
    if (isAuditError(err, 'AUDIT_RECORD_UNREADABLE')) {
      const location = (err.details?.location as string | undefined) ?? undefined;
      return fail({ location, reason: err.message });
    }
    throw err;
  }

  const anchor = options.anchor;
  if (anchor !== undefined && !anchorSeen) {
    const lastSeq = prev?.seq ?? 0;
    if (lastSeq < anchor.seq) {
      return fail({
        seq: lastSeq + 1,
        reason: `records seq ${lastSeq + 1}–${anchor.seq} are missing: the chain ends at seq ${lastSeq} but the writer's head anchor is seq ${anchor.seq}`,
      });
    }
  }
  return { ok: true, count, first, last: prev };
}
