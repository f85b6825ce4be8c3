/**
 * `npm run bench -- sweep [--agents 1000,5000]`: Genesys API calls of one schedule sync and one heartbeat sweep
 * for each org size, counted by the emulator (in process, rate limit lifted so nothing waits). For each size:
 * a cold sync (time zone, activity codes and the search), a warm sync (the search only), a warm sync answered
 * with a `downloadUrl`, the roster read (hourly when MANAGED_USER_IDS is empty), and a heartbeat sweep.
 * Last line: `bench sweep: sweep_calls_1000=… sync_calls_1000=… … sweep_calls_5000=… …` (the client's own count of
 * HTTP calls where the step reports one, downloads included; else the emulator's).
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../src/config';
import { startEmulator, type RunningEmulator } from '../src/emulator/start-emulator';
import { createGenesysClient } from '../src/genesys/genesys-client';
import { DEFAULT_PRESENCE_POLICY } from '../src/policy/presence-policy';
import { AgentRoster } from '../src/schedule/agent-roster';
import { HeartbeatSweep } from '../src/workers/heartbeat-sweep';
import { ScheduleSync } from '../src/workers/schedule-sync-service';
import { benchPrefix, benchRedis, benchRedisUrl, deleteKeys } from './lib/bench-redis';
import { formatResultLine, type ResultValue } from './lib/result-line';
import { renderTable } from './lib/results-table';

interface Row {
  agents: number;
  step: string;
  /** Counted by the emulator (its counters do not see `downloadUrl` GETs, which go outside /api/v2). */
  calls: number;
  /** Counted by the client (every HTTP call, downloads included); '' when the step does not report it. */
  clientCalls: number | '';
  byRoute: string;
  ms: number;
}

function calls(emulator: RunningEmulator): { total: number; byRoute: string } {
  const entries = Object.entries(emulator.admin.calls()).filter(([, n]) => n > 0);
  return {
    total: entries.reduce((n, [, c]) => n + c, 0),
    byRoute: entries
      .map(([route, n]) => `${n}× ${route.replace('/api/v2/', '').replace('workforcemanagement/', 'wfm/')}`)
      .join(', '),
  };
}

async function measure(agents: number): Promise<Row[]> {
  const emulator = await startEmulator({ agents, rateLimitPerMinute: 1_000_000_000 });
  const redis = benchRedis('bench-sweep');
  const prefix = benchPrefix('sweep');
  const logger = pino({ level: 'silent' });
  const config = loadConfig({
    REDIS_URL: benchRedisUrl(),
    QUEUE_PREFIX: prefix,
    GENESYS_API_BASE_URL: emulator.url,
    GENESYS_LOGIN_BASE_URL: emulator.url,
    GENESYS_CLIENT_ID: emulator.clientId,
    GENESYS_CLIENT_SECRET: emulator.clientSecret,
    GENESYS_RATE_BUDGET_PER_MINUTE: '100000',
    GENESYS_TIMEOUT_MS: '60000',
  });
  const client = createGenesysClient({ config, redis, logger });
  const roster = new AgentRoster({
    redis,
    prefix,
    managedUserIds: [],
    directory: client,
    refreshMs: config.ROSTER_REFRESH_MS,
    logger,
  });
  const sync = new ScheduleSync({
    redis,
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
    redis,
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
  const buId = emulator.admin.org().businessUnit.id;
  const rows: Row[] = [];
  const step = async (name: string, run: () => Promise<unknown>) => {
    emulator.admin.resetCalls();
    const started = Date.now();
    const result = (await run()) as { calls?: unknown };
    const c = calls(emulator);
    rows.push({
      agents,
      step: name,
      calls: c.total,
      clientCalls: typeof result?.calls === 'number' ? result.calls : '',
      byRoute: c.byRoute,
      ms: Date.now() - started,
    });
  };
  try {
    await client.getToken();
    await step('roster read (hourly)', () => roster.list());
    await step('sync, cold', () => sync.syncBusinessUnit(buId, 'scheduled'));
    await step('sync, warm', () => sync.syncBusinessUnit(buId, 'scheduled'));
    emulator.admin.setFaults({ wfmSearchMode: 'download' });
    await step('sync, warm, downloadUrl', () => sync.syncBusinessUnit(buId, 'scheduled'));
    await step('heartbeat sweep', () => sweep.run(`bench-${agents}`));
    return rows;
  } finally {
    await client.stop();
    await deleteKeys(redis, prefix);
    await redis.quit();
    await emulator.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { agents: { type: 'string', default: '1000,5000' } } });
  const sizes = values.agents.split(',').map((s) => Number(s.trim()));
  const rows: Row[] = [];
  for (const agents of sizes) {
    rows.push(...(await measure(agents)));
  }
  process.stdout.write(
    `${renderTable(
      ['agents', 'step', 'calls (emulator)', 'calls (client)', 'by route (emulator)', 'ms'],
      rows.map((r) => [r.agents, r.step, r.calls, r.clientCalls, r.byRoute, r.ms]),
    )}\n\n`,
  );
  const fields: Array<[string, ResultValue]> = [];
  for (const agents of sizes) {
    const of = (name: string) => {
      const row = rows.find((r) => r.agents === agents && r.step === name);
      return row === undefined ? -1 : row.clientCalls === '' ? row.calls : row.clientCalls;
    };
    fields.push(
      [`sweep_calls_${agents}`, of('heartbeat sweep')],
      [`sync_calls_${agents}`, of('sync, warm')],
      [`sync_cold_calls_${agents}`, of('sync, cold')],
      [`sync_download_calls_${agents}`, of('sync, warm, downloadUrl')],
      [`roster_calls_${agents}`, of('roster read (hourly)')],
    );
  }
  process.stdout.write(`${formatResultLine('sweep', fields)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
