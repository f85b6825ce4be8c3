/**
 * `npm run bench -- memory`: the resident memory of one worker process managing 10,000 agents, after it has
 * carried a throughput run (50,000 requests over those agents, applied and audited). Sampled from /proc: RSS at
 * rest before the load, right after it, and after a few idle seconds, plus the peak (VmHWM).
 *
 * Last line: `bench memory: agents=10000 rss_mb=…` (RSS after the run, after the idle seconds).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { intOption, runAsScript, runBench, type BenchContext, type BenchOutcome } from './lib/bench-run';
import { runLoad } from './lib/load-run';
import { renderTable } from './lib/results-table';
import { round } from './lib/stats';

const TARGET_MB = 200;

interface Sample {
  label: string;
  rssMiB: number;
  peakMiB: number;
}

async function memory(ctx: BenchContext): Promise<BenchOutcome> {
  const agents = intOption(ctx, 'agents');
  const requests = intOption(ctx, 'requests');
  const idleSeconds = intOption(ctx, 'idle');
  const samples: Sample[] = [];
  let emulatorMiB = 0;
  const load = await runLoad(ctx, {
    label: 'memory',
    requests,
    agents,
    workers: 1,
    producerConcurrency: 256,
    timeoutMs: 240_000,
    afterStart: async ([worker]) => {
      await delay(2_000);
      samples.push({
        label: 'started, idle (before the load)',
        rssMiB: await worker!.rssMiB(),
        peakMiB: await worker!.peakRssMiB(),
      });
    },
    beforeStop: async ([worker], emulator) => {
      samples.push({
        label: 'all applied and audited',
        rssMiB: await worker!.rssMiB(),
        peakMiB: await worker!.peakRssMiB(),
      });
      await delay(idleSeconds * 1000);
      samples.push({
        label: `${idleSeconds} s later, idle`,
        rssMiB: await worker!.rssMiB(),
        peakMiB: await worker!.peakRssMiB(),
      });
      emulatorMiB = await emulator.rssMiB();
    },
  });
  const final = samples[samples.length - 1]!;
  const table = renderTable(
    ['worker process', 'RSS MiB', 'peak RSS so far MiB'],
    samples.map((s) => [s.label, round(s.rssMiB, 1), round(s.peakMiB, 1)]),
  );
  return {
    setup: [
      [
        'load',
        `${requests} requests over ${load.agents} agents at full speed (${round(load.rps, 0)} requests/s, ${round(load.seconds, 1)} s), outcomes ${Object.entries(
          load.outcomes,
        )
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      ],
      [
        'service',
        '1 process `node dist/main.js start --role worker` (presence and audit workers), default settings except GENESYS_RATE_BUDGET_PER_MINUTE=100000',
      ],
      ['emulator', `own process (not counted; ${round(emulatorMiB, 0)} MiB), no latency, rate limit lifted`],
      ['measured', 'VmRSS and VmHWM of the worker process from /proc/<pid>/status'],
    ],
    tables: [{ markdown: table }],
    verdicts: [
      `RSS under ${TARGET_MB} MB: ${final.rssMiB < TARGET_MB ? 'met' : `MISSED by ${round(final.rssMiB - TARGET_MB, 1)} MB`} (${round(final.rssMiB, 1)} MiB after the run, peak ${round(final.peakMiB, 1)} MiB)`,
    ],
    notes: [],
    fields: [
      ['agents', load.agents],
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
    },
    memory,
  );
}

if (require.main === module) {
  runAsScript(main);
}
