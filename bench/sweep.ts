/**
 * `npm run bench -- sweep [--agents 1000,5000]`: the Genesys calls and wall time of the repeatable work that keeps
 * presence honest, for each org size: the roster read (hourly when MANAGED_USER_IDS is empty), a WFM schedule
 * sync cold (time zone, activity codes, search), warm (the search only; the steady state every 15 minutes) and warm
 * answered with a `downloadUrl`, and a heartbeat sweep (bulk GET of every managed agent, 50 per call). Calls are
 * counted by the emulator (and by the client, which also sees the `downloadUrl` GETs); warm syncs and sweeps run
 * several times and report the median wall time.
 *
 * Last line: `bench sweep: agents=5000 sweep_calls=… sweep_seconds=… sync_calls=…` (the largest size; sync_calls of
 * a warm sync).
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { DEFAULT_PRESENCE_POLICY } from '../src/policy/presence-policy';
import { createGenesysClient } from '../src/genesys/genesys-client';
import { AgentRoster } from '../src/schedule/agent-roster';
import { HeartbeatSweep } from '../src/workers/heartbeat-sweep';
import { ScheduleSync } from '../src/workers/schedule-sync-service';
import {
  intOption,
  runAsScript,
  runBench,
  serviceOverrides,
  type BenchContext,
  type BenchOutcome,
} from './lib/bench-run';
import { EmulatorProcess, sumCalls } from './lib/emulator-process';
import { renderTable } from './lib/results-table';
import { configOf, serviceEnv } from './lib/service-env';
import { median, round } from './lib/stats';

const NO_LIMIT = 1_000_000_000;

interface Step {
  agents: number;
  step: string;
  runs: number;
  /** Emulator-counted calls of one run (the same every run; the first run's). */
  calls: number;
  /** The client's count (downloads included), when the step reports one. */
  clientCalls: number | undefined;
  byRoute: Record<string, number>;
  /** Median wall time of the runs. */
  seconds: number;
}

function shortRoute(route: string): string {
  return route.replace('/api/v2/', '').replace('workforcemanagement/', 'wfm/');
}

async function measure(ctx: BenchContext, agents: number, runs: number, latencyMs: number): Promise<Step[]> {
  const prefix = ctx.subPrefix(`a${agents}-`);
  const emulator = await EmulatorProcess.start(
    { agents, rateLimitPerMinute: NO_LIMIT, latencyMs, seed: 42 },
    path.join(ctx.runDir, `emulator-${agents}.log`),
  );
  const logger = pino({ level: 'silent' });
  const env = await serviceEnv({
    redisUrl: ctx.redisUrl,
    prefix,
    emulatorUrl: emulator.url,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    runDir: ctx.runDir,
    overrides: {
      GENESYS_RATE_BUDGET_PER_MINUTE: '100000',
      GENESYS_TIMEOUT_MS: '60000',
      ...serviceOverrides(ctx),
    },
  });
  const config = configOf(env);
  const client = createGenesysClient({ config, redis: ctx.redis, logger });
  const roster = new AgentRoster({
    redis: ctx.redis,
    prefix,
    managedUserIds: config.MANAGED_USER_IDS,
    directory: client,
    refreshMs: config.ROSTER_REFRESH_MS,
    logger,
  });
  const sync = new ScheduleSync({
    redis: ctx.redis,
    prefix,
    wfm: client,
    roster,
    follow: { userIds: new Set(), managementUnitIds: new Set() },
    settings: {
      syncEveryMs: config.SCHEDULE_SYNC_EVERY_MS,
      minCacheTtlMs: config.SCHEDULE_CACHE_TTL_SECONDS * 1000,
      searchWaitMs: config.SCHEDULE_SEARCH_WAIT_MS,
      unitLookupsPerSync: config.WFM_UNIT_LOOKUPS_PER_SYNC,
      followMaxLatenessMs: config.FOLLOW_MAX_LATENESS_MS,
    },
    logger,
  });
  const sweep = new HeartbeatSweep({
    redis: ctx.redis,
    prefix,
    genesys: client,
    roster,
    audit: { emit: async () => undefined },
    policy: DEFAULT_PRESENCE_POLICY,
    mandatory: new Set(config.MANDATORY_ACTIVITY_CATEGORIES),
    mode: 'observe',
    everyMs: config.HEARTBEAT_EVERY_MS,
    logger,
  });
  const steps: Step[] = [];
  const step = async (name: string, times: number, run: (i: number) => Promise<unknown>): Promise<void> => {
    const seconds: number[] = [];
    let first: Pick<Step, 'calls' | 'clientCalls' | 'byRoute'> | undefined;
    for (let i = 0; i < times; i += 1) {
      await emulator.resetCalls();
      const started = performance.now();
      const result = (await run(i)) as { calls?: unknown } | undefined;
      seconds.push((performance.now() - started) / 1000);
      const byRoute = await emulator.calls();
      first ??= {
        calls: sumCalls(byRoute),
        clientCalls: typeof result?.calls === 'number' ? result.calls : undefined,
        byRoute,
      };
    }
    steps.push({ agents, step: name, runs: times, ...first!, seconds: median(seconds) });
    ctx.log(
      `${agents} agents, ${name}: ${first!.calls} calls, ${median(seconds).toFixed(2)} s (median of ${times})`,
    );
  };
  try {
    await client.getToken();
    const businessUnitId = (await emulator.org()).businessUnit.id;
    await step('roster read (hourly)', 1, () => roster.list());
    await step('schedule sync, cold', 1, () => sync.syncBusinessUnit(businessUnitId, 'scheduled'));
    await step('schedule sync, warm', runs, () => sync.syncBusinessUnit(businessUnitId, 'scheduled'));
    await emulator.setFaults({ wfmSearchMode: 'download' });
    await step('schedule sync, warm, downloadUrl', 1, () =>
      sync.syncBusinessUnit(businessUnitId, 'scheduled'),
    );
    await step('heartbeat sweep', runs, (i) => sweep.run(`bench-${agents}-${i}`));
    return steps;
  } finally {
    await client.stop();
    await emulator.stop();
  }
}

