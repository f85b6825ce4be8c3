import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isAuditError } from '../audit/audit-errors';
import { exportRecords, type AuditExportFormat } from '../audit/audit-export';
import { chainStart, runRetention, verifyArchive } from '../audit/audit-retention';
import type { AuditStore } from '../audit/audit-store';
import { createAuditStore } from '../audit/create-audit-store';
import { verifyChain } from '../audit/verify-chain';
import { ConfigError, loadConfig, type Config } from '../config';
import { createLogger } from '../logger';

const USAGE = `usage:
  presence-worker audit verify [--from DATE] [--to DATE]
  presence-worker audit verify --archive FILE.jsonl
  presence-worker audit export --from DATE --to DATE [--user ID] --format jsonl|csv [--out FILE]
  presence-worker audit retention --before DATE [--out DIR]

DATE is YYYY-MM-DD (UTC midnight) or an ISO timestamp; --from is inclusive, --to and --before exclusive.
The store is AUDIT_DATABASE_URL (schema AUDIT_DATABASE_SCHEMA) when set, else the JSONL files in AUDIT_DIR.
exit codes: 0 ok, 1 the chain does not verify, 2 bad usage or configuration, 3 the store failed.
`;

class UsageError extends Error {}

function parseDate(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) {
    return undefined;
  }
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value) || Number.isNaN(date.getTime())) {
    throw new UsageError(`--${name} must be YYYY-MM-DD or an ISO timestamp with a zone, got "${value}"`);
  }
  return date;
}

const OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  user: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  before: { type: 'string' },
  archive: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type ParsedArgs = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;

function parse(argv: string[]): ParsedArgs {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** `presence-worker audit verify|export|retention`: see USAGE. */
export async function run(argv: string[]): Promise<number> {
  let config: Config;
  let args: ParsedArgs;
  try {
    args = parse(argv);
    if (args.values.help === true || args.positionals.length === 0) {
      process.stdout.write(USAGE);
      return args.values.help === true ? 0 : 2;
    }
    config = loadConfig();
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n\n${err instanceof UsageError ? USAGE : ''}`);
      return 2;
    }
    throw err;
  }
  // Logs go to stderr: stdout carries the export.
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'presence-worker-audit' }, process.stderr);
  const [sub] = args.positionals;
  let store: AuditStore | undefined;
  try {
    const from = parseDate('from', args.values.from);
    const to = parseDate('to', args.values.to);
    switch (sub) {
      case 'verify': {
        if (args.values.archive !== undefined) {
          return await verifyArchiveCommand(args.values.archive, config);
        }
        store = createAuditStore(config, logger, { readOnly: true });
        await store.open();
        return await verifyCommand(store, config, from, to);
      }
      case 'export': {
        const format = args.values.format;
        if (from === undefined || to === undefined) {
          throw new UsageError('export needs --from and --to');
        }
        if (format !== 'jsonl' && format !== 'csv') {
          throw new UsageError('export needs --format jsonl or --format csv');
        }
        store = createAuditStore(config, logger, { readOnly: true });
        await store.open();
        return await exportCommand(store, { from, to, userId: args.values.user }, format, args.values.out);
      }
      case 'retention': {
        const before = parseDate('before', args.values.before);
        if (before === undefined) {
          throw new UsageError('retention needs --before');
        }
        store = createAuditStore(config, logger);
        await store.open();
        const outDir = args.values.out ?? join(config.AUDIT_DIR, 'archive');
        const result = await runRetention(store, { before, key: config.AUDIT_CHECKPOINT_KEY, outDir });
        if (result === undefined) {
          process.stdout.write(`audit retention: no record recorded before ${before.toISOString()}\n`);
          return 0;
        }
        const cp = result.checkpoint;
        process.stdout.write(
          `audit retention: archived ${cp.count} records (seq ${cp.firstSeq}–${cp.seq}) to ${result.archivePath}\n` +
            `  checkpoint ${result.checkpointPath} (seq ${cp.seq}, hash ${cp.hash})\n` +
            `  removed ${result.removed} records from the ${store.kind} store\n`,
        );
        return 0;
      }
      default:
        throw new UsageError(`unknown audit command "${sub ?? ''}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (isAuditError(err, 'AUDIT_CHECKPOINT_INVALID')) {
      process.stderr.write(`audit ${sub}: FAILED: ${err.message}\n`);
      return 1;
    }
    if (isAuditError(err, 'AUDIT_RETENTION_REFUSED')) {
      process.stderr.write(`audit ${sub}: refused: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`audit ${sub}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 3;
  } finally {
    await store?.close().catch(() => undefined);
  }
}

async function verifyCommand(store: AuditStore, config: Config, from?: Date, to?: Date): Promise<number> {
  // From the start (genesis, or the newest signed checkpoint) unless --from picks a range mid-chain.
  const start = from === undefined ? await chainStart(store, config.AUDIT_CHECKPOINT_KEY) : undefined;
  // The writer's anchor catches a deleted tail; it applies when the check runs to the end.
  const anchor = to === undefined ? await store.headAnchor() : undefined;
  const result = await verifyChain(store.read({ from, to }), { start, anchor });
  if (!result.ok) {
    const b = result.broken;
    const what = [
      b?.seq === undefined ? 'record' : `record seq ${b.seq}`,
      b?.id === undefined ? undefined : `id ${b.id}`,
      b?.eventId === undefined ? undefined : `event ${b.eventId}`,
      b?.location === undefined ? undefined : `at ${b.location}`,
    ]
      .filter((x) => x !== undefined)
      .join(', ');
    process.stderr.write(`audit verify: FAILED at ${what}: ${b?.reason ?? 'unknown'}\n`);
    process.stderr.write(`  ${result.count} records before it verified\n`);
    return 1;
  }
  const range =
    result.first === undefined
      ? 'no records'
      : `seq ${result.first.seq}–${result.last?.seq ?? result.first.seq}`;
  process.stdout.write(
    `audit verify: OK, ${result.count} records (${range})` +
      (result.count === 0 || result.last === undefined ? '' : `, head ${result.last.hash}`) +
      `, ${store.kind} store\n`,
  );
  return 0;
}

async function verifyArchiveCommand(archive: string, config: Config): Promise<number> {
  const result = await verifyArchive(archive, config.AUDIT_CHECKPOINT_KEY);
  if (!result.ok) {
    process.stderr.write(`audit verify: FAILED: ${result.problem ?? 'unknown'}\n`);
    return 1;
  }
  process.stdout.write(
    `audit verify: OK, archive of ${result.count} records (seq ${result.checkpoint?.firstSeq}–${result.checkpoint?.seq}) matches its signed checkpoint\n`,
  );
  return 0;
}

async function exportCommand(
  store: AuditStore,
  range: { from: Date; to: Date; userId?: string },
  format: AuditExportFormat,
  outPath: string | undefined,
): Promise<number> {
  const out = outPath === undefined ? process.stdout : createWriteStream(outPath, { flags: 'wx' });
  const count = await exportRecords(store.read(range), format, out);
  if (out !== process.stdout) {
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
  }
  process.stderr.write(`audit export: ${count} records\n`);
  return 0;
}
