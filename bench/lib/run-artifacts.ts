import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { readProfiles, topAreas, topFunctions } from './cpu-profile';
import { renderTable } from './results-table';
import { serviceWarnings } from './service-logs';
import { profileDir } from './service-processes';
import { round } from './stats';

export interface TitledTable {
  title: string;
  markdown: string;
}

/** One table per CPU profile of the run: self time by area and by function, side by side. */
export async function profileTables(runDir: string): Promise<TitledTable[]> {
  const tables: TitledTable[] = [];
  for (const { file, profile } of await readProfiles(profileDir(runDir))) {
    const areas = topAreas(profile, 10);
    const functions = topFunctions(profile, 10);
    const rows = Array.from({ length: Math.max(areas.length, functions.length) }, (_, i) => {
      const area = areas[i];
      const fn = functions[i];
      return [
        area?.name ?? '',
        area === undefined ? '' : round(area.percent, 1),
        fn?.name ?? '',
        fn === undefined ? '' : round(fn.percent, 1),
      ];
    });
    const seconds = round((profile.endTime - profile.startTime) / 1e6, 1);
    tables.push({
      title: `CPU profile \`${path.basename(file)}\` (${seconds} s sampled): self time`,
      markdown: renderTable(['area', '%', 'function', '%'], rows),
    });
  }
  return tables;
}

/** The warnings and errors the service processes logged during the bench, as a table (none → no table). */
export async function warningTables(runDir: string): Promise<TitledTable[]> {
  const warnings = await serviceWarnings(runDir);
  if (warnings.length === 0) {
    return [];
  }
  return [
    {
      title: 'Warnings and errors logged by the service processes (all runs of this bench)',
      markdown: renderTable(
        ['level', 'message', 'lines'],
        warnings.slice(0, 12).map((w) => [w.level, w.message, w.count]),
      ),
    },
  ];
}

/** Audit logs, timesheets and heap snapshots of a run folder (hundreds of MB): removed unless `--keep`. */
export async function removeBulky(runDir: string): Promise<void> {
  for (const entry of await readdir(runDir, { withFileTypes: true })) {
    if (entry.isDirectory() && (/^(audit|timesheets)-/.test(entry.name) || entry.name === 'heap')) {
      await rm(path.join(runDir, entry.name), { recursive: true, force: true });
    }
  }
}
