/**
 * `npm run bench -- burst`: 1,000 agents change presence at the same instant (a shift boundary) while the emulator
 * enforces its real limit (300 requests/min per token) and 30 ms latency. Measures the time until every change is
 * applied at Genesys and its outcome is in the audit log, and the Genesys calls used; the baseline, in the same
 * run, is the official SDK doing one PATCH per change with a sleep on 429.
 *
 * Last line: `bench burst: changes=1000 seconds=… calls=… baseline_seconds=… speedup=…`.
 */
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { withBenchStack } from './lib/bench-stack';
import {
  intOption,
  runAsScript,
  runBench,
  serviceOverrides,
  type BenchContext,
  type BenchOutcome,
} from './lib/bench-run';
import { runBounded } from './lib/bounded-pool';
import { EmulatorProcess, sumCalls, type EmulatorProcessOptions } from './lib/emulator-process';
import { renderTable } from './lib/results-table';
import { runSdkBaseline, type BaselineChange, type SdkBaselineResult } from './lib/sdk-baseline';
import { auditDirOf, configOf } from './lib/service-env';
import { serviceMetricsRows } from './lib/service-metrics';
import { scrapeAll } from './lib/service-processes';
import { medianBy, round } from './lib/stats';
import { waitForOutcomes, type Outcomes } from './lib/wait-for-outcomes';

const SOURCE = 'wfm';
const EMULATOR: EmulatorProcessOptions = { rateLimitPerMinute: 300, latencyMs: 30, seed: 42 };
const TARGET_SECONDS = 15;
const TARGET_SPEEDUP = 15;
const TARGET_CHANGES_PER_CALL = 20;

const fmt = (seconds: number | undefined): string => (seconds === undefined ? 'n/a' : seconds.toFixed(2));

interface ServiceRun {
  run: number;
  enqueueSeconds: number;
  /** Until the emulator showed every target; undefined when some change was not applied. */
  appliedSeconds: number | undefined;
  appliedCount: number;
  seconds: number;
  calls: number;
  callsByRoute: Record<string, number>;
  outcomes: Record<string, number>;
  chainOk: boolean;
  serviceMetrics: Array<[string, string, number, number]>;
}

async function serviceRun(
  ctx: BenchContext,
  run: number,
  changes: number,
  workers: number,
): Promise<ServiceRun> {
  const stack = {
    label: `run${run}`,
    emulator: { ...EMULATOR, agents: changes },
    agents: changes,
    source: SOURCE,
    workers,
  };
  return withBenchStack(ctx, stack, async ({ emulator, env, producer, targets, workers: processes }) => {
    if (targets.agentIds.length < changes) {
      throw new Error(
        `only ${targets.agentIds.length} of ${changes} agents have a presence their schedule allows`,
      );
    }
    await emulator.resetCalls();
    ctx.log(`run ${run}: ${changes} changes at once, ${workers} worker process(es)`);

    const started = performance.now();
    const requestIds: string[] = [];
    await runBounded(
      targets.agentIds.length,
      200,
      async (i) => {
        const userId = targets.agentIds[i]!;
        const result = await producer.producer.enqueuePresenceChange({
          userId,
          presence: targets.first.get(userId),
          source: SOURCE,
          reason: 'shift boundary',
        });
        requestIds.push(result.requestId);
      },
      ctx.signal,
    );
    const enqueued = performance.now();
    // Applied at Genesys (the emulator's state), watched while waiting for the audited outcomes.
    let appliedAt: number | undefined;
    let appliedCount = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching && appliedAt === undefined) {
        const now = await emulator.presences(targets.agentIds);
        const checkedAt = performance.now();
        appliedCount = now.filter((p) => p.definitionId === targets.first.get(p.userId)).length;
        if (appliedCount === targets.agentIds.length) {
          appliedAt = checkedAt;
        } else {
          await delay(25);
        }
      }
    })();
    let done: Outcomes;
    try {
      done = await waitForOutcomes({
        presenceQueue: producer.presenceQueue,
        auditQueue: producer.auditQueue,
        auditDir: auditDirOf(env),
        requestIds,
        timeoutMs: 180_000,
        onProgress: ctx.log,
      });
    } finally {
      watching = false;
      await watcher;
    }
    const callsByRoute = await emulator.calls();
    const serviceMetrics = serviceMetricsRows(await scrapeAll(processes));
    const result: ServiceRun = {
      run,
      enqueueSeconds: (enqueued - started) / 1000,
      appliedSeconds: appliedAt === undefined ? undefined : (appliedAt - started) / 1000,
      appliedCount,
      seconds: (done.at - started) / 1000,
      calls: sumCalls(callsByRoute),
      callsByRoute,
      outcomes: done.byOutcome,
      chainOk: done.chainOk,
      serviceMetrics,
    };
    ctx.log(
      `run ${run}: applied ${fmt(result.appliedSeconds)} s (${appliedCount}), audited ${result.seconds.toFixed(2)} s, ${result.calls} calls, outcomes ${JSON.stringify(done.byOutcome)}`,
    );
    return result;
  });
}

