import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { assertCheckpointSigned, signCheckpoint, type AuditCheckpoint } from './audit-checkpoint';
import { AuditError } from './audit-errors';
import { GENESIS_HEAD, type ChainHead } from './audit-record';
import type { AuditStore, StoredAuditRecord } from './audit-store';
import { canonicalJson } from './canonical-json';
import { fsyncDir } from './jsonl-files';
import { verifyChain } from './verify-chain';

export interface RetentionOptions {
  /** Records recorded before this instant are archived and removed. At most the start of the current UTC day. */
  before: Date;
  /** AUDIT_CHECKPOINT_KEY */
  key: string | undefined;
  /** Folder of the archive and checkpoint files. */
  outDir: string;
  now?: () => number;
}

export interface RetentionResult {
  readonly checkpoint: AuditCheckpoint;
  readonly archivePath: string;
  readonly checkpointPath: string;
  readonly removed: number;
}

/** The head the stored chain continues from: the newest checkpoint (its signature checked) or genesis. */
export async function chainStart(store: AuditStore, key: string | undefined): Promise<ChainHead> {
  const checkpoint = await store.latestCheckpoint();
  if (checkpoint === undefined) {
    return GENESIS_HEAD;
  }
  const signed = assertCheckpointSigned(checkpoint, key);
  return { seq: signed.seq, hash: signed.hash, recordedAt: signed.recordedAt };
}

/**
 * Retention: verifies the records recorded before `before` as a chain continuing from the newest checkpoint,
 * writes them to `audit-archive-<first>-<last>.jsonl` (canonical lines, fsync'd), signs a checkpoint naming the
 * archive's last seq and hash and the archive's SHA-256, writes it beside the archive, stores it, and only then
 * removes the archived records. The remaining chain verifies from the checkpoint. Returns undefined when no record
 * is old enough.
 */
export async function runRetention(
  store: AuditStore,
  options: RetentionOptions,
): Promise<RetentionResult | undefined> {
  const now = (options.now ?? Date.now)();
  const startOfToday = Math.floor(now / 86_400_000) * 86_400_000;
  if (options.before.getTime() > startOfToday) {
    throw new AuditError(
      'AUDIT_RETENTION_REFUSED',
      `--before must not be later than the start of the current UTC day (${new Date(startOfToday).toISOString()})`,
    );
  }
  if (options.key === undefined) {
    throw new AuditError(
      'AUDIT_RETENTION_REFUSED',
      'AUDIT_CHECKPOINT_KEY must be set to sign the checkpoint',
    );
  }
  const start = await chainStart(store, options.key);
  await mkdir(options.outDir, { recursive: true });
  const tmpPath = join(options.outDir, `.audit-archive-${now}.tmp`);
  const file = await open(tmpPath, 'wx');
  const digest = createHash('sha256');
  let firstSeq: number | undefined;
  let result;
  try {
    async function* archived(): AsyncGenerator<StoredAuditRecord> {
      for await (const stored of store.read({ to: options.before })) {
        const line = Buffer.from(`${canonicalJson(stored.record)}\n`, 'utf8');
        digest.update(line);
        await file.write(line);
        firstSeq ??= stored.record.seq;
        yield stored;
      }
    }
    result = await verifyChain(archived(), { start });
    await file.sync();
  } finally {
    await file.close();
  }
  const last = result.last;
  if (!result.ok || result.count === 0 || last === undefined || firstSeq === undefined) {
    await rm(tmpPath, { force: true });
    if (!result.ok) {
      const b = result.broken;
      throw new AuditError(
        'AUDIT_RETENTION_REFUSED',
        `the records to archive do not verify (seq ${b?.seq ?? '?'}${b?.location ? `, ${b.location}` : ''}: ${b?.reason}); nothing was archived`,
      );
    }
    return undefined;
  }
  const base = `audit-archive-${String(firstSeq).padStart(12, '0')}-${String(last.seq).padStart(12, '0')}`;
  const archivePath = join(options.outDir, `${base}.jsonl`);
  const checkpointPath = join(options.outDir, `${base}.checkpoint.json`);
  await rename(tmpPath, archivePath);
  const checkpoint = signCheckpoint(
    {
      v: 1,
      seq: last.seq,
      hash: last.hash,
      recordedAt: last.recordedAt ?? options.before.toISOString(),
      firstSeq,
      count: result.count,
      before: options.before.toISOString(),
      archiveFile: `${base}.jsonl`,
      archiveSha256: digest.digest('hex'),
      createdAt: new Date(now).toISOString(),
    },
    options.key,
  );
  const cpFile = await open(checkpointPath, 'wx');
  try {
    await cpFile.write(`${JSON.stringify(checkpoint, null, 2)}\n`);
    await cpFile.sync();
  } finally {
    await cpFile.close();
  }
  await fsyncDir(options.outDir);
  const removed = await store.prune(checkpoint);
  return { checkpoint, archivePath, checkpointPath, removed };
}

