/**
 * `npm run bench -- memory`: the resident memory of one worker process managing 10,000 agents, after it has
 * carried a throughput run (50,000 requests over those agents, applied and audited). Sampled from /proc: RSS at
 * rest before the load, right after it, and after a few idle seconds, plus the peak (VmHWM). Then (unless
 * `--no-heap`) a heap snapshot of the worker says where its heap goes: bytes by constructor and by string shape,
 * with who keeps them alive.
 *
 * Last line: `bench memory: agents=10000 rss_mb=…` (RSS after the run and the idle seconds, in MiB as ps reports).
 */
import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { intOption, runAsScript, runBench, type BenchContext, type BenchOutcome } from './lib/bench-run';
import { readHeapSnapshot, summarizeHeap, type HeapSummary } from './lib/heap-snapshot';
import { runLoad } from './lib/load-run';
import { renderTable } from './lib/results-table';
import { scrapeMetrics } from './lib/service-metrics';
import { deployedNodeFlags } from './lib/service-processes';
import { round } from './lib/stats';
import type { ChildNode } from './lib/worker-process';

/** 1 MiB in MB (the target is in MB, /proc reports KiB). */
const MB_PER_MIB = 1.048576;
const TARGET_MB = 200;

interface Sample {
  label: string;
  rssMiB: number;
  peakMiB: number;
  /** From the process's own /metrics (prom-client default metrics), MiB; NaN when not served. */
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
}

async function sample(label: string, worker: ChildNode): Promise<Sample> {
  const metrics = worker.metricsPort === undefined ? [] : await scrapeMetrics(worker.metricsPort);
  const mib = (name: string): number => {
    const found = metrics.find((m) => m.name === name);
    return found === undefined ? Number.NaN : found.value / 1024 / 1024;
  };
  return {
    label,
    rssMiB: await worker.rssMiB(),
    peakMiB: await worker.peakRssMiB(),
    heapUsedMiB: mib('gpw_nodejs_heap_size_used_bytes'),
    heapTotalMiB: mib('gpw_nodejs_heap_size_total_bytes'),
    externalMiB: mib('gpw_nodejs_external_memory_bytes'),
  };
}

/** Asks the worker for a heap snapshot (SIGUSR2) and waits until the file is complete (its size stops changing). */
async function heapSnapshot(worker: ChildNode, dir: string): Promise<string> {
  worker.signal('SIGUSR2');
  let last = -1;
  for (let waited = 0; waited < 120_000; waited += 500) {
    await delay(500);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.heapsnapshot'));
    if (files.length === 0) {
      continue;
    }
    const file = path.join(dir, files[0]!);
    const size = (await stat(file)).size;
    if (size > 0 && size === last) {
      return file;
    }
    last = size;
  }
  throw new Error('no complete heap snapshot within 120 s');
}

function heapTables(heap: HeapSummary): Array<{ title: string; markdown: string }> {
  const mb = (bytes: number): number => round(bytes / 1024 / 1024, 1);
  return [
    {
      title: `Worker heap after the run (${mb(heap.totalBytes)} MiB of objects), by constructor`,
      markdown: renderTable(
        ['constructor or V8 type', 'count', 'self MiB'],
        heap.byConstructor.map((g) => [g.name, g.count, mb(g.bytes)]),
      ),
    },
    {
      title: 'Strings by shape (ids and digits folded), and who keeps a sample alive',
      markdown: renderTable(
        ['string shape', 'count', 'MiB', 'retained by (nearest first)'],
        heap.strings.map((g) => [`\`${g.name}\``, g.count, mb(g.bytes), (g.retainedBy ?? []).join(' ← ')]),
      ),
    },
  ];
}

