import { Writable } from 'node:stream';
import { csvCell, csvHeader, csvRow, CSV_COLUMNS, exportRecords } from '../../src/audit/audit-export';
import { buildRecords, GENESIS_HEAD, type AuditRecord } from '../../src/audit/audit-record';
import type { StoredAuditRecord } from '../../src/audit/audit-store';

const [record] = buildRecords(
  GENESIS_HEAD,
  [
    {
      eventId: 'e-1',
      type: 'blocked',
      occurredAt: '2026-12-07T09:00:00.000Z',
      userId: 'agent-1',
      reason: 'mandatory break, "Meal"\nscheduled',
      requestedPresence: { systemPresence: 'ON_QUEUE', label: 'On Queue' },
      genesys: { status: 200 },
      force: false,
    },
  ],
  { now: () => 0 },
) as [AuditRecord];

describe('audit export', () => {
  it('quotes CSV cells with commas, quotes or line breaks (RFC 4180)', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(12.5)).toBe('12.5');
    expect(csvCell(false)).toBe('false');
  });

  it('defuses text that a spreadsheet would run as a formula', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('@cmd')).toBe("'@cmd");
    expect(csvCell(-1)).toBe('-1');
  });

  it('flattens nested fields into named columns in a fixed order', () => {
    expect(csvHeader()).toBe(`${CSV_COLUMNS.join(',')}\r\n`);
    const cells = csvRow(record);
    expect(cells).toContain(',ON_QUEUE,On Queue,');
    expect(cells).toContain('"mandatory break, ""Meal""\nscheduled"');
    expect(cells.endsWith(`${record.prevHash},${record.hash}\r\n`)).toBe(true);
  });

  it('writes JSONL as canonical lines that verify as they are', async () => {
    let text = '';
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        done();
      },
    });
    async function* one(): AsyncGenerator<StoredAuditRecord> {
      yield { record, location: 'x' };
    }
    expect(await exportRecords(one(), 'jsonl', out)).toBe(1);
    expect(JSON.parse(text)).toEqual(record);
    expect(text.startsWith('{"eventId":"e-1","force":false,')).toBe(true);
  });
});