export interface ArchiveVerification {
  readonly ok: boolean;
  readonly count: number;
  readonly checkpoint?: AuditCheckpoint;
  readonly problem?: string;
}

/**
 * Checks an archive written by retention against its checkpoint (`<archive>.checkpoint.json` beside it): the
 * checkpoint's signature, the archive's SHA-256, and the records as a chain from `firstSeq` ending at the
 * checkpoint's seq and hash.
 */
export async function verifyArchive(
  archivePath: string,
  key: string | undefined,
): Promise<ArchiveVerification> {
  const checkpointPath = archivePath.replace(/\.jsonl$/, '.checkpoint.json');
  let checkpoint: AuditCheckpoint;
  try {
    checkpoint = assertCheckpointSigned(JSON.parse(await readFile(checkpointPath, 'utf8')), key);
  } catch (err) {
    return { ok: false, count: 0, problem: `${checkpointPath}: ${(err as Error).message}` };
  }
  const digest = createHash('sha256');
  async function* lines(): AsyncGenerator<StoredAuditRecord> {
    let rest = '';
    let lineNo = 0;
    for await (const chunk of createReadStream(archivePath)) {
      digest.update(chunk as Buffer);
      const parts = (rest + (chunk as Buffer).toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        lineNo += 1;
        const location = `${archivePath}:${lineNo}`;
        try {
          yield { record: JSON.parse(line) as StoredAuditRecord['record'], location };
        } catch {
          throw new AuditError('AUDIT_RECORD_UNREADABLE', `${location} is not valid JSON`, {
            details: { location },
          });
        }
      }
    }
    if (rest.length > 0) {
      throw new AuditError('AUDIT_RECORD_UNREADABLE', `${archivePath}: last line is cut off`, {
        details: { location: `${archivePath}:end` },
      });
    }
  }
  const result = await verifyChain(lines(), {});
  if (!result.ok) {
    const b = result.broken;
    return {
      ok: false,
      count: result.count,
      checkpoint,
      problem: `record seq ${b?.seq ?? '?'} (${b?.location ?? '?'}): ${b?.reason}`,
    };
  }
  if (digest.digest('hex') !== checkpoint.archiveSha256) {
    return {
      ok: false,
      count: result.count,
      checkpoint,
      problem: 'archive SHA-256 differs from the checkpoint',
    };
  }
  if (
    result.first?.seq !== checkpoint.firstSeq ||
    result.last?.seq !== checkpoint.seq ||
    result.last.hash !== checkpoint.hash
  ) {
    return {
      ok: false,
      count: result.count,
      checkpoint,
      problem: `archive holds seq ${result.first?.seq ?? '-'}–${result.last?.seq ?? '-'}, checkpoint says ${checkpoint.firstSeq}–${checkpoint.seq}`,
    };
  }
  return { ok: true, count: result.count, checkpoint };
}
