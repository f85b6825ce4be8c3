import type { PoolClient } from 'pg';
import { GENESIS_HASH } from './audit-record';

/** A valid unquoted PostgreSQL identifier we are willing to splice into DDL. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface Migration {
  readonly version: number;
  readonly name: string;
  sql(schema: string): string;
}

/**
 * The audit schema's migrations, applied in order at start-up and recorded in `<schema>.audit_migrations`.
 * Never edit an applied migration: add the next version.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'append-only audit records, chain state, checkpoints',
    sql: (s) => `
      CREATE TABLE ${s}.audit_records (
        seq         bigint      PRIMARY KEY CHECK (seq > 0),
        id          text        NOT NULL UNIQUE,
        event_id    text        NOT NULL UNIQUE,
        type        text        NOT NULL,
        recorded_at timestamptz NOT NULL,
        user_id     text,
        request_id  text,
        prev_hash   text        NOT NULL,
        hash        text        NOT NULL,
        body        jsonb       NOT NULL
      );
      CREATE INDEX audit_records_user_time_idx ON ${s}.audit_records (user_id, recorded_at);
      CREATE INDEX audit_records_request_idx ON ${s}.audit_records (request_id);
      CREATE INDEX audit_records_time_idx ON ${s}.audit_records (recorded_at);

      CREATE TABLE ${s}.audit_chain_state (
        id               boolean     PRIMARY KEY DEFAULT true CHECK (id),
        fencing_token    bigint      NOT NULL DEFAULT 0,
        head_seq         bigint      NOT NULL DEFAULT 0,
        head_hash        text        NOT NULL DEFAULT '${GENESIS_HASH}',
        head_recorded_at timestamptz
      );
      INSERT INTO ${s}.audit_chain_state (id) VALUES (true);

      CREATE TABLE ${s}.audit_checkpoints (
        seq        bigint      PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        checkpoint jsonb       NOT NULL
      );

      CREATE FUNCTION ${s}.audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_records' THEN
          -- Retention may remove records that a stored, signed checkpoint covers, and nothing else.
          IF current_setting('gpw_audit.prune', true) = 'on'
             AND OLD.seq <= (SELECT coalesce(max(seq), 0) FROM ${s}.audit_checkpoints) THEN
            RETURN OLD;
          END IF;
        END IF;
        RAISE EXCEPTION '%.% is append-only: % rejected', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'GA001';
      END
      $fn$;

      CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON ${s}.audit_records
        FOR EACH ROW EXECUTE FUNCTION ${s}.audit_append_only();
      CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON ${s}.audit_records
        FOR EACH STATEMENT EXECUTE FUNCTION ${s}.audit_append_only();
      CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON ${s}.audit_checkpoints
        FOR EACH ROW EXECUTE FUNCTION ${s}.audit_append_only();
      CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON ${s}.audit_checkpoints
        FOR EACH STATEMENT EXECUTE FUNCTION ${s}.audit_append_only();
    `,
  },
];

/**
 * Applies the migrations not yet recorded, each in the caller's transaction, under an advisory lock so several
 * processes starting at once apply each migration exactly once. Returns the versions applied now.
 */
export async function migrate(client: PoolClient, schema: string): Promise<number[]> {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid audit schema name "${schema}"`);
  }
  const applied: number[] = [];
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${schema}.audit_migrations`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${schema}.audit_migrations (
        version    integer     PRIMARY KEY,
        name       text        NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const { rows } = await client.query<{ version: number }>(
      `SELECT version FROM ${schema}.audit_migrations`,
    );
    const done = new Set(rows.map((r) => r.version));
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) {
        continue;
      }
      await client.query(migration.sql(schema));
      await client.query(`INSERT INTO ${schema}.audit_migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  return applied;
}