async function baselineRun(
  ctx: BenchContext,
  changes: number,
  targets: BaselineChange[],
): Promise<SdkBaselineResult> {
  const emulator = await EmulatorProcess.start(
    { ...EMULATOR, agents: changes },
    path.join(ctx.runDir, 'emulator-baseline.log'),
  );
  try {
    ctx.log(`baseline: ${targets.length} PATCHes through the official SDK (about 3 minutes at 300/min)`);
    let lastLog = 0;
    const result = await runSdkBaseline({
      baseUrl: emulator.url,
      clientId: emulator.clientId,
      clientSecret: emulator.clientSecret,
      changes: targets,
      timeoutMs: 270_000,
      onApplied: (applied, elapsedMs) => {
        if (elapsedMs - lastLog > 20_000) {
          lastLog = elapsedMs;
          ctx.log(`baseline: ${applied} applied after ${Math.round(elapsedMs / 1000)} s`);
        }
      },
    });
    const calls = sumCalls(await emulator.calls());
    ctx.log(
      `baseline: ${result.applied} applied in ${result.seconds.toFixed(1)} s, ${calls} calls, ${result.rateLimited} answered 429`,
    );
    return { ...result, calls };
  } finally {
    await emulator.stop();
  }
}

/** The same agents and targets as the service runs (same seed → same org), computed without a service. */
async function baselineTargets(ctx: BenchContext, changes: number): Promise<BaselineChange[]> {
  const stack = {
    label: 'targets',
    emulator: { ...EMULATOR, agents: changes },
    agents: changes,
    source: SOURCE,
    workers: 0,
  };
  return withBenchStack(ctx, stack, ({ targets }) =>
    Promise.resolve(
      targets.agentIds.map((userId) => ({ userId, presenceDefinitionId: targets.first.get(userId)! })),
    ),
  );
}

