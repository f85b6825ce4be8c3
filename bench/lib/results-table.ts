/** A results table as Markdown, padded so it also reads well in a terminal. Pure. */

export type Cell = string | number;

export interface TableColumn {
  header: string;
  /** Numbers are right-aligned by default, text left-aligned. */
  align?: 'left' | 'right';
}

function escapeCell(value: Cell): string {
  return String(value).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * Renders `rows` under `columns` as a Markdown table. Every row must have one cell per column. A column is
 * right-aligned when told, or when every non-empty cell in it is a number.
 */
export function renderTable(
  columns: readonly (TableColumn | string)[],
  rows: readonly (readonly Cell[])[],
): string {
  const cols: TableColumn[] = columns.map((c) => (typeof c === 'string' ? { header: c } : c));
  if (cols.length === 0) {
    throw new RangeError('a table needs at least one column');
  }
  rows.forEach((row, i) => {
    if (row.length !== cols.length) {
      throw new RangeError(`row ${i} has ${row.length} cells, expected ${cols.length}`);
    }
  });
  const right = cols.map(
    (c, i) =>
      c.align === 'right' ||
      (c.align === undefined &&
        rows.length > 0 &&
        rows.every((r) => typeof r[i] === 'number' || r[i] === '')),
  );
  const text = rows.map((r) => r.map(escapeCell));
  const headers = cols.map((c) => escapeCell(c.header));
  const widths = headers.map((h, i) => Math.max(3, h.length, ...text.map((r) => r[i]!.length)));
  const pad = (value: string, i: number): string =>
    right[i] ? value.padStart(widths[i]!) : value.padEnd(widths[i]!);
  const line = (cells: string[]): string => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (right[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(headers), rule, ...text.map(line)].join('\n');
}
