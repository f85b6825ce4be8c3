import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildRecords, GENESIS_HEAD, headOf, type AuditRecord } from '../../src/audit/audit-record';
import type { AuditStore } from '../../src/audit/audit-store';
import { JsonlAuditStore } from '../../src/audit/jsonl-audit-store';
import { PostgresAuditStore } from '../../src/audit/postgres-audit-store';
import { testDatabaseUrl, withSchema } from '../helpers/postgres';
import { allRecords, auditEvents, runAuditCli, silentLogger, tempDir } from './audit-test-kit';

const DAY = 86_400_000;
const KEY = 'k'.repeat(40);
const startOfToday = Math.floor(Date.now() / DAY) * DAY;
const yesterday = new Date(startOfToday - DAY).toISOString().slice(0, 10);

/** 3 records three days ago, 4 two days ago, 5 today: a retention before yesterday archives 7. */
async function seedDays(store: AuditStore): Promise<AuditRecord[]> {
  const a = buildRecords(GENESIS_HEAD, auditEvents('r', 0, 3), {
    now: () => startOfToday - 3 * DAY + 3_600_000,
  });
  const b = buildRecords(headOf(a[2] as AuditRecord), auditEvents('r', 3, 4), {
    now: () => startOfToday - 2 * DAY + 3_600_000,
  });
  const c = buildRecords(headOf(b[3] as AuditRecord), auditEvents('r', 7, 5));
  for (const batch of [a, b, c]) {
    await store.append(batch);
  }
  return [...a, ...b, ...c];
}

type Setup = {
  env: Record<string, string>;
  store: AuditStore;
  outDir: string;
};

const stores: [string, (fn: (setup: Setup) => Promise<void>) => Promise<void>][] = [
  [
    'JSONL',
    async (fn) => {
      const tmp = await tempDir('audit-retention');
      const store = new JsonlAuditStore({ dir: tmp.dir, logger: silentLogger });
      try {
        await store.open();
        await fn({ env: { AUDIT_DIR: tmp.dir }, store, outDir: join(tmp.dir, 'archive') });
      } finally {
        await store.close();
        await tmp.remove();
      }
    },
  ],
  [
    'PostgreSQL',
    (fn) =>
      withSchema(async (schema) => {
        const tmp = await tempDir('audit-retention');
        const store = new PostgresAuditStore({
          connectionString: testDatabaseUrl(),
          schema,
          logger: silentLogger,
        });
        try {
          await store.open();
          const env = { AUDIT_DATABASE_URL: testDatabaseUrl(), AUDIT_DATABASE_SCHEMA: schema };
          await fn({ env, store, outDir: tmp.dir });
        } finally {
          await store.close();
          await tmp.remove();
        }
      }),
  ],
];

