import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface LogCount {
  level: string;
  message: string;
  count: number;
}

const LEVELS: Record<number, string> = { 40: 'warn', 50: 'error', 60: 'fatal' };

/** Warnings and errors in pino JSON lines, counted by level and message. Other lines are ignored. Pure. */
export function countWarnings(text: string): LogCount[] {
  const counts = new Map<string, LogCount>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) {
      continue;
    }
    let entry: { level?: unknown; msg?: unknown };
    try {
      entry = JSON.parse(line) as { level?: unknown; msg?: unknown };
    } catch {
      continue;
    }
    const level = typeof entry.level === 'number' ? LEVELS[entry.level] : undefined;
    if (level === undefined) {
      continue;
    }
    const message = typeof entry.msg === 'string' ? entry.msg : '(no message)';
    const key = `${level}\u0000${message}`;
    const count = counts.get(key) ?? { level, message, count: 0 };
    count.count += 1;
    counts.set(key, count);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count);
}

/** Warnings and errors of every service process of a run (`worker-*.log` in the run folder), merged. */
export async function serviceWarnings(runDir: string): Promise<LogCount[]> {
  const files = (await readdir(runDir)).filter((f) => f.startsWith('worker-') && f.endsWith('.log'));
  const merged = new Map<string, LogCount>();
  for (const file of files) {
    for (const c of countWarnings(await readFile(path.join(runDir, file), 'utf8'))) {
      const key = `${c.level}\u0000${c.message}`;
      const into = merged.get(key) ?? { ...c, count: 0 };
      into.count += c.count;
      merged.set(key, into);
    }
  }
  return [...merged.values()].sort((a, b) => b.count - a.count);
}
