import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** PostgreSQL for integration tests: `AUDIT_DATABASE_URL` when set, else the local `test` database. */
export function testDatabaseUrl(): string {
  return process.env.AUDIT_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

/** Creates a fresh schema, runs `fn` with its name, and drops it afterwards. */
export async function withSchema<T>(fn: (schema: string) => Promise<T>): Promise<T> {
  const schema = `t_${randomBytes(5).toString('hex')}`;
  const client = new Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
    return await fn(schema);
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
}
