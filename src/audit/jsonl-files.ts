import { createReadStream } from 'node:fs';
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** File layout of the JSONL audit store under AUDIT_DIR. */
export const JSONL_FILE_PATTERN = /^audit-(\d{4}-\d{2}-\d{2})\.jsonl$/;
export const HEAD_ANCHOR_FILE = 'head.json';
export const FENCE_FILE = 'writer-fence';
export const CHECKPOINTS_FILE = 'checkpoints.jsonl';

/** `audit-YYYY-MM-DD.jsonl` for the UTC day of an ISO timestamp. */
export function dayFileName(isoTimestamp: string): string {
  return `audit-${isoTimestamp.slice(0, 10)}.jsonl`;
}

export interface DayFile {
  readonly name: string;
  /** YYYY-MM-DD */
  readonly day: string;
}

/** The day files in chain (= date) order. */
export async function listDayFiles(dir: string): Promise<DayFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw err;
  }
  const files: DayFile[] = [];
  for (const name of names) {
    const match = JSONL_FILE_PATTERN.exec(name);
    if (match?.[1] !== undefined) {
      files.push({ name, day: match[1] });
    }
  }
  return files.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

/** fsync a directory so a created, renamed or removed entry survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const CHUNK = 256 * 1024;

/**
 * Complete lines of a file from the last to the first, without reading the whole file. A trailing segment with no
 * newline (a torn write) is reported through `torn` with its length in bytes, not yielded.
 */
export async function* linesBackward(
  handle: FileHandle,
  size: number,
  torn?: (bytes: number) => void,
): AsyncGenerator<string> {
  let end = size;
  let pending = Buffer.alloc(0);
  let sawNewline = false;
  while (end > 0) {
    const start = Math.max(0, end - CHUNK);
    const buf = Buffer.alloc(end - start);
    await readFully(handle, buf, start);
    end = start;
    let data = Buffer.concat([buf, pending]);
    if (!sawNewline) {
      const lastNewline = data.lastIndexOf(0x0a);
      if (lastNewline < 0) {
        pending = data;
        continue;
      }
      sawNewline = true;
      if (data.length - lastNewline - 1 > 0) {
        torn?.(data.length - lastNewline - 1);
      }
      data = data.subarray(0, lastNewline);
    }
    // The last segment of data is a complete line; the first may continue in the previous chunk.
    let segEnd = data.length;
    while (segEnd > 0) {
      const i = data.lastIndexOf(0x0a, segEnd - 1);
      if (i < 0) {
        break;
      }
      if (segEnd > i + 1) {
        yield data.subarray(i + 1, segEnd).toString('utf8');
      }
      segEnd = i;
    }
    pending = data.subarray(0, segEnd);
  }
  if (!sawNewline) {
    if (pending.length > 0) {
      torn?.(pending.length);
    }
  } else if (pending.length > 0) {
    yield pending.toString('utf8');
  }
}

async function readFully(handle: FileHandle, buf: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < buf.length) {
    const { bytesRead } = await handle.read(buf, offset, buf.length - offset, position + offset);
    if (bytesRead === 0) {
      throw new Error(`unexpected end of file at byte ${position + offset}`);
    }
    offset += bytesRead;
  }
}

/**
 * Lines of a file from first to last with their 1-based numbers. `tornTail` receives a final segment without a
 * newline instead of it being yielded as a line.
 */
export async function* linesForward(
  path: string,
  tornTail: (segment: string) => void,
): AsyncGenerator<{ line: string; lineNo: number }> {
  let rest = '';
  let lineNo = 0;
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: CHUNK })) {
    const text = rest + (chunk as string);
    const parts = text.split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      lineNo += 1;
      yield { line, lineNo };
    }
  }
  if (rest.length > 0) {
    tornTail(rest);
  }
}

export function dirPath(dir: string, name: string): string {
  return join(dir, name);
}
