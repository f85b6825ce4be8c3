import { mkdir, open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { auditCheckpointSchema, type AuditCheckpoint } from './audit-checkpoint';
import { AuditError } from './audit-errors';
import { canonicalRecordJson, GENESIS_HEAD, headOf, type AuditRecord, type ChainHead } from './audit-record';
import type { AuditAppendOptions, AuditReadOptions, AuditStore, StoredAuditRecord } from './audit-store';
import { canonicalJson } from './canonical-json';
import {
  CHECKPOINTS_FILE,
  dayFileName,
  FENCE_FILE,
  fsyncDir,
  HEAD_ANCHOR_FILE,
  linesBackward,
  linesForward,
  listDayFiles,
} from './jsonl-files';

export interface JsonlAuditStoreOptions {
  /** AUDIT_DIR */
  dir: string;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Open for reading only: no crash repair, no writes (the CLI, while a worker may be writing). */
  readOnly?: boolean;
  /**
   * How many of the newest event ids are remembered for the idempotency check. A redelivered job is always among
   * the newest records (it was in flight), so this bounds memory without weakening the guarantee in practice.
   */
  dedupWindow?: number;
}

interface OpenFile {
  readonly name: string;
  readonly handle: FileHandle;
  size: number;
}

/**
 * The embedded audit store: one JSONL file per UTC day (`audit-YYYY-MM-DD.jsonl`, one canonical record per line)
 * under AUDIT_DIR. Appends a batch with one write and one fdatasync before it resolves, so an acknowledged record
 * survives a crash. On open, a torn last line (a crash mid-write) is cut off and logged, and the head is read back
 * from the tail of the newest file. `head.json` anchors the last appended record so a deleted tail is detected.
 */
export class JsonlAuditStore implements AuditStore {
  readonly kind = 'jsonl' as const;
  private readonly dir: string;
  private readonly logger: JsonlAuditStoreOptions['logger'];
  private readonly readOnly: boolean;
  private readonly dedupWindow: number;
  private readonly recent = new Set<string>();
  private current: OpenFile | undefined;
  private chainHead: ChainHead | undefined;
  private fence = 0;
  private recoveryNeeded = true;

  constructor(options: JsonlAuditStoreOptions) {
    this.dir = options.dir;
    this.logger = options.logger;
    this.readOnly = options.readOnly ?? false;
    this.dedupWindow = options.dedupWindow ?? 50_000;
  }

  async open(): Promise<void> {
    if (this.readOnly) {
      // A reader must not mistake a wrong AUDIT_DIR for an empty log.
      const isDir = await stat(this.dir).then(
        (st) => st.isDirectory(),
        () => false,
      );
      if (!isDir) {
        throw new AuditError('AUDIT_STORE_UNAVAILABLE', `audit folder ${this.dir} does not exist`);
      }
    } else {
      await mkdir(this.dir, { recursive: true });
    }
    await this.recover();
  }

  async head(): Promise<ChainHead> {
    if (this.recoveryNeeded) {
      await this.recover();
    }
    return this.chainHead ?? GENESIS_HEAD;
  }

  async knownEventIds(eventIds: readonly string[]): Promise<Set<string>> {
    if (this.recoveryNeeded) {
      await this.recover();
    }
    return new Set(eventIds.filter((id) => this.recent.has(id)));
  }

  async append(records: readonly AuditRecord[], options: AuditAppendOptions = {}): Promise<void> {
    if (this.readOnly) {
      throw new AuditError('AUDIT_STORE_UNAVAILABLE', 'the JSONL audit store was opened read-only');
    }
    const firstRecord = records[0];
    if (firstRecord === undefined) {
      return;
    }
    const head = await this.head();
    if (firstRecord.seq !== head.seq + 1 || firstRecord.prevHash !== head.hash) {
      throw new AuditError(
        'AUDIT_CHAIN_CONFLICT',
        `batch starts at seq ${firstRecord.seq} but the stored chain ends at seq ${head.seq}`,
      );
    }
    if (options.fencingToken !== undefined) {
      await this.checkFence(options.fencingToken);
    }
    try {
      let i = 0;
      while (i < records.length) {
        const name = dayFileName((records[i] as AuditRecord).recordedAt);
        let j = i;
        const lines: string[] = [];
        while (j < records.length && dayFileName((records[j] as AuditRecord).recordedAt) === name) {
          lines.push(`${canonicalRecordJson(records[j] as AuditRecord)}\n`);
          j += 1;
        }
        await this.writeDurably(name, Buffer.from(lines.join(''), 'utf8'));
        i = j;
      }
    } catch (err) {
      this.recoveryNeeded = true;
      await this.closeCurrent();
      if (err instanceof AuditError) {
        throw err;
      }
      throw new AuditError('AUDIT_STORE_UNAVAILABLE', `JSONL append failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const last = records[records.length - 1] as AuditRecord;
    this.chainHead = headOf(last);
    for (const record of records) {
      this.remember(record.eventId);
    }
    await this.writeAnchor(this.chainHead);
  }

  async *read(options: AuditReadOptions = {}): AsyncIterable<StoredAuditRecord> {
    const files = await listDayFiles(this.dir);
    const fromDay = options.from?.toISOString().slice(0, 10);
    const toIso = options.to?.toISOString();
    const fromIso = options.from?.toISOString();
    for (let f = 0; f < files.length; f += 1) {
      const file = files[f] as (typeof files)[number];
      if (
        (fromDay !== undefined && file.day < fromDay) ||
        (toIso !== undefined && file.day > toIso.slice(0, 10))
      ) {
        continue;
      }
      const isNewest = f === files.length - 1;
      const lines = linesForward(join(this.dir, file.name), (segment) => {
        if (!isNewest) {
          throw new AuditError('AUDIT_RECORD_UNREADABLE', `${file.name}: last line is cut off (no newline)`, {
            details: { location: `${file.name}:end` },
          });
        }
        // The newest file's unterminated tail is a write in progress or a crash leftover repaired at next start.
        void segment;
      });
      for await (const { line, lineNo } of lines) {
        const location = `${file.name}:${lineNo}`;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          throw new AuditError('AUDIT_RECORD_UNREADABLE', `${location} is not valid JSON`, {
            details: { location },
          });
        }
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
          throw new AuditError('AUDIT_RECORD_UNREADABLE', `${location} is not a JSON object`, {
            details: { location },
          });
        }
        const record = parsed as AuditRecord;
        const at = typeof record.recordedAt === 'string' ? record.recordedAt : '';
        if ((fromIso !== undefined && at < fromIso) || (toIso !== undefined && at >= toIso)) {
          continue;
        }
        if (options.userId !== undefined && record.userId !== options.userId) {
          continue;
        }
        yield { record, location };
      }
    }
  }

  async headAnchor(): Promise<ChainHead | undefined> {
    try {
      const parsed = JSON.parse(
        await readFile(join(this.dir, HEAD_ANCHOR_FILE), 'utf8'),
      ) as Partial<ChainHead>;
      if (typeof parsed.seq === 'number' && typeof parsed.hash === 'string') {
        return { seq: parsed.seq, hash: parsed.hash, recordedAt: parsed.recordedAt };
      }
    } catch {
      // Missing or unreadable (never fsync'd: a crash may leave it empty): no anchor.
    }
    return undefined;
  }

  async latestCheckpoint(): Promise<AuditCheckpoint | undefined> {
    const path = join(this.dir, CHECKPOINTS_FILE);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return undefined;
      }
      throw err;
    }
    try {
      const { size } = await handle.stat();
      for await (const line of linesBackward(handle, size)) {
        const parsed = auditCheckpointSchema.safeParse(JSON.parse(line));
        if (!parsed.success) {
          throw new AuditError('AUDIT_STORE_CORRUPT', `${CHECKPOINTS_FILE}: last checkpoint is malformed`);
        }
        return parsed.data;
      }
      return undefined;
    } finally {
      await handle.close();
    }
  }

  async prune(checkpoint: AuditCheckpoint): Promise<number> {
    if (this.readOnly) {
      throw new AuditError('AUDIT_STORE_UNAVAILABLE', 'the JSONL audit store was opened read-only');
    }
    const files = await listDayFiles(this.dir);
    const newest = files[files.length - 1];
    await this.appendCheckpoint(checkpoint);
    let removed = 0;
    for (const file of files) {
      const path = join(this.dir, file.name);
      const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.length > 0);
      const keep = lines.filter((l) => (JSON.parse(l) as { seq: number }).seq > checkpoint.seq);
      if (keep.length === lines.length) {
        break;
      }
      if (file === newest) {
        throw new AuditError(
          'AUDIT_RETENTION_REFUSED',
          `${file.name} is the newest audit file (the writer appends to it); choose an earlier cut`,
        );
      }
      removed += lines.length - keep.length;
      if (keep.length === 0) {
        await rm(path);
      } else {
        const tmp = `${path}.tmp`;
        await writeDurable(tmp, `${keep.join('\n')}\n`);
        await rename(tmp, path);
      }
      await fsyncDir(this.dir);
      this.logger.info(
        { file: file.name, removed: lines.length - keep.length },
        'audit retention pruned file',
      );
    }
    return removed;
  }

  async close(): Promise<void> {
    await this.closeCurrent();
  }

  /** Cuts a torn tail off the newest file, reads the head back, refills the idempotency window. */
  private async recover(): Promise<void> {
    await this.closeCurrent();
    this.recent.clear();
    let head: ChainHead | undefined;
    const files = await listDayFiles(this.dir);
    for (let f = files.length - 1; f >= 0 && this.recent.size < this.dedupWindow; f -= 1) {
      const file = files[f] as (typeof files)[number];
      const path = join(this.dir, file.name);
      const handle = await open(path, this.readOnly ? 'r' : 'r+');
      try {
        const { size } = await handle.stat();
        let torn = 0;
        for await (const line of linesBackward(handle, size, (bytes) => (torn = bytes))) {
          if (torn > 0 && !this.readOnly && head === undefined) {
            await handle.truncate(size - torn);
            await handle.sync();
            this.logger.warn(
              { file: file.name, bytes: torn },
              'audit log ended in a torn line (crash mid-write); cut it off',
            );
            torn = 0;
          }
          let record: Partial<AuditRecord>;
          try {
            record = JSON.parse(line) as Partial<AuditRecord>;
          } catch {
            if (head === undefined) {
              throw new AuditError(
                'AUDIT_STORE_CORRUPT',
                `${file.name}: the last complete line is not JSON; run "audit verify" and repair by hand`,
              );
            }
            continue;
          }
          if (head === undefined) {
            if (typeof record.seq !== 'number' || typeof record.hash !== 'string') {
              throw new AuditError(
                'AUDIT_STORE_CORRUPT',
                `${file.name}: the last line is not an audit record`,
              );
            }
            head = { seq: record.seq, hash: record.hash, recordedAt: record.recordedAt };
          }
          if (typeof record.eventId === 'string') {
            this.recent.add(record.eventId);
          }
          if (this.recent.size >= this.dedupWindow) {
            break;
          }
        }
        if (torn > 0 && !this.readOnly && head === undefined) {
          // The file held nothing but a torn line.
          await handle.truncate(0);
          await handle.sync();
          this.logger.warn(
            { file: file.name, bytes: torn },
            'audit log ended in a torn line (crash mid-write); cut it off',
          );
        }
      } finally {
        await handle.close();
      }
    }
    if (head === undefined) {
      const checkpoint = await this.latestCheckpoint();
      head =
        checkpoint === undefined
          ? GENESIS_HEAD
          : { seq: checkpoint.seq, hash: checkpoint.hash, recordedAt: checkpoint.recordedAt };
    }
    this.chainHead = head;
    if (!this.readOnly) {
      const anchor = await this.headAnchor();
      if (anchor !== undefined && anchor.seq > head.seq) {
        this.logger.error(
          { anchorSeq: anchor.seq, headSeq: head.seq },
          'audit head anchor is ahead of the stored chain: records were removed from the end of the log',
        );
      } else if (anchor?.seq !== head.seq || anchor.hash !== head.hash) {
        await this.writeAnchor(head);
      }
      this.fence = await this.readFence();
    }
    this.recoveryNeeded = false;
  }

  private remember(eventId: string): void {
    this.recent.add(eventId);
    if (this.recent.size > this.dedupWindow) {
      const oldest = this.recent.values().next();
      if (oldest.done !== true) {
        this.recent.delete(oldest.value);
      }
    }
  }

  private async writeDurably(name: string, data: Buffer): Promise<void> {
    const file = await this.fileFor(name);
    const { size } = await file.handle.stat();
    if (size !== file.size) {
      throw new AuditError(
        'AUDIT_CHAIN_CONFLICT',
        `${name} changed size under this writer (${file.size} → ${size}): another process appended`,
      );
    }
    try {
      let offset = 0;
      while (offset < data.length) {
        const { bytesWritten } = await file.handle.write(data, offset, data.length - offset);
        offset += bytesWritten;
      }
      await file.handle.datasync();
    } catch (err) {
      // Leave no partial batch behind: the jobs are not acknowledged and will be written again.
      await file.handle.truncate(file.size).catch(() => undefined);
      throw err;
    }
    file.size += data.length;
  }

  private async fileFor(name: string): Promise<OpenFile> {
    if (this.current?.name === name) {
      return this.current;
    }
    await this.closeCurrent();
    const path = join(this.dir, name);
    const existed = await stat(path).then(
      () => true,
      () => false,
    );
    const handle = await open(path, 'a');
    if (!existed) {
      await fsyncDir(this.dir);
    }
    const { size } = await handle.stat();
    this.current = { name, handle, size };
    return this.current;
  }

  private async closeCurrent(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    await current?.handle.close().catch(() => undefined);
  }

  private async writeAnchor(head: ChainHead): Promise<void> {
    // Not fsync'd: after a crash a stale or empty anchor is rewritten from the chain at open.
    const path = join(this.dir, HEAD_ANCHOR_FILE);
    try {
      await writeFile(`${path}.tmp`, `${JSON.stringify(head)}\n`);
      await rename(`${path}.tmp`, path);
    } catch (err) {
      this.logger.warn({ err }, 'could not update the audit head anchor');
    }
  }

  private async readFence(): Promise<number> {
    try {
      const value = Number((await readFile(join(this.dir, FENCE_FILE), 'utf8')).trim());
      return Number.isSafeInteger(value) ? value : 0;
    } catch {
      return 0;
    }
  }

  private async checkFence(token: number): Promise<void> {
    const stored = await this.readFence();
    this.fence = Math.max(this.fence, stored);
    if (this.fence > token) {
      throw new AuditError(
        'AUDIT_FENCED',
        `a writer with fencing token ${this.fence} has written; this writer (token ${token}) must stop`,
      );
    }
    if (stored < token) {
      await writeDurable(join(this.dir, FENCE_FILE), `${token}\n`);
      this.fence = token;
    }
  }

  private async appendCheckpoint(checkpoint: AuditCheckpoint): Promise<void> {
    const path = join(this.dir, CHECKPOINTS_FILE);
    const handle = await open(path, 'a');
    try {
      await handle.write(`${canonicalJson(checkpoint)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsyncDir(this.dir);
  }
}

async function writeDurable(path: string, text: string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.write(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
