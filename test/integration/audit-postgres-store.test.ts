import { Client } from 'pg';
import { isAuditError } from '../../src/audit/audit-errors';
import { buildRecords, GENESIS_HEAD, headOf, type AuditRecord } from '../../src/audit/audit-record';
import { PostgresAuditStore } from '../../src/audit/postgres-audit-store';
import { testDatabaseUrl, withSchema } from '../helpers/postgres';
import { allRecords, auditEvent, auditEvents, collect, runAuditCli, silentLogger } from './audit-test-kit';

async function withStore<T>(
  fn: (store: PostgresAuditStore, schema: string, sql: Client) => Promise<T>,
): Promise<T> {
  return withSchema(async (schema) => {
    const store = new PostgresAuditStore({
      connectionString: testDatabaseUrl(),
      schema,
      logger: silentLogger,
    });
    const sql = new Client({ connectionString: testDatabaseUrl() });
    await sql.connect();
    try {
      await store.open();
      return await fn(store, schema, sql);
    } finally {
      await store.close();
      await sql.end();
    }
  });
}

async function seed(store: PostgresAuditStore, count: number, tag = 'pg'): Promise<AuditRecord[]> {
  const records = buildRecords(GENESIS_HEAD, auditEvents(tag, 0, count));
  await store.append(records, { fencingToken: 1 });
  return records;
}

/** A superuser edit with the append-only trigger switched off, as an attacker with database access could do. */
async function tamper(sql: Client, schema: string, statement: string): Promise<void> {
  await sql.query(`ALTER TABLE ${schema}.audit_records DISABLE TRIGGER audit_records_append_only`);
  try {
    await sql.query(statement.replace(/\$S/g, schema));
  } finally {
    await sql.query(`ALTER TABLE ${schema}.audit_records ENABLE TRIGGER audit_records_append_only`);
  }
}

function verify(schema: string): ReturnType<typeof runAuditCli> {
  return runAuditCli(['verify'], { AUDIT_DATABASE_URL: testDatabaseUrl(), AUDIT_DATABASE_SCHEMA: schema });
}

