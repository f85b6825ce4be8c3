import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** The parts of a V8 `.cpuprofile` (written by `node --cpu-prof`) that a summary needs. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  }>;
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface ProfileEntry {
  /** `function (file:line)` or a package / area name. */
  name: string;
  /** Share of all samples, 0..100. */
  percent: number;
}

function fileOf(url: string): string {
  if (url === '') {
    return '';
  }
  const clean = url.replace(/^file:\/\//, '');
  const nm = clean.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    return clean.slice(nm + '/node_modules/'.length);
  }
  const dist = clean.indexOf('/dist/');
  return dist >= 0 ? clean.slice(dist + 1) : clean.replace(/^.*\/(src|bench)\//, '$1/');
}

/** Where a frame's code lives: an npm package, a folder of ours, Node's own code, or V8 (GC, idle, program). */
export function areaOf(url: string, functionName: string): string {
  if (url === '') {
    return functionName === '(garbage collector)' || functionName === '(idle)' || functionName === '(program)'
      ? functionName
      : '(native)';
  }
  if (url.startsWith('node:')) {
    return 'node core';
  }
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') === true ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
  }
  const ours = /\/(dist|src)\/([^/]+)\//.exec(url);
  return ours !== null ? `${ours[1]}/${ours[2]}` : fileOf(url);
}

function selfHits(profile: CpuProfile): Map<number, number> {
  const hits = new Map<number, number>();
  if (profile.samples !== undefined && profile.samples.length > 0) {
    for (const id of profile.samples) {
      hits.set(id, (hits.get(id) ?? 0) + 1);
    }
  } else {
    for (const node of profile.nodes) {
      hits.set(node.id, node.hitCount ?? 0);
    }
  }
  return hits;
}

function top(entries: Map<string, number>, total: number, n: number): ProfileEntry[] {
  return [...entries.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, count]) => ({ name, percent: total === 0 ? 0 : (count * 100) / total }));
}

/** The `n` functions with the most self time (samples where they were on top of the stack). Pure. */
export function topFunctions(profile: CpuProfile, n: number): ProfileEntry[] {
  const hits = selfHits(profile);
  const byName = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? 0;
    total += count;
    const { functionName, url, lineNumber } = node.callFrame;
    const name =
      url === '' ? functionName : `${functionName || '(anonymous)'} (${fileOf(url)}:${lineNumber + 1})`;
    byName.set(name, (byName.get(name) ?? 0) + count);
  }
  return top(byName, total, n);
}

/** Self time by area (package, our folder, node core, GC, idle). Pure. */
export function topAreas(profile: CpuProfile, n: number): ProfileEntry[] {
  const hits = selfHits(profile);
  const byArea = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? 0;
    total += count;
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + count);
  }
  return top(byArea, total, n);
}

/** The `.cpuprofile` files in a folder. */
export async function readProfiles(dir: string): Promise<Array<{ file: string; profile: CpuProfile }>> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).sort();
  } catch {
    return [];
  }
  return Promise.all(
    names.map(async (f) => ({
      file: path.join(dir, f),
      profile: JSON.parse(await readFile(path.join(dir, f), 'utf8')) as CpuProfile,
    })),
  );
}
