import { readFile } from 'node:fs/promises';

/** The parts of a V8 `.heapsnapshot` (written on SIGUSR2 with `--heapsnapshot-signal`) that a summary needs. */
export interface HeapSnapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface HeapGroup {
  name: string;
  count: number;
  /** Sum of self sizes, bytes. */
  bytes: number;
  /** One member's retainer path (who keeps it alive), nearest first. */
  retainedBy?: string[];
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** A string's shape: ids and numbers folded, so 300,000 timestamps are one group. Pure. */
export function stringShape(value: string): string {
  const shape = value.replace(UUID, '<uuid>').replace(/\d+/g, '9');
  return shape.length > 48 ? `${shape.slice(0, 47)}…` : shape;
}

/** Indexed view over a snapshot's flat arrays. */
class View {
  readonly nodeSize: number;
  readonly count: number;
  private readonly f: Record<'type' | 'name' | 'self' | 'edges', number>;
  private readonly e: Record<'type' | 'name' | 'to', number>;
  private readonly edgeSize: number;
  private retainers: Map<number, Array<[number, string]>> | undefined;

  constructor(readonly snap: HeapSnapshot) {
    const { node_fields: nf, edge_fields: ef } = snap.snapshot.meta;
    this.nodeSize = nf.length;
    this.edgeSize = ef.length;
    this.count = snap.nodes.length / this.nodeSize;
    this.f = {
      type: nf.indexOf('type'),
      name: nf.indexOf('name'),
      self: nf.indexOf('self_size'),
      edges: nf.indexOf('edge_count'),
    };
    this.e = { type: ef.indexOf('type'), name: ef.indexOf('name_or_index'), to: ef.indexOf('to_node') };
  }

  type(n: number): string {
    return this.snap.snapshot.meta.node_types[0][this.snap.nodes[n * this.nodeSize + this.f.type]!] ?? '?';
  }

  name(n: number): string {
    return this.snap.strings[this.snap.nodes[n * this.nodeSize + this.f.name]!] ?? '';
  }

  self(n: number): number {
    return this.snap.nodes[n * this.nodeSize + this.f.self]!;
  }

  label(n: number): string {
    const type = this.type(n);
    return type === 'object' || type === 'closure' ? this.name(n) || `(${type})` : `(${type})`;
  }

  /** The first few strong retainers of every node (built once, on demand). */
  retainersOf(n: number): Array<[number, string]> {
    if (this.retainers === undefined) {
      const map = new Map<number, Array<[number, string]>>();
      const edgeTypes = this.snap.snapshot.meta.edge_types[0];
      let edge = 0;
      for (let from = 0; from < this.count; from += 1) {
        const edgeCount = this.snap.nodes[from * this.nodeSize + this.f.edges]!;
        for (let k = 0; k < edgeCount; k += 1, edge += this.edgeSize) {
          const kind = edgeTypes[this.snap.edges[edge + this.e.type]!];
          if (kind === 'weak' || kind === 'shortcut') {
            continue;
          }
          const to = this.snap.edges[edge + this.e.to]! / this.nodeSize;
          const raw = this.snap.edges[edge + this.e.name]!;
          const label =
            kind === 'element' || kind === 'hidden' ? `[${raw}]` : (this.snap.strings[raw] ?? '?');
          let list = map.get(to);
          if (list === undefined) {
            list = [];
            map.set(to, list);
          }
          if (list.length < 2) {
            list.push([from, label]);
          }
        }
      }
      this.retainers = map;
    }
    return this.retainers.get(n) ?? [];
  }

  /** `Owner.field` hops from a node towards the roots, skipping arrays and internal hops. */
  path(n: number, hops: number): string[] {
    const out: string[] = [];
    const seen = new Set<number>([n]);
    let current = n;
    while (out.length < hops) {
      const next = this.retainersOf(current).find(([from]) => !seen.has(from));
      if (next === undefined) {
        break;
      }
      const [from, edge] = next;
      seen.add(from);
      const owner = this.label(from);
      if (owner === '(synthetic)') {
        break;
      }
      if (owner !== '(array)' && owner !== '(hidden)' && !owner.startsWith('system')) {
        out.push(`${owner}.${edge}`);
      }
      current = from;
    }
    return out;
  }
}

type Grouped = HeapGroup & { samples: number[] };

const SAMPLES = 16;

function top(groups: Map<string, Grouped>, n: number): Grouped[] {
  return [...groups.values()].sort((a, b) => b.bytes - a.bytes).slice(0, n);
}

export interface HeapSummary {
  totalBytes: number;
  /** Self size by constructor (objects, closures) or by V8 type (strings, code, arrays…). */
  byConstructor: HeapGroup[];
  /** Strings by shape, with who keeps a sample alive. */
  strings: HeapGroup[];
}

/** Where the heap goes: totals by constructor and by string shape, with retainer paths. Pure. */
export function summarizeHeap(snap: HeapSnapshot, n = 12, pathHops = 6): HeapSummary {
  const view = new View(snap);
  const byConstructor = new Map<string, Grouped>();
  const strings = new Map<string, Grouped>();
  let totalBytes = 0;
  for (let node = 0; node < view.count; node += 1) {
    const bytes = view.self(node);
    totalBytes += bytes;
    const name = view.label(node);
    const group = byConstructor.get(name) ?? { name, count: 0, bytes: 0, samples: [] };
    group.count += 1;
    group.bytes += bytes;
    byConstructor.set(name, group);
    if (view.type(node) === 'string') {
      const shape = stringShape(view.name(node));
      const s = strings.get(shape) ?? { name: shape, count: 0, bytes: 0, samples: [] };
      if (s.samples.length < SAMPLES) {
        s.samples.push(node);
      }
      s.count += 1;
      s.bytes += bytes;
      strings.set(shape, s);
    }
  }
  // The string table holds a reference to many strings: prefer a sample that something else keeps alive.
  const withPath = (g: Grouped): HeapGroup => {
    const paths = g.samples.map((node) => view.path(node, pathHops));
    return {
      name: g.name,
      count: g.count,
      bytes: g.bytes,
      retainedBy: paths.find((p) => p.length > 0) ?? [],
    };
  };
  return {
    totalBytes,
    byConstructor: top(byConstructor, n).map(({ name, count, bytes }) => ({ name, count, bytes })),
    strings: top(strings, n).map(withPath),
  };
}

export async function readHeapSnapshot(file: string): Promise<HeapSnapshot> {
  return JSON.parse(await readFile(file, 'utf8')) as HeapSnapshot;
}