describe('PostgreSQL audit store', () => {
  it('runs its versioned migrations once, however often it starts', async () => {
    await withStore(async (store, schema, sql) => {
      const again = new PostgresAuditStore({
        connectionString: testDatabaseUrl(),
        schema,
        logger: silentLogger,
      });
      await Promise.all([again.open(), again.open()]);
      await again.close();
      const { rows } = await sql.query(`SELECT version FROM ${schema}.audit_migrations`);
      expect(rows).toEqual([{ version: 1 }]);
      expect(await store.head()).toEqual(GENESIS_HEAD);
    });
  });

  it('reads back exactly what was appended, in seq order, with the head and anchor at the last record', async () => {
    await withStore(async (store) => {
      const odd = auditEvent('pg', 0, {
        reason: 'nul\u0000 and lone \uD800 surrogate, emoji 🎧, "quotes"',
        latencyMs: 12.345,
        force: true,
        genesys: { correlationId: 'c-1', status: 200 },
        scheduleActivity: { category: 'Break', start: '2026-12-07T09:00:00Z' },
      });
      const records = buildRecords(GENESIS_HEAD, [odd, ...auditEvents('pg', 1, 4)]);
      await store.append(records, { fencingToken: 1 });
      const read = await allRecords(store);
      expect(read.map((r) => r.record)).toEqual(records);
      expect(records[0]?.reason).toBe('nul\uFFFD and lone \uFFFD surrogate, emoji 🎧, "quotes"');
      const last = records[4] as AuditRecord;
      expect(await store.head()).toEqual(headOf(last));
      expect(await store.headAnchor()).toEqual(headOf(last));
      expect(await store.knownEventIds(['pg-0', 'pg-3', 'nope'])).toEqual(new Set(['pg-0', 'pg-3']));
      expect((await collect(store.read({ userId: 'user-1' }))).map((r) => r.record.seq)).toEqual([2]);
    });
  });

  it('rejects UPDATE, DELETE and TRUNCATE of audit records through its trigger', async () => {
    await withStore(async (store, schema, sql) => {
      await seed(store, 3);
      await expect(
        sql.query(`UPDATE ${schema}.audit_records SET type = 'applied' WHERE seq = 2`),
      ).rejects.toThrow(/append-only: UPDATE rejected/);
      await expect(sql.query(`DELETE FROM ${schema}.audit_records WHERE seq = 3`)).rejects.toThrow(
        /append-only: DELETE rejected/,
      );
      await expect(sql.query(`TRUNCATE ${schema}.audit_records`)).rejects.toThrow(
        /append-only: TRUNCATE rejected/,
      );
      // The retention switch alone does not open the door: only rows a stored checkpoint covers may go.
      await sql.query('BEGIN');
      await sql.query(`SELECT set_config('gpw_audit.prune', 'on', true)`);
      await expect(sql.query(`DELETE FROM ${schema}.audit_records WHERE seq = 1`)).rejects.toThrow(
        /append-only/,
      );
      await sql.query('ROLLBACK');
      expect((await allRecords(store)).length).toBe(3);
    });
  });

  it('refuses a batch that does not continue the stored chain, a known event id, and a stale fencing token', async () => {
    await withStore(async (store) => {
      const records = await seed(store, 3);
      const stale = buildRecords(GENESIS_HEAD, [auditEvent('other', 0)]);
      await expect(store.append(stale)).rejects.toMatchObject({ code: 'AUDIT_CHAIN_CONFLICT' });
      const head = headOf(records[2] as AuditRecord);
      const again = buildRecords(head, [auditEvent('pg', 1)]);
      await expect(store.append(again)).rejects.toMatchObject({ code: 'AUDIT_CHAIN_CONFLICT' });
      await store.append(buildRecords(head, [auditEvent('pg', 10)]), { fencingToken: 5 });
      const next = buildRecords(await store.head(), [auditEvent('pg', 11)]);
      const err: unknown = await store.append(next, { fencingToken: 4 }).catch((e: unknown) => e);
      expect(isAuditError(err, 'AUDIT_FENCED')).toBe(true);
      expect((await allRecords(store)).length).toBe(4);
    });
  });

  it('reports an unreachable database as AUDIT_STORE_UNAVAILABLE without the connection string', async () => {
    const store = new PostgresAuditStore({
      connectionString: 'postgres://auditor:s3cr3t-pw@127.0.0.1:1/none',
      schema: 'audit',
      logger: silentLogger,
    });
    try {
      const err = (await store.head().catch((e: unknown) => e)) as Error & { code: string };
      expect(err.code).toBe('AUDIT_STORE_UNAVAILABLE');
      expect(JSON.stringify({ message: err.message, cause: err.cause })).not.toContain('s3cr3t-pw');
    } finally {
      await store.close();
    }
  });

  describe('audit verify', () => {
    it('does not mistake a schema without audit tables for an empty log', async () => {
      await withSchema(async (schema) => {
        const result = await verify(schema);
        expect(result.code).toBe(3);
        expect(result.stderr).toMatch(/holds no audit tables/);
      });
    });

    it('verifies a clean log', async () => {
      await withStore(async (store, schema) => {
        await seed(store, 10);
        const result = await verify(schema);
        expect(result).toMatchObject({ code: 0 });
        expect(result.stdout).toMatch(/audit verify: OK, 10 records \(seq 1–10\)/);
      });
    });

    it.each([
      [
        'an edited body field',
        `UPDATE $S.audit_records SET body = jsonb_set(body, '{reason}', '"edited"') WHERE seq = 4`,
        4,
        /altered/,
      ],
      [
        'an edited column',
        `UPDATE $S.audit_records SET user_id = 'someone-else' WHERE seq = 6`,
        6,
        /altered/,
      ],
      [
        'an edited time',
        `UPDATE $S.audit_records SET recorded_at = recorded_at + interval '1 second' WHERE seq = 2`,
        2,
        /altered/,
      ],
      ['a deleted row', `DELETE FROM $S.audit_records WHERE seq = 5`, 6, /expected seq 5 but found seq 6/],
      [
        'a deleted first row',
        `DELETE FROM $S.audit_records WHERE seq = 1`,
        2,
        /expected seq 1 but found seq 2/,
      ],
      [
        'a deleted last row',
        `DELETE FROM $S.audit_records WHERE seq = 10`,
        10,
        /records seq 10–10 are missing/,
      ],
      [
        'two rows swapped',
        `UPDATE $S.audit_records SET seq = 1000 WHERE seq = 3; UPDATE $S.audit_records SET seq = 3 WHERE seq = 7;
         UPDATE $S.audit_records SET seq = 7 WHERE seq = 1000`,
        3,
        /altered/,
      ],
    ])('fails at the record for %s', async (_what, statement, seq, reason) => {
      await withStore(async (store, schema, sql) => {
        await seed(store, 10);
        await tamper(sql, schema, statement);
        const result = await verify(schema);
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(new RegExp(`FAILED at record seq ${seq}\\b`));
        expect(result.stderr).toMatch(reason);
      });
    });
  });
});
