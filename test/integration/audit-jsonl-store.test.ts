import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';
import {
  buildRecords,
  computeRecordHash,
  GENESIS_HEAD,
  headOf,
  type AuditRecord,
} from '../../src/audit/audit-record';
import { canonicalJson } from '../../src/audit/canonical-json';
import { JsonlAuditStore } from '../../src/audit/jsonl-audit-store';
import {
  allRecords,
  auditEvent,
  auditEvents,
  collect,
  runAuditCli,
  silentLogger,
  tempDir,
} from './audit-test-kit';

const DAY = 86_400_000;

describe('JSONL audit store', () => {
  let tmp: { dir: string; remove(): Promise<void> };
  beforeEach(async () => {
    tmp = await tempDir('audit-jsonl');
  });
  afterEach(async () => {
    await tmp.remove();
  });

  async function openStore(logger = silentLogger): Promise<JsonlAuditStore> {
    const store = new JsonlAuditStore({ dir: tmp.dir, logger });
    await store.open();
    return store;
  }

  async function seed(count: number): Promise<AuditRecord[]> {
    const store = await openStore();
    const records = buildRecords(GENESIS_HEAD, auditEvents('j', 0, count));
    await store.append(records, { fencingToken: 1 });
    await store.close();
    return records;
  }

  async function dayFile(): Promise<string> {
    const names = (await readdir(tmp.dir)).filter((n) => /^audit-\d{4}-\d{2}-\d{2}\.jsonl$/.test(n));
    expect(names).toHaveLength(1);
    return join(tmp.dir, names[0] as string);
  }

  function captureLogger(): { logger: typeof silentLogger; lines: Record<string, unknown>[] } {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    return { logger: createLogger({ level: 'info' }, stream), lines };
  }

  it('writes one canonical line per record into one file per UTC day and reads them back in order', async () => {
    const store = await openStore();
    const day1 = buildRecords(GENESIS_HEAD, auditEvents('d', 0, 3), { now: () => Date.now() - DAY });
    await store.append(day1);
    const day2 = buildRecords(headOf(day1[2] as AuditRecord), auditEvents('d', 3, 2));
    await store.append(day2);
    const names = (await readdir(tmp.dir)).filter((n) => n.startsWith('audit-')).sort();
    expect(names).toEqual([
      `audit-${new Date(Date.now() - DAY).toISOString().slice(0, 10)}.jsonl`,
      `audit-${new Date().toISOString().slice(0, 10)}.jsonl`,
    ]);
    const read = await allRecords(store);
    expect(read.map((r) => r.record)).toEqual([...day1, ...day2]);
    expect(read[3]?.location).toBe(`${names[1]}:1`);
    const recent = await collect(store.read({ from: new Date(Date.now() - 60_000), userId: 'user-3' }));
    expect(recent.map((r) => r.record.eventId)).toEqual(['d-3']);
    await store.close();
  });

  it('recovers after a crash mid-write: cuts the torn last line, logs it, and continues the chain', async () => {
    const records = await seed(5);
    const file = await dayFile();
    await appendFile(file, '{"v":1,"id":"half-writ');
    const { logger, lines } = captureLogger();
    const store = await openStore(logger);
    expect(await store.head()).toEqual(headOf(records[4] as AuditRecord));
    expect(lines.find((l) => /torn line/.test(String(l.msg)))).toMatchObject({ level: 40, bytes: 22 });
    await store.append(buildRecords(await store.head(), [auditEvent('j', 5)]));
    await store.close();
    expect((await readFile(file, 'utf8')).split('\n').filter(Boolean)).toHaveLength(6);
    expect((await runAuditCli(['verify'], { AUDIT_DIR: tmp.dir })).code).toBe(0);
  });

  it('reads the head and the newest event ids back from a file larger than its read chunk', async () => {
    const store = await openStore();
    let head = GENESIS_HEAD;
    for (let i = 0; i < 2_000; i += 500) {
      const batch = buildRecords(
        head,
        auditEvents('big', i, 500).map((e) => ({ ...e, detail: 'x'.repeat(400) })),
      );
      await store.append(batch);
      head = headOf(batch[499] as AuditRecord);
    }
    await store.close();
    const small = new JsonlAuditStore({ dir: tmp.dir, logger: silentLogger, dedupWindow: 1_500 });
    await small.open();
    expect(await small.head()).toEqual(head);
    expect(await small.knownEventIds(['big-1999', 'big-500', 'big-499'])).toEqual(
      new Set(['big-1999', 'big-500']),
    );
    await small.close();
  });

  it('remembers stored event ids across a restart (idempotency after a crash)', async () => {
    await seed(5);
    const store = await openStore();
    expect(await store.knownEventIds(['j-0', 'j-4', 'j-9'])).toEqual(new Set(['j-0', 'j-4']));
    await store.close();
  });

  it('refuses to start on a last line that is complete but not JSON (for an operator to look at)', async () => {
    await seed(2);
    await appendFile(await dayFile(), 'garbage\n');
    const store = new JsonlAuditStore({ dir: tmp.dir, logger: silentLogger });
    await expect(store.open()).rejects.toMatchObject({ code: 'AUDIT_STORE_CORRUPT' });
  });

  it('refuses a batch after another process appended to its file, then continues from the new head', async () => {
    const store = await openStore();
    const first = buildRecords(GENESIS_HEAD, auditEvents('j', 0, 2));
    await store.append(first);
    const intruder = await openStore();
    const theirs = buildRecords(headOf(first[1] as AuditRecord), [auditEvent('x', 0)]);
    await intruder.append(theirs);
    await intruder.close();
    const mine = buildRecords(headOf(first[1] as AuditRecord), [auditEvent('j', 2)]);
    await expect(store.append(mine)).rejects.toMatchObject({ code: 'AUDIT_CHAIN_CONFLICT' });
    expect(await store.head()).toEqual(headOf(theirs[0] as AuditRecord));
    await store.append(buildRecords(await store.head(), [auditEvent('j', 2)]));
    expect((await allRecords(store)).length).toBe(4);
    await store.close();
  });

  it('refuses a writer whose fencing token is older than one already seen', async () => {
    const store = await openStore();
    await store.append(buildRecords(GENESIS_HEAD, [auditEvent('j', 0)]), { fencingToken: 7 });
    const next = buildRecords(await store.head(), [auditEvent('j', 1)]);
    await expect(store.append(next, { fencingToken: 6 })).rejects.toMatchObject({ code: 'AUDIT_FENCED' });
    await store.append(next, { fencingToken: 8 });
    await store.close();
  });

  describe('audit verify', () => {
    async function editLines(edit: (lines: string[]) => string[]): Promise<void> {
      const file = await dayFile();
      const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
      await writeFile(file, `${edit(lines).join('\n')}\n`);
    }

    it('does not mistake a wrong folder for an empty log', async () => {
      const result = await runAuditCli(['verify'], { AUDIT_DIR: join(tmp.dir, 'no-such-folder') });
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/no-such-folder does not exist/);
    });

    it('verifies a clean log', async () => {
      await seed(10);
      const result = await runAuditCli(['verify'], { AUDIT_DIR: tmp.dir });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        /audit verify: OK, 10 records \(seq 1–10\), head [0-9a-f]{64}, jsonl store/,
      );
    });

    const cases: [string, (lines: string[]) => string[], string, RegExp][] = [
      [
        'an edited line',
        (l) => l.map((x, i) => (i === 3 ? x.replace('shift boundary 3', 'shift boundary 4') : x)),
        'record seq 4',
        /altered/,
      ],
      [
        'a deleted line',
        (l) => l.filter((_, i) => i !== 4),
        'record seq 6',
        /expected seq 5 but found seq 6/,
      ],
      [
        'two lines swapped',
        (l) => [...l.slice(0, 2), l[3] as string, l[2] as string, ...l.slice(4)],
        'record seq 4',
        /expected seq 3/,
      ],
      ['the last line deleted', (l) => l.slice(0, -1), 'record seq 10', /records seq 10–10 are missing/],
      [
        'a line that is not JSON',
        (l) => l.map((x, i) => (i === 6 ? x.slice(0, 20) : x)),
        'record',
        /:7 is not valid JSON/,
      ],
      [
        'a rehashed edit',
        (l) => l.map((x, i) => (i === 1 ? rehash(x) : x)),
        'record seq 3',
        /prevHash does not match/,
      ],
    ];
    it.each(cases)('fails at the record for %s', async (_what, edit, at, reason) => {
      await seed(10);
      await editLines(edit);
      const result = await runAuditCli(['verify'], { AUDIT_DIR: tmp.dir });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`FAILED at ${at}\\b`));
      expect(result.stderr).toMatch(reason);
    });
  });
});

/** Edits a record and recomputes its own hash, as a forger would: the next record's prevHash then disagrees. */
function rehash(line: string): string {
  const record = JSON.parse(line) as AuditRecord;
  const edited = { ...record, reason: 'forged' };
  return canonicalJson({ ...edited, hash: computeRecordHash(edited) });
}
