/**
 * `npm run bench -- throughput`: 50,000 presence-change requests over 10,000 agents, end to end (producer call →
 * applied at the emulator → outcome in the audit log), with 1 and 2 worker processes; the emulator answers without
 * latency or rate limit. The ceiling, measured in the same run on the same Redis: a no-op BullMQ worker (in as many
 * processes) fed by the same producer loop with jobs shaped like presence-change jobs.
 *
 * Last line: `bench throughput: rps=… ceiling_rps=… ratio=…` (for the best worker count).
 */
import { performance } from 'node:perf_hooks';
import { presenceChangeJobOptions } from '../src/jobs/presence-change-job';
import {
  intOption,
  runAsScript,
  runBench,
  serviceOverrides,
  type BenchContext,
  type BenchOutcome,
} from './lib/bench-run';
import { runLoad, type LoadRunResult } from './lib/load-run';
import { measureNoopCeiling, type NoopCeilingResult } from './lib/noop-ceiling';
import type { CpuUse } from './lib/cpu-accounting';
import { renderTable, type Cell } from './lib/results-table';
import { configOf } from './lib/service-env';
import { round } from './lib/stats';

const TARGET_RATIO = 0.25;

interface Row {
  workers: number;
  round: number;
  ceiling: NoopCeilingResult;
  load: LoadRunResult;
  /** Service requests/s over this round's own no-op ceiling. */
  ratio: number;
}
const PRODUCER_CONCURRENCY = 256;

function workerCounts(raw: unknown): number[] {
  const counts = String(raw)
    .split(',')
    .map((s) => Number(s.trim()));
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1 || n > 8)) {
    throw new RangeError('--workers must be a comma list of 1..8 (e.g. 1,2)');
  }
  return counts;
}