describe.each(stores)('audit retention (%s store)', (_kind, withStore) => {
  it('archives old records with a signed checkpoint, and the rest still verifies from it', async () => {
    await withStore(async ({ env, store, outDir }) => {
      const records = await seedDays(store);
      const keyed = { ...env, AUDIT_CHECKPOINT_KEY: KEY };
      const result = await runAuditCli(['retention', '--before', yesterday, '--out', outDir], keyed);
      expect(result.stderr).toBe('');
      expect(result).toMatchObject({ code: 0 });
      expect(result.stdout).toMatch(/archived 7 records \(seq 1–7\)/);
      expect(result.stdout).toMatch(/removed 7 records/);

      expect((await allRecords(store)).map((r) => r.record.seq)).toEqual([8, 9, 10, 11, 12]);
      const verified = await runAuditCli(['verify'], keyed);
      expect(verified.stdout).toMatch(/OK, 5 records \(seq 8–12\)/);

      const archive = join(outDir, 'audit-archive-000000000001-000000000007.jsonl');
      const lines = (await readFile(archive, 'utf8')).split('\n').filter(Boolean);
      expect(lines.map((l) => (JSON.parse(l) as AuditRecord).hash)).toEqual(
        records.slice(0, 7).map((r) => r.hash),
      );
      expect((await runAuditCli(['verify', '--archive', archive], keyed)).stdout).toMatch(
        /OK, archive of 7 records \(seq 1–7\) matches its signed checkpoint/,
      );

      // The chain keeps growing from where it was.
      await store.append(buildRecords(await store.head(), auditEvents('r', 12, 2)));
      expect((await runAuditCli(['verify'], keyed)).stdout).toMatch(/OK, 7 records \(seq 8–14\)/);
    });
  });

  it('does not trust a checkpoint it cannot check, nor an archive that was edited', async () => {
    await withStore(async ({ env, store, outDir }) => {
      await seedDays(store);
      await runAuditCli(['retention', '--before', yesterday, '--out', outDir], {
        ...env,
        AUDIT_CHECKPOINT_KEY: KEY,
      });

      const noKey = await runAuditCli(['verify'], env);
      expect(noKey.code).toBe(1);
      expect(noKey.stderr).toMatch(/AUDIT_CHECKPOINT_KEY is not set/);
      const otherKey = await runAuditCli(['verify'], { ...env, AUDIT_CHECKPOINT_KEY: 'x'.repeat(40) });
      expect(otherKey.code).toBe(1);
      expect(otherKey.stderr).toMatch(/bad signature/);

      const archive = join(outDir, (await readdir(outDir)).find((n) => n.endsWith('.jsonl')) as string);
      const text = await readFile(archive, 'utf8');
      await writeFile(archive, text.replace('shift boundary 2', 'shift boundary 9'));
      const edited = await runAuditCli(['verify', '--archive', archive], {
        ...env,
        AUDIT_CHECKPOINT_KEY: KEY,
      });
      expect(edited.code).toBe(1);
      expect(edited.stderr).toMatch(/record seq 3 .*altered/);
    });
  });

  it('refuses a cut inside the current day and needs the key to sign', async () => {
    await withStore(async ({ env, store, outDir }) => {
      await seedDays(store);
      const today = new Date().toISOString().slice(0, 10);
      const tooLate = new Date(startOfToday + DAY).toISOString().slice(0, 10);
      const late = await runAuditCli(['retention', '--before', tooLate, '--out', outDir], {
        ...env,
        AUDIT_CHECKPOINT_KEY: KEY,
      });
      expect(late.code).toBe(2);
      expect(late.stderr).toMatch(/must not be later than the start of the current UTC day/);
      const unsigned = await runAuditCli(['retention', '--before', today, '--out', outDir], env);
      expect(unsigned.code).toBe(2);
      expect(unsigned.stderr).toMatch(/AUDIT_CHECKPOINT_KEY must be set/);
      expect((await allRecords(store)).length).toBe(12);
    });
  });
});

describe('audit export', () => {
  it('exports a time range as JSONL or CSV, optionally for one agent', async () => {
    const tmp = await tempDir('audit-export');
    try {
      const store = new JsonlAuditStore({ dir: tmp.dir, logger: silentLogger });
      await store.open();
      await seedDays(store);
      await store.close();
      const from = new Date(startOfToday - 3 * DAY).toISOString().slice(0, 10);
      const env = { AUDIT_DIR: tmp.dir };

      const jsonl = await runAuditCli(
        ['export', '--from', from, '--to', yesterday, '--format', 'jsonl'],
        env,
      );
      expect(jsonl.code).toBe(0);
      const exported = jsonl.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as AuditRecord);
      expect(exported.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(jsonl.stderr).toMatch(/7 records/);

      const out = join(tmp.dir, 'user-2.csv');
      const csv = await runAuditCli(
        ['export', '--from', from, '--to', '2999-01-01', '--user', 'user-2', '--format', 'csv', '--out', out],
        env,
      );
      expect(csv.code).toBe(0);
      const rows = (await readFile(out, 'utf8')).trimEnd().split('\r\n');
      expect(rows[0]).toMatch(/^seq,id,recordedAt,eventId,type,/);
      expect(rows.slice(1).map((r) => r.split(',')[3])).toEqual(['r-2', 'r-7']);

      const bad = await runAuditCli(['export', '--from', from, '--format', 'xml'], env);
      expect(bad.code).toBe(2);
    } finally {
      await tmp.remove();
    }
  });
});
