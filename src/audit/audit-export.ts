import type { Writable } from 'node:stream';
import type { AuditRecord } from './audit-record';
import type { StoredAuditRecord } from './audit-store';
import { canonicalJson } from './canonical-json';

export type AuditExportFormat = 'jsonl' | 'csv';

/** CSV columns, in order; nested objects are flattened with a dot. */
export const CSV_COLUMNS = [
  'seq',
  'id',
  'recordedAt',
  'eventId',
  'type',
  'occurredAt',
  'requestId',
  'userId',
  'source',
  'requestedBy',
  'reason',
  'requestedPresence.id',
  'requestedPresence.systemPresence',
  'requestedPresence.label',
  'previousPresence.id',
  'previousPresence.systemPresence',
  'previousPresence.label',
  'version',
  'appliedVersion',
  'scheduleActivity.activityCodeId',
  'scheduleActivity.category',
  'scheduleActivity.start',
  'scheduleActivity.end',
  'policyRule',
  'decision',
  'force',
  'genesys.correlationId',
  'genesys.status',
  'genesys.errorCode',
  'latencyMs',
  'detail',
  'prevHash',
  'hash',
] as const;

function valueAt(record: AuditRecord, column: string): unknown {
  let value: unknown = record;
  for (const part of column.split('.')) {
    value =
      value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  }
  return value;
}

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break. A text cell starting with
 * = + - @ or a tab/CR is prefixed with ' so a spreadsheet does not run it as a formula.
 */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) {
    return '';
  }
  let text = typeof value === 'string' ? value : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) {
    text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function csvRow(record: AuditRecord): string {
  return `${CSV_COLUMNS.map((c) => csvCell(valueAt(record, c))).join(',')}\r\n`;
}

/** Writes the records as JSONL (canonical, one per line, verifiable as is) or CSV; returns how many. */
export async function exportRecords(
  records: AsyncIterable<StoredAuditRecord>,
  format: AuditExportFormat,
  out: Writable,
): Promise<number> {
  let count = 0;
  if (format === 'csv') {
    await write(out, csvHeader());
  }
  for await (const { record } of records) {
    await write(out, format === 'csv' ? csvRow(record) : `${canonicalJson(record)}\n`);
    count += 1;
  }
  return count;
}

function write(out: Writable, chunk: string): Promise<void> {
  if (out.write(chunk)) {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      out.off('error', onError);
      resolve();
    };
    const onError = (err: Error): void => {
      out.off('drain', onDrain);
      reject(err);
    };
    out.once('drain', onDrain);
    out.once('error', onError);
  });
}