async function memory(ctx: BenchContext): Promise<BenchOutcome> {
  const agents = intOption(ctx, 'agents');
  const requests = intOption(ctx, 'requests');
  const idleSeconds = intOption(ctx, 'idle');
  const withHeap = ctx.options.heap !== false;
  const heapDir = path.join(ctx.runDir, 'heap');
  await mkdir(heapDir, { recursive: true });
  const samples: Sample[] = [];
  let emulatorMiB = 0;
  let heapFile: string | undefined;
  const load = await runLoad(ctx, {
    label: 'memory',
    requests,
    agents,
    workers: 1,
    producerConcurrency: 256,
    timeoutMs: 240_000,
    nodeFlags: withHeap ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${heapDir}`] : [],
    afterStart: async ([worker]) => {
      await delay(2_000);
      samples.push(await sample('started, idle (before the load)', worker!));
    },
    beforeStop: async ([worker], emulator) => {
      samples.push(await sample('all applied and audited', worker!));
      await delay(idleSeconds * 1000);
      samples.push(await sample(`${idleSeconds} s later, idle`, worker!));
      emulatorMiB = await emulator.rssMiB();
      if (withHeap) {
        ctx.log('heap snapshot of the worker');
        heapFile = await heapSnapshot(worker!, heapDir);
      }
    },
  });
  const final = samples[samples.length - 1]!;
  const cell = (v: number): number | string => (Number.isNaN(v) ? 'n/a' : round(v, 1));
  const table = renderTable(
    [
      'worker process',
      'RSS MiB',
      'peak RSS so far MiB',
      'V8 heap used MiB',
      'V8 heap total MiB',
      'external MiB',
    ],
    samples.map((s) => [
      s.label,
      round(s.rssMiB, 1),
      round(s.peakMiB, 1),
      cell(s.heapUsedMiB),
      cell(s.heapTotalMiB),
      cell(s.externalMiB),
    ]),
  );
  const tables: Array<{ title?: string; markdown: string }> = [{ markdown: table }];
  if (heapFile !== undefined) {
    ctx.log('reading the heap snapshot');
    tables.push(...heapTables(summarizeHeap(await readHeapSnapshot(heapFile))));
  }
  return {
    setup: [
      [
        'load',
        `${agents} agents in the org, all managed (the roster is every user); ${requests} requests over the ${load.agents} of them whose schedule allows two presences now, at full speed (${round(load.rps, 0)} requests/s, ${round(load.seconds, 1)} s), outcomes ${Object.entries(
          load.outcomes,
        )
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      ],
      [
        'service',
        `1 process \`node ${[...deployedNodeFlags('worker'), ''].join(' ')}dist/main.js start --role worker\` (presence, audit, time-tracking and sweep workers; Node flags of the \`presence-worker\` app in ecosystem.config.js), default settings except GENESYS_RATE_BUDGET_PER_MINUTE=100000`,
      ],
      ['emulator', `own process (not counted; ${round(emulatorMiB, 0)} MiB), no latency, rate limit lifted`],
      [
        'measured',
        `VmRSS and VmHWM of the worker process from /proc/<pid>/status (MiB)${withHeap ? '; then a heap snapshot (SIGUSR2)' : ''}`,
      ],
    ],
    tables,
    verdicts: [
      `RSS under ${TARGET_MB} MB (${round(TARGET_MB / MB_PER_MIB, 1)} MiB): ${final.rssMiB * MB_PER_MIB < TARGET_MB ? 'met' : `MISSED by ${round(final.rssMiB * MB_PER_MIB - TARGET_MB, 1)} MB`} (${round(final.rssMiB, 1)} MiB = ${round(final.rssMiB * MB_PER_MIB, 1)} MB after the run, peak ${round(final.peakMiB, 1)} MiB)`,
    ],
    notes: [],
    fields: [
      ['agents', agents],
      ['rss_mb', round(final.rssMiB, 1)],
    ],
  };
}

export function main(argv: string[]): Promise<number> {
  return runBench(
    'memory',
    argv,
    {
      agents: { type: 'string', default: '10000', describe: 'agents managed' },
      requests: {
        type: 'string',
        default: '50000',
        describe: 'requests of the throughput run before sampling',
      },
      idle: { type: 'string', default: '5', describe: 'idle seconds before the last sample' },
      heap: {
        type: 'boolean',
        default: true,
        describe: 'take and summarize a heap snapshot (--no-heap: do not)',
      },
    },
    memory,
  );
}

if (require.main === module) {
  runAsScript(main);
}