async function throughput(ctx: BenchContext): Promise<BenchOutcome> {
  const requests = intOption(ctx, 'requests');
  const agents = intOption(ctx, 'agents');
  const counts = workerCounts(ctx.options.workers);
  const benchStarted = performance.now();
  const defaults = configOf(serviceOverrides(ctx));
  const { jobId: _jobId, ...jobOptions } = presenceChangeJobOptions(defaults, 'x', 0);

  const rounds = intOption(ctx, 'rounds');
  const rows: Row[] = [];
  const budgetSeconds = intOption(ctx, 'budget');
  const skipped: string[] = [];
  let lastRoundSeconds = 0;
  for (const workers of counts) {
    for (let roundNo = 1; roundNo <= rounds; roundNo += 1) {
      const elapsed = (performance.now() - benchStarted) / 1000;
      if (rows.length > 0 && elapsed + lastRoundSeconds * 1.25 > budgetSeconds) {
        ctx.log(
          `skipping round ${roundNo} with ${workers} process(es): after ${Math.round(elapsed)} s, a round estimated at ${Math.round(lastRoundSeconds * 1.25)} s would end past the ${budgetSeconds} s budget`,
        );
        skipped.push(`round ${roundNo} with ${workers} process(es)`);
        continue;
      }
      const roundStarted = performance.now();
      ctx.log(`round ${roundNo}, ceiling: ${requests} no-op jobs, ${workers} process(es)`);
      const ceiling = await measureNoopCeiling({
        redis: ctx.redis,
        redisUrl: ctx.redisUrl,
        prefix: ctx.subPrefix('noop-'),
        jobs: requests,
        processes: workers,
        concurrency: defaults.WORKER_CONCURRENCY,
        producerConcurrency: PRODUCER_CONCURRENCY,
        jobOptions,
        logDir: ctx.runDir,
        signal: ctx.signal,
      });
      ctx.log(
        `round ${roundNo}, ceiling: ${ceiling.jobsPerSecond.toFixed(0)} jobs/s with ${workers} process(es)`,
      );
      const load = await runLoad(ctx, {
        label: `w${workers}r${roundNo}`,
        requests,
        agents,
        workers,
        producerConcurrency: PRODUCER_CONCURRENCY,
        timeoutMs: 240_000,
      });
      rows.push({ workers, round: roundNo, ceiling, load, ratio: load.rps / ceiling.jobsPerSecond });
      lastRoundSeconds = (performance.now() - roundStarted) / 1000;
    }
  }

  // Per worker count, the round with the median ratio (service and ceiling measured back to back) speaks for it.
  const medians = [...new Set(rows.map((r) => r.workers))].map((workers) => {
    const own = rows.filter((r) => r.workers === workers).sort((a, b) => a.ratio - b.ratio);
    return own[Math.floor((own.length - 1) / 2)]!;
  });
  const best = medians.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  const ratio = best.ratio;
  const ceilingRps = best.ceiling.jobsPerSecond;
  const table = renderTable(
    [
      'worker processes',
      'round',
      'service req/s',
      'service s (enqueue s)',
      'no-op ceiling jobs/s',
      'ceiling s (enqueue s)',
      'ratio',
      'outcomes',
      'Genesys calls',
      'audit records',
    ],
    rows.map((r) => [
      r.workers,
      medians.includes(r) ? `${r.round} (median)` : r.round,
      round(r.load.rps, 0),
      `${round(r.load.seconds, 1)} (${round(r.load.enqueueSeconds, 1)})`,
      round(r.ceiling.jobsPerSecond, 0),
      `${round(r.ceiling.seconds, 1)} (${round(r.ceiling.enqueueSeconds, 1)})`,
      round(r.ratio, 3),
      Object.entries(r.load.outcomes)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
      r.load.calls,
      `${r.load.auditRecords}${r.load.chainOk ? ', chain verified' : ', CHAIN BROKEN'}`,
    ]),
  );
  const perRequest = (seconds: number): number => round((seconds * 1000) / requests, 3);
  const sumWorkers = (cpu: CpuUse): number =>
    Object.entries(cpu.processes)
      .filter(([label]) => label.startsWith('worker'))
      .reduce((n, [, v]) => n + v, 0);
  const cpuRow = (label: string, rps: number, seconds: number, cpu: CpuUse): Cell[] => {
    const total = cpu.redisCpuSeconds + Object.values(cpu.processes).reduce((n, v) => n + v, 0);
    return [
      label,
      round(rps, 0),
      round(cpu.redisCommands / requests, 1),
      perRequest(cpu.redisCpuSeconds),
      perRequest(cpu.processes['bench process'] ?? 0),
      perRequest(sumWorkers(cpu)),
      perRequest(cpu.processes.emulator ?? 0),
      perRequest(total),
      round(total / seconds, 2),
    ];
  };
  const cpuTable = renderTable(
    [
      'run',
      'req/s',
      'Redis commands per request',
      'Redis CPU ms/req',
      'producer (bench process) CPU ms/req',
      'worker processes CPU ms/req',
      'emulator CPU ms/req',
      'total CPU ms/req',
      'cores busy',
    ],
    medians.flatMap((r) => [
      cpuRow(
        `no-op ceiling, ${r.workers} process(es)`,
        r.ceiling.jobsPerSecond,
        r.ceiling.seconds,
        r.ceiling.cpu,
      ),
      cpuRow(`service, ${r.workers} process(es)`, r.load.rps, r.load.seconds, r.load.cpu),
    ]),
  );
  const commands = [
    ...new Set(
      medians.flatMap((r) => [
        ...Object.keys(r.load.cpu.redisByCommand),
        ...Object.keys(r.ceiling.cpu.redisByCommand),
      ]),
    ),
  ]
    .map((command) => ({ command, calls: best.load.cpu.redisByCommand[command] ?? 0 }))
    .sort((a, b) => b.calls - a.calls)
    .slice(0, 12)
    .map((c) => c.command);
  const commandTable = renderTable(
    [
      'Redis command',
      ...medians.flatMap((r) => [`no-op, ${r.workers} proc.`, `service, ${r.workers} proc.`]),
    ],
    commands.map((command) => [
      command,
      ...medians.flatMap((r) => [
        round((r.ceiling.cpu.redisByCommand[command] ?? 0) / requests, 2),
        round((r.load.cpu.redisByCommand[command] ?? 0) / requests, 2),
      ]),
    ]),
  );
  const routes = [...new Set(medians.flatMap((r) => Object.keys(r.load.callsByRoute)))].sort();
  const callTable = renderTable(
    ['route', ...medians.map((r) => `${r.workers} process(es)`)],
    routes.map((route) => [route, ...medians.map((r) => r.load.callsByRoute[route] ?? 0)]),
  );
  return {
    setup: [
      [
        'load',
        `${requests} requests over a ${agents}-agent org: the ${best.load.agents} agents whose schedule allows two presences now (request i → agent i mod ${best.load.agents}, the two presences in turn), ${PRODUCER_CONCURRENCY} producer calls in flight from the bench process`,
      ],
      [
        'measured',
        "first producer call → both queues empty and every request's terminal outcome in the audit log (JSONL, hash chain verified afterwards)",
      ],
      ['emulator', 'own process, no latency, rate limit lifted; seed 42'],
      [
        'service',
        `\`node dist/main.js start --role worker\` × ${counts.join(' and ')}, default settings (WORKER_CONCURRENCY ${defaults.WORKER_CONCURRENCY}, batch window ${defaults.BATCH_WINDOW_MS} ms) except GENESYS_RATE_BUDGET_PER_MINUTE=100000`,
      ],
      [
        'ceiling',
        `no-op BullMQ worker (concurrency ${defaults.WORKER_CONCURRENCY}) in as many processes, jobs {userId, version, requestId} with the presence-change job options, added one by one by the same producer loop; same Redis, same run, measured right before each service run`,
      ],
      [
        'runs',
        `${rounds} rounds per worker count, each a ceiling run then a service run of ${requests} requests; the ratio of a round is its service rate over its own ceiling, and the round with the median ratio speaks for its worker count (the CPU, command, call and metrics tables are of those rounds). The machine has 2 cores, so more processes compete with the producer and Redis`,
      ],
    ],
    tables: [
      { markdown: table },
      {
        title:
          'Where the CPU goes (per request, from the first enqueue to the last outcome; Redis is shared, so its figures include anything else running on it)',
        markdown: cpuTable,
      },
      {
        title:
          'Redis commands per request, by command (top 12 of the best run; commands inside Lua scripts included; other users of the shared Redis included)',
        markdown: commandTable,
      },
      { title: 'Genesys calls by route', markdown: callTable },
      ...medians.map((r) => ({
        title: `The service processes' /metrics after the median round with ${r.workers} process(es) (summed)`,
        markdown: renderTable(['metric', 'labels', 'count', 'value'], r.load.serviceMetrics),
      })),
    ],
    verdicts: [
      `at least ${TARGET_RATIO * 100} % of the no-op ceiling: ${ratio >= TARGET_RATIO ? 'met' : `MISSED by ${round((TARGET_RATIO - ratio) * 100, 1)} points`} (${round(ratio * 100, 1)} % with ${best.workers} process(es))`,
    ],
    notes: skipped.map(
      (what) =>
        `${what} not measured: it would not have finished within the ${budgetSeconds} s budget (\`--workers N --rounds N\` measure fewer).`,
    ),
    fields: [
      ['rps', round(best.load.rps, 0)],
      ['ceiling_rps', round(ceilingRps, 0)],
      ['ratio', round(ratio, 2)],
    ],
  };
}

export function main(argv: string[]): Promise<number> {
  return runBench(
    'throughput',
    argv,
    {
      requests: { type: 'string', default: '50000', describe: 'requests per run' },
      agents: { type: 'string', default: '10000', describe: 'agents the requests go round' },
      workers: { type: 'string', default: '1,2', describe: 'worker process counts to measure' },
      rounds: {
        type: 'string',
        default: '3',
        describe: 'rounds (ceiling, then service) per worker count; the median round is reported',
      },
      budget: {
        type: 'string',
        default: '250',
        describe:
          'seconds: a round (estimated as 1.25 × the previous one) that would end later is skipped, and said so',
      },
    },
    throughput,
  );
}

if (require.main === module) {
  runAsScript(main);
}