async function sweepBench(ctx: BenchContext): Promise<BenchOutcome> {
  const sizes = String(ctx.options.agents)
    .split(',')
    .map((s) => Number(s.trim()));
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new RangeError('--agents must be a comma list of positive integers');
  }
  const runs = intOption(ctx, 'runs');
  const latencyMs = Number(ctx.options.latency);
  if (!Number.isInteger(latencyMs) || latencyMs < 0) {
    throw new RangeError('--latency must be an integer ≥ 0');
  }
  const steps: Step[] = [];
  for (const agents of sizes) {
    steps.push(...(await measure(ctx, agents, runs, latencyMs)));
  }
  const largest = Math.max(...sizes);
  const find = (name: string): Step => {
    const found = steps.find((s) => s.agents === largest && s.step === name);
    if (found === undefined) {
      throw new Error(`no ${name} step for ${largest} agents`);
    }
    return found;
  };
  const sweep = find('heartbeat sweep');
  const warm = find('schedule sync, warm');
  const expectedSweepCalls = Math.ceil(largest / 50);
  const writes = Object.entries(sweep.byRoute)
    .filter(([route]) => /^(PUT|PATCH|POST|DELETE) /.test(route) && !route.includes('oauth'))
    .reduce((n, [, c]) => n + c, 0);
  const table = renderTable(
    ['agents', 'step', 'runs', 'calls (emulator)', 'calls (client)', 'median s', 'calls by route'],
    steps.map((s) => [
      s.agents,
      s.step,
      s.runs,
      s.calls,
      s.clientCalls ?? '',
      round(s.seconds, 3),
      Object.entries(s.byRoute)
        .map(([route, n]) => `${n}× ${shortRoute(route)}`)
        .join(', '),
    ]),
  );
  return {
    setup: [
      [
        'sizes',
        sizes.join(', ') +
          ' agents (all managed: MANAGED_USER_IDS empty, so the roster is every user of the org)',
      ],
      [
        'emulator',
        `own process, ${latencyMs} ms latency on every call, rate limit lifted so repeated runs never wait on the budget (each step's calls are counted); seed 42`,
      ],
      [
        'service parts',
        'the production `ScheduleSync`, `AgentRoster` and `HeartbeatSweep` (observe mode) with the Genesys client, in the bench process, default settings',
      ],
      ['runs', `warm sync and heartbeat sweep ${runs} times each (median wall time); the other steps once`],
    ],
    tables: [{ markdown: table }],
    verdicts: [
      `heartbeat sweep of ${largest} agents costs ⌈${largest}/50⌉ = ${expectedSweepCalls} bulk GETs and no write: ${sweep.calls - (sweep.byRoute['POST /oauth/token'] ?? 0) === expectedSweepCalls && writes === 0 ? 'met' : 'MISSED'} (${sweep.calls} calls, ${writes} writes)`,
    ],
    notes: [
      `At the real limit (300/min per token, 240/min budget) a sweep of ${largest} agents every minute uses ${round((sweep.calls / 240) * 100, 0)} % of the budget; re-PATCHing every agent instead would cost ${largest} calls per sweep.`,
    ],
    fields: [
      ['agents', largest],
      ['sweep_calls', sweep.calls],
      ['sweep_seconds', round(sweep.seconds, 2)],
      ['sync_calls', warm.clientCalls ?? warm.calls],
    ],
  };
}

export function main(argv: string[]): Promise<number> {
  return runBench(
    'sweep',
    argv,
    {
      agents: {
        type: 'string',
        default: '1000,5000',
        describe: 'org sizes (comma list); the last line is the largest',
      },
      runs: { type: 'string', default: '3', describe: 'runs of the warm sync and the sweep' },
      latency: { type: 'string', default: '30', describe: 'emulator latency per call, ms' },
    },
    sweepBench,
  );
}

if (require.main === module) {
  runAsScript(main);
}
