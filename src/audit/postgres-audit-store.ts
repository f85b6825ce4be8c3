import { Pool, type PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { AuditCheckpoint } from './audit-checkpoint';
import { AuditError } from './audit-errors';
import { GENESIS_HEAD, type AuditRecord, type ChainHead } from './audit-record';
import type { AuditAppendOptions, AuditReadOptions, AuditStore, StoredAuditRecord } from './audit-store';
import { migrate, SCHEMA_NAME } from './postgres-migrations';

export interface PostgresAuditStoreOptions {
  /** AUDIT_DATABASE_URL */
  connectionString: string;
  /** Schema holding the audit tables (AUDIT_DATABASE_SCHEMA); tests use one of their own. */
  schema: string;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Open for reading only: no migrations (the CLI). */
  readOnly?: boolean;
  /** Pool size; the single writer needs one connection, readers more. */
  maxConnections?: number;
  /** Rows fetched per round trip by `read`. */
  pageSize?: number;
}

interface RecordRow {
  seq: string;
  id: string;
  event_id: string;
  type: string;
  recorded_at: Date;
  user_id: string | null;
  request_id: string | null;
  prev_hash: string;
  hash: string;
  body: Record<string, unknown>;
}

/** Fields kept in their own columns (indexed or constrained); the rest of a record is the jsonb `body`. */
const COLUMN_FIELDS = [
  'seq',
  'id',
  'eventId',
  'type',
  'recordedAt',
  'userId',
  'requestId',
  'prevHash',
  'hash',
];

/**
 * The PostgreSQL audit store: `<schema>.audit_records`, append-only (a trigger rejects UPDATE, DELETE and
 * TRUNCATE; retention may delete only rows a stored checkpoint covers), unique on seq, record id and event id,
 * indexed on (user_id, recorded_at), request_id and recorded_at. A batch is one multi-row INSERT in one
 * transaction that also checks the fencing token and that the batch continues the stored chain.
 */
export class PostgresAuditStore implements AuditStore {
  readonly kind = 'postgres' as const;
  private readonly pool: Pool;
  private readonly schema: string;
  private readonly logger: PostgresAuditStoreOptions['logger'];
  private readonly readOnly: boolean;
  private readonly pageSize: number;

  constructor(options: PostgresAuditStoreOptions) {
    if (!SCHEMA_NAME.test(options.schema)) {
      throw new AuditError('AUDIT_STORE_UNAVAILABLE', `invalid audit schema name "${options.schema}"`);
    }
    this.schema = options.schema;
    this.logger = options.logger;
    this.readOnly = options.readOnly ?? false;
    this.pageSize = options.pageSize ?? 1_000;
    this.pool = new Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 4,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      // A silently dropped connection must fail the batch (to be retried), not hang the writer.
      query_timeout: 60_000,
      keepAlive: true,
      application_name: 'presence-worker:audit',
    });
    // An idle client that loses its server emits here; without a listener the process would crash.
    this.pool.on('error', (err) =>
      this.logger.warn({ err: redactPgError(err) }, 'audit database connection lost'),
    );
  }

  async open(): Promise<void> {
    if (this.readOnly) {
      // A reader must not mistake a wrong schema for an empty log.
      const { rows } = await this.withClient((client) =>
        client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
          `${this.schema}.audit_records`,
        ]),
      );
      if (rows[0]?.t === null || rows[0]?.t === undefined) {
        throw new AuditError('AUDIT_STORE_UNAVAILABLE', `schema ${this.schema} holds no audit tables`);
      }
      return;
    }
    const applied = await this.withClient((client) => migrate(client, this.schema));
    if (applied.length > 0) {
      this.logger.info({ schema: this.schema, versions: applied }, 'audit database migrated');
    }
  }

  async head(): Promise<ChainHead> {
    return this.withClient((client) => this.readHead(client));
  }

  async knownEventIds(eventIds: readonly string[]): Promise<Set<string>> {
    if (eventIds.length === 0) {
      return new Set();
    }
    const { rows } = await this.withClient((client) =>
      client.query<{ event_id: string }>(
        `SELECT event_id FROM ${this.schema}.audit_records WHERE event_id = ANY($1::text[])`,
        [eventIds],
      ),
    );
    return new Set(rows.map((r) => r.event_id));
  }

  async append(records: readonly AuditRecord[], options: AuditAppendOptions = {}): Promise<void> {
    const first = records[0];
    const last = records[records.length - 1];
    if (first === undefined || last === undefined) {
      return;
    }
    const s = this.schema;
    await this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const { rows } = await client.query<{ fencing_token: string }>(
          `SELECT fencing_token FROM ${s}.audit_chain_state WHERE id FOR UPDATE`,
        );
        const stored = Number(rows[0]?.fencing_token ?? 0);
        const token = options.fencingToken;
        if (token !== undefined && stored > token) {
          throw new AuditError(
            'AUDIT_FENCED',
            `a writer with fencing token ${stored} has written; this writer (token ${token}) must stop`,
          );
        }
        const head = await this.readHead(client);
        if (first.seq !== head.seq + 1 || first.prevHash !== head.hash) {
          throw new AuditError(
            'AUDIT_CHAIN_CONFLICT',
            `batch starts at seq ${first.seq} but the stored chain ends at seq ${head.seq}`,
          );
        }
        await client.query(
          `INSERT INTO ${s}.audit_records
             (seq, id, event_id, type, recorded_at, user_id, request_id, prev_hash, hash, body)
           SELECT seq, id, event_id, type, recorded_at, user_id, request_id, prev_hash, hash, body::jsonb
           FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[],
                       $7::text[], $8::text[], $9::text[], $10::text[])
             AS r(seq, id, event_id, type, recorded_at, user_id, request_id, prev_hash, hash, body)`,
          toColumns(records),
        );
        await client.query(
          `UPDATE ${s}.audit_chain_state
              SET fencing_token = greatest(fencing_token, $1), head_seq = $2, head_hash = $3, head_recorded_at = $4
            WHERE id`,
          [token ?? stored, last.seq, last.hash, last.recordedAt],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  async *read(options: AuditReadOptions = {}): AsyncIterable<StoredAuditRecord> {
    let after = 0;
    for (;;) {
      const params: unknown[] = [after, this.pageSize];
      const where = ['seq > $1'];
      if (options.from !== undefined) {
        params.push(options.from.toISOString());
        where.push(`recorded_at >= $${params.length}`);
      }
      if (options.to !== undefined) {
        params.push(options.to.toISOString());
        where.push(`recorded_at < $${params.length}`);
      }
      if (options.userId !== undefined) {
        params.push(options.userId);
        where.push(`user_id = $${params.length}`);
      }
      const { rows } = await this.withClient((client) =>
        client.query<RecordRow>(
          `SELECT seq, id, event_id, type, recorded_at, user_id, request_id, prev_hash, hash, body
             FROM ${this.schema}.audit_records WHERE ${where.join(' AND ')} ORDER BY seq LIMIT $2`,
          params,
        ),
      );
      for (const row of rows) {
        yield { record: fromRow(row), location: `${this.schema}.audit_records row seq=${row.seq}` };
      }
      const lastRow = rows[rows.length - 1];
      if (lastRow === undefined || rows.length < this.pageSize) {
        return;
      }
      after = Number(lastRow.seq);
    }
  }

  async headAnchor(): Promise<ChainHead | undefined> {
    const { rows } = await this.withClient((client) =>
      client.query<{ head_seq: string; head_hash: string; head_recorded_at: Date | null }>(
        `SELECT head_seq, head_hash, head_recorded_at FROM ${this.schema}.audit_chain_state WHERE id`,
      ),
    );
    const row = rows[0];
    if (row === undefined || Number(row.head_seq) === 0) {
      return undefined;
    }
    return {
      seq: Number(row.head_seq),
      hash: row.head_hash,
      recordedAt: row.head_recorded_at?.toISOString(),
    };
  }

  async latestCheckpoint(): Promise<AuditCheckpoint | undefined> {
    const { rows } = await this.withClient((client) =>
      client.query<{ checkpoint: AuditCheckpoint }>(
        `SELECT checkpoint FROM ${this.schema}.audit_checkpoints ORDER BY seq DESC LIMIT 1`,
      ),
    );
    return rows[0]?.checkpoint;
  }

  async prune(checkpoint: AuditCheckpoint): Promise<number> {
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        await client.query(`INSERT INTO ${this.schema}.audit_checkpoints (seq, checkpoint) VALUES ($1, $2)`, [
          checkpoint.seq,
          JSON.stringify(checkpoint),
        ]);
        await client.query(`SELECT set_config('gpw_audit.prune', 'on', true)`);
        const result = await client.query(`DELETE FROM ${this.schema}.audit_records WHERE seq <= $1`, [
          checkpoint.seq,
        ]);
        await client.query('COMMIT');
        return result.rowCount ?? 0;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async readHead(client: PoolClient): Promise<ChainHead> {
    const { rows } = await client.query<{ seq: string; hash: string; recorded_at: Date }>(
      `SELECT seq, hash, recorded_at FROM ${this.schema}.audit_records ORDER BY seq DESC LIMIT 1`,
    );
    const row = rows[0];
    if (row !== undefined) {
      return { seq: Number(row.seq), hash: row.hash, recordedAt: row.recorded_at.toISOString() };
    }
    const checkpoint = await client.query<{ checkpoint: AuditCheckpoint }>(
      `SELECT checkpoint FROM ${this.schema}.audit_checkpoints ORDER BY seq DESC LIMIT 1`,
    );
    const cp = checkpoint.rows[0]?.checkpoint;
    return cp === undefined ? GENESIS_HEAD : { seq: cp.seq, hash: cp.hash, recordedAt: cp.recordedAt };
  }

  /** Runs `fn` on a pooled client; errors other than our own become AUDIT_* errors (no connection string in them). */
  private async withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw new AuditError('AUDIT_STORE_UNAVAILABLE', `audit database unreachable: ${messageOf(err)}`, {
        cause: redactPgError(err),
      });
    }
    let broken = false;
    // A checked-out client whose connection dies between two queries (mid-transaction) emits 'error' on itself,
    // not on the pool; without a listener that is an uncaught exception that ends the process. Its next query
    // then fails, which the catch below turns into AUDIT_STORE_UNAVAILABLE.
    const onError = (err: Error): void => {
      broken = true;
      this.logger.warn({ err: redactPgError(err) }, 'audit database connection lost');
    };
    client.on('error', onError);
    try {
      return await fn(client);
    } catch (err) {
      if (err instanceof AuditError) {
        throw err;
      }
      broken = true;
      const code = (err as { code?: unknown }).code;
      if (code === '23505') {
        throw new AuditError('AUDIT_CHAIN_CONFLICT', `duplicate audit record: ${messageOf(err)}`, {
          cause: err,
        });
      }
      throw new AuditError('AUDIT_STORE_UNAVAILABLE', `audit database error: ${messageOf(err)}`, {
        cause: redactPgError(err),
        details: typeof code === 'string' ? { sqlState: code } : undefined,
      });
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
}

function toColumns(records: readonly AuditRecord[]): unknown[][] {
  const cols: unknown[][] = Array.from({ length: 10 }, () => []);
  for (const record of records) {
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(record)) {
      if (!COLUMN_FIELDS.includes(k) && v !== undefined) {
        body[k] = v;
      }
    }
    const values = [
      record.seq,
      record.id,
      record.eventId,
      record.type,
      record.recordedAt,
      record.userId ?? null,
      record.requestId ?? null,
      record.prevHash,
      record.hash,
      JSON.stringify(body),
    ];
    values.forEach((v, i) => (cols[i] as unknown[]).push(v));
  }
  return cols;
}

/** Rebuilds the record from its columns and body; any edit of either changes what verify hashes. */
function fromRow(row: RecordRow): AuditRecord {
  const record: Record<string, unknown> = {
    ...row.body,
    seq: Number(row.seq),
    id: row.id,
    eventId: row.event_id,
    type: row.type,
    recordedAt: row.recorded_at.toISOString(),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
  if (row.user_id !== null) {
    record.userId = row.user_id;
  }
  if (row.request_id !== null) {
    record.requestId = row.request_id;
  }
  return record as AuditRecord;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** pg errors can carry connection parameters; keep only what helps and never the password. */
function redactPgError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) {
    return { message: String(err) };
  }
  const e = err as Error & { code?: unknown; severity?: unknown };
  return { name: e.name, message: e.message, code: e.code, severity: e.severity };
}
