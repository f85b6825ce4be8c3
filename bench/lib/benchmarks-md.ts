import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { formatMachine, type MachineDescription } from './machine';

/** One benchmark run as a section of BENCHMARKS.md. */
export interface BenchSection {
  name: string;
  /** When the run started. */
  date: Date;
  machine: MachineDescription;
  /** The exact command, e.g. `npm run bench -- burst`. */
  command: string;
  /** The settings that matter for reading the figures (agents, emulator latency and limit, runs…). */
  setup: ReadonlyArray<readonly [string, string | number]>;
  /** Markdown tables (already rendered), each optionally with a title. */
  tables: ReadonlyArray<{ title?: string; markdown: string }>;
  /** Target vs. measured, one line each (`met` / `MISSED by …`). */
  verdicts: readonly string[];
  /** Free notes (where the time goes, what is estimated, caveats). */
  notes: readonly string[];
  /** The machine-readable result line. */
  resultLine: string;
}

/** Renders a section. Pure. */
export function renderSection(s: BenchSection): string {
  const lines: string[] = [
    `### ${s.name} — ${s.date.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
    '',
    `- machine: ${formatMachine(s.machine)}`,
    `- command: \`${s.command}\``,
    ...s.setup.map(([k, v]) => `- ${k}: ${v}`),
    '',
  ];
  for (const t of s.tables) {
    if (t.title !== undefined) {
      lines.push(`${t.title}`, '');
    }
    lines.push(t.markdown, '');
  }
  if (s.verdicts.length > 0) {
    lines.push('Targets:', '', ...s.verdicts.map((v) => `- ${v}`), '');
  }
  if (s.notes.length > 0) {
    lines.push('Notes:', '', ...s.notes.map((n) => `- ${n}`), '');
  }
  lines.push('```', s.resultLine, '```', '');
  return lines.join('\n');
}

export const RESULTS_HEADING = '## Results log';

const PREAMBLE = `# Benchmarks

Results are appended below by \`npm run bench -- <name>\`, one section per run, newest last.

${RESULTS_HEADING}

`;

/**
 * Appends a section to the results log of BENCHMARKS.md (creating the file with a short preamble when missing).
 * Only ever appends: the hand-written part above the results log is left alone.
 */
export async function appendSection(file: string, section: BenchSection): Promise<void> {
  let existing: string | undefined;
  try {
    existing = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw err;
    }
  }
  const text = renderSection(section);
  if (existing === undefined) {
    await writeFile(file, `${PREAMBLE}${text}`);
    return;
  }
  const sep = existing.endsWith('\n\n') ? '' : existing.endsWith('\n') ? '\n' : '\n\n';
  const heading = existing.includes(RESULTS_HEADING) ? '' : `${RESULTS_HEADING}\n\n`;
  await appendFile(file, `${sep}${heading}${text}`);
}
