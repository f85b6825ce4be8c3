import type { AuditRecord, ChainHead } from './audit-record';
import type { AuditCheckpoint } from './audit-checkpoint';

export interface AuditReadOptions {
  /** Records with recordedAt ≥ from. */
  from?: Date;
  /** Records with recordedAt < to. */
  to?: Date;
  /** Only this agent's records. */
  userId?: string;
}

export interface AuditAppendOptions {
  /**
   * The writer's fencing token (from the Redis writer lease). A store that has seen a higher token refuses the
   * append with `AUDIT_FENCED`, so a writer that lost its lease without noticing cannot fork the chain.
   */
  fencingToken?: number;
}

/**
 * A record as read back, with where it was read from (a file and line, or a table row) so verify can name it.
 * `record` is parsed JSON, not yet validated: verify checks it; other readers may trust a verified log.
 */
export interface StoredAuditRecord {
  readonly record: AuditRecord;
  readonly location: string;
}

/**
 * The audit log. One writer (the audit worker) appends; anyone may read. Implementations: PostgreSQL
 * (`PostgresAuditStore`) and JSONL files (`JsonlAuditStore`).
 */
export interface AuditStore {
  readonly kind: 'postgres' | 'jsonl';
  /** Prepares the store (migrations, crash recovery of a torn tail). Idempotent. */
  open(): Promise<void>;
  /** The end of the chain as stored now (genesis or the latest checkpoint when there is no record). */
  head(): Promise<ChainHead>;
  /** Which of these event ids are already recorded (the idempotency check before chaining a batch). */
  knownEventIds(eventIds: readonly string[]): Promise<Set<string>>;
  /**
   * Appends records that continue the chain, atomically (all or none) and durably (committed / fsync'd) before it
   * resolves. Rejects with `AUDIT_CHAIN_CONFLICT` when records[0] does not follow the stored head, with
   * `AUDIT_FENCED` for a stale writer, with `AUDIT_STORE_UNAVAILABLE` when the store cannot be written.
   */
  append(records: readonly AuditRecord[], options?: AuditAppendOptions): Promise<void>;
  /**
   * Records in chain order as stored (file order, or seq order). A record that cannot be parsed rejects the
   * iteration with `AUDIT_RECORD_UNREADABLE` naming its location.
   */
  read(options?: AuditReadOptions): AsyncIterable<StoredAuditRecord>;
  /** The anchor the writer keeps of the last appended record (detects a deleted tail), if any. */
  headAnchor(): Promise<ChainHead | undefined>;
  /** The newest retention checkpoint, if records were ever pruned. */
  latestCheckpoint(): Promise<AuditCheckpoint | undefined>;
  /**
   * Stores the checkpoint and removes every record with seq ≤ checkpoint.seq (retention). Returns how many
   * records were removed. The caller has archived and verified them first.
   */
  prune(checkpoint: AuditCheckpoint): Promise<number>;
  close(): Promise<void>;
}