async function burst(ctx: BenchContext): Promise<BenchOutcome> {
  const changes = intOption(ctx, 'changes');
  const runs = intOption(ctx, 'runs');
  const workers = intOption(ctx, 'workers');
  const baselineMode = String(ctx.options.baseline);
  if (!['parallel', 'sequential', 'none'].includes(baselineMode)) {
    throw new RangeError('--baseline must be parallel, sequential or none');
  }
  if (baselineMode === 'none' && ctx.options.record !== false) {
    throw new RangeError('--baseline none is for trying things out: add --no-record');
  }

  const targets = await baselineTargets(ctx, changes);
  let baseline: Promise<SdkBaselineResult> | undefined;
  if (baselineMode === 'parallel') {
    baseline = baselineRun(ctx, changes, targets);
    baseline.catch(() => undefined);
  }
  const results: ServiceRun[] = [];
  for (let run = 1; run <= runs; run += 1) {
    results.push(await serviceRun(ctx, run, changes, workers));
  }
  const base = baselineMode === 'none' ? undefined : await (baseline ?? baselineRun(ctx, changes, targets));

  const median = medianBy(results, (r) => r.seconds);
  const speedup = base === undefined ? Number.NaN : base.seconds / median.seconds;
  const changesPerCall = changes / median.calls;
  const routes = [...new Set(results.flatMap((r) => Object.keys(r.callsByRoute)))].sort();

  const runTable = renderTable(
    [
      'run',
      'enqueue s',
      'applied s',
      'applied + audited s',
      'Genesys calls',
      'changes per call',
      'outcomes',
      'audit chain',
    ],
    [
      ...results.map((r) => [
        `service #${r.run}${r === median ? ' (median)' : ''}`,
        round(r.enqueueSeconds, 2),
        r.appliedSeconds === undefined ? `n/a (${r.appliedCount} of ${changes})` : round(r.appliedSeconds, 2),
        round(r.seconds, 2),
        r.calls,
        round(changes / r.calls, 1),
        Object.entries(r.outcomes)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
        r.chainOk ? 'verified' : 'BROKEN',
      ]),
      ...(base === undefined
        ? []
        : [
            [
              'baseline: SDK, PATCH per change',
              '',
              round(base.seconds, 2),
              '',
              base.calls,
              round(changes / base.calls, 2),
              `applied ${base.applied}, 429 answers ${base.rateLimited}, slept ${base.waitedSeconds} s`,
              'n/a',
            ],
          ]),
    ],
  );
  const callTable = renderTable(
    ['route', ...results.map((r) => `run #${r.run}`)],
    routes.map((route) => [route, ...results.map((r) => r.callsByRoute[route] ?? 0)]),
  );

  const met = (ok: boolean): string => (ok ? 'met' : 'MISSED');
  const settings = configOf(serviceOverrides(ctx));
  const verdicts = [
    `all applied in under ${TARGET_SECONDS} s: ${met(median.seconds < TARGET_SECONDS && median.appliedCount === changes)} (applied at Genesys ${fmt(median.appliedSeconds)} s, applied + audited ${round(median.seconds, 2)} s${median.seconds < TARGET_SECONDS ? '' : `, ${round(median.seconds - TARGET_SECONDS, 2)} s over`})`,
    `at least ${TARGET_SPEEDUP}× faster than the baseline: ${met(speedup >= TARGET_SPEEDUP)} (${round(speedup, 1)}×)`,
    `at most one Genesys call per ${TARGET_CHANGES_PER_CALL} changes: ${met(changesPerCall >= TARGET_CHANGES_PER_CALL)} (${median.calls} calls, one per ${round(changesPerCall, 1)} changes)`,
  ];
  return {
    setup: [
      [
        'changes',
        `${changes} agents, one change each, enqueued at once (200 producer calls in flight) through \`PresenceProducer.enqueuePresenceChange\``,
      ],
      [
        'emulator',
        `own process, ${EMULATOR.rateLimitPerMinute} requests/min per token, ${EMULATOR.latencyMs} ms latency, seed ${EMULATOR.seed}`,
      ],
      [
        'service',
        `${workers} process(es) \`node dist/main.js start --role worker\`, settings (rate budget ${settings.GENESYS_RATE_BUDGET_PER_MINUTE}/min, batch window ${settings.BATCH_WINDOW_MS} ms, ≤ ${settings.BATCH_MAX_USERS} per bulk PUT, concurrency ${settings.WORKER_CONCURRENCY}), JSONL audit`,
      ],
      [
        'warm before the burst',
        'token, presence definitions, schedule cache (one WFM search per 100 agents); calls counted from the first enqueue',
      ],
      [
        'runs',
        `${runs} service runs (median by applied + audited time); baseline once, ${baselineMode === 'parallel' ? 'alongside the service runs on its own emulator (it sleeps on Retry-After most of the time)' : 'after the service runs'}`,
      ],
    ],
    tables: [{ markdown: runTable }, { title: 'Genesys calls by route (service runs)', markdown: callTable }],
    verdicts,
    notes: [
      "Targets follow each agent's schedule: the presence the policy maps to the scheduled activity (or another presence the policy allows there), never the presence the agent is already in, so every change is a real write.",
    ],
    fields: [
      ['changes', changes],
      ['seconds', round(median.seconds, 2)],
      ['calls', median.calls],
      ['baseline_seconds', base === undefined ? 'skipped' : round(base.seconds, 1)],
      ['speedup', base === undefined ? 'skipped' : round(speedup, 1)],
    ],
  };
}

export function main(argv: string[]): Promise<number> {
  return runBench(
    'burst',
    argv,
    {
      changes: { type: 'string', default: '1000', describe: 'agents changing at once' },
      runs: { type: 'string', default: '3', describe: 'service runs (the median is reported)' },
      workers: { type: 'string', default: '1', describe: 'worker processes' },
      baseline: {
        type: 'string',
        default: 'parallel',
        describe: 'parallel | sequential | none (the SDK baseline run; none only with --no-record)',
      },
    },
    burst,
  );
}

if (require.main === module) {
  runAsScript(main);
}
