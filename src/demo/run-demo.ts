import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import pino from 'pino';
import { AUDIT_QUEUE } from '../audit/audit-queue';
import { loadConfig } from '../config';
import { startEmulator, type RunningEmulator } from '../emulator/start-emulator';
import { PRESENCE_CHANGE_QUEUE } from '../jobs/queue-names';
import { createLogger } from '../logger';
import { buildService } from '../service/build-service';
import { ROLES } from '../service/roles';
import type { Service } from '../service/service';
import { formatSummary, takeSnapshot, type DemoSnapshot } from './demo-summary';
import { ensureDemoRedis, type DemoRedis } from './private-redis';
import { TrafficGenerator } from './traffic-generator';

/** The demo's well-known API key: printed, for trying the API and logging into Bull Board. Demo only. */
export const DEMO_API_KEY = 'demo-key-presence-worker-not-for-production';
const DEMO_PREFIX = 'gpw-demo';

export interface DemoOptions {
  /** Stop by itself after this many seconds (default: run until the signal aborts). */
  seconds?: number;
  agents?: number;
  /** HTTP port of the API (default HTTP_PORT, else 3000; 0 picks a free one). */
  port?: number;
  /** HTTP requests per second of the traffic generator (default 10). */
  rate?: number;
  /** Summary line period (default 5,000 ms). */
  summaryEveryMs?: number;
  /** Where the URLs and summary lines go. */
  out: Writable;
  /** Environment the settings come from (REDIS_URL, QUEUE_PREFIX, LOG_LEVEL, …). */
  env: NodeJS.ProcessEnv;
  /** Stops the demo early (SIGINT/SIGTERM in the CLI). */
  signal?: AbortSignal;
  /** Folder of the demo's audit log and service log (default data/demo). */
  dataDir?: string;
}

export interface DemoResult {
  final: DemoSnapshot;
  urls: { api: string; bullBoard: string; metrics: string };
}

/** Deletes the demo's own keys (its default prefix only) so every run starts from a fresh org. */
async function clearPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) {
        await redis.unlink(...keys);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function until(seconds: number | undefined, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((done) => {
    if (signal?.aborted === true) {
      done();
      return;
    }
    const timer = seconds === undefined ? undefined : setTimeout(finish, seconds * 1000);
    signal?.addEventListener('abort', finish, { once: true });
    function finish(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      done();
    }
  });
}

/**
 * `presence-worker demo`: the emulator with a seeded org, every role in this process, the JSONL audit, and a
 * traffic generator sending a realistic mix through the HTTP API; prints the URLs and a summary line every few
 * seconds. Uses the Redis at REDIS_URL, or a private redis-server when none answers.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { out, env } = options;
  const print = (line = ''): void => {
    out.write(`${line}\n`);
  };
  const dataDir = resolve(options.dataDir ?? join('data', 'demo'));
  mkdirSync(dataDir, { recursive: true });
  const logFile = join(dataDir, 'service.log');
  const destination = pino.destination({ dest: logFile, mkdir: true, sync: true, append: false });
  const logger = createLogger({ level: env.LOG_LEVEL ?? 'info' }, destination);

  let redis: DemoRedis | undefined;
  let emulator: RunningEmulator | undefined;
  let service: Service | undefined;
  let traffic: TrafficGenerator | undefined;
  let ticker: NodeJS.Timeout | undefined;
  try {
    redis = await ensureDemoRedis(env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    emulator = await startEmulator({ agents: options.agents ?? 100, seed: 42 });
    const prefix = env.QUEUE_PREFIX ?? DEMO_PREFIX;
    if (prefix === DEMO_PREFIX) {
      await clearPrefix(redis.url, prefix);
    }
    const config = loadConfig({
      ...env,
      NODE_ENV: env.NODE_ENV ?? 'development',
      REDIS_URL: redis.url,
      REDIS_CLUSTER_NODES: '',
      QUEUE_PREFIX: prefix,
      GENESYS_API_BASE_URL: emulator.url,
      GENESYS_LOGIN_BASE_URL: emulator.url,
      GENESYS_CLIENT_ID: emulator.clientId,
      GENESYS_CLIENT_SECRET: emulator.clientSecret,
      AUDIT_DATABASE_URL: '',
      AUDIT_DIR: env.AUDIT_DIR ?? join(dataDir, 'audit'),
      TIMESHEET_DIR: env.TIMESHEET_DIR ?? join(dataDir, 'timesheets'),
      API_KEYS: JSON.stringify([
        {
          name: 'demo',
          key: DEMO_API_KEY,
          scopes: ['enqueue', 'read', 'admin'],
          sources: ['wfm', 'crm', 'ivr', 'supervisor'],
        },
      ]),
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(options.port ?? env.HTTP_PORT ?? 3000),
      METRICS_PORT: '',
    });
    service = await buildService(config, { roles: ROLES, logger });
    await service.start();
    const base = service.httpUrl ?? '';
    const urls = { api: `${base}/v1`, bullBoard: `${base}/admin/queues`, metrics: `${base}/metrics` };

    print('presence-worker demo: every role in one process against the Genesys Cloud emulator');
    print(`  API          ${urls.api}   (Authorization: Bearer ${DEMO_API_KEY})`);
    print(`  OpenAPI      ${base}/docs/openapi.json`);
    print(`  Bull Board   ${urls.bullBoard}   (any user name, password: ${DEMO_API_KEY})`);
    print(`  Metrics      ${urls.metrics}`);
    print(`  Health       ${base}/healthz  ${base}/readyz`);
    print(
      `  Emulator     ${emulator.url}   (${emulator.admin.agentIds().length} agents, admin API /__emulator)`,
    );
    print(
      `  Redis        ${redis.url}${redis.privateServer ? '   (private redis-server, stopped on exit)' : ''}`,
    );
    print(`  Audit log    ${config.AUDIT_DIR}   (JSONL, hash-chained: presence-worker audit verify)`);
    print(`  Service log  ${logFile}`);
    print(
      `  Try: curl -X POST ${urls.api}/agents/${emulator.admin.agentIds()[0]}/presence -H 'Authorization: Bearer ${DEMO_API_KEY}' -H 'Content-Type: application/json' -d '{"presence":"Break","source":"wfm","requestedBy":"me"}'`,
    );
    print(
      options.seconds === undefined ? '  Ctrl-C stops the demo.' : `  Stopping after ${options.seconds} s.`,
    );
    print();

    const startedAt = Date.now();
    traffic = new TrafficGenerator({
      apiUrl: base,
      apiKey: DEMO_API_KEY,
      agents: emulator.admin.agentIds(),
      emulator: emulator.admin,
      ratePerSecond: options.rate ?? 10,
      logger,
    });
    traffic.start();
    const running = service;
    const generator = traffic;
    const snapshot = (): Promise<DemoSnapshot> =>
      takeSnapshot(
        startedAt,
        generator.stats,
        running.metrics,
        running.queues.get(PRESENCE_CHANGE_QUEUE),
        running.queues.get(AUDIT_QUEUE),
      );
    ticker = setInterval(() => {
      void snapshot().then((s) => print(formatSummary(s)));
    }, options.summaryEveryMs ?? 5_000);

    await until(options.seconds, options.signal);
    clearInterval(ticker);
    ticker = undefined;
    await traffic.stop();
    const final = await snapshot();
    print(formatSummary(final));
    print('stopping…');
    return { final, urls };
  } finally {
    clearInterval(ticker);
    await traffic?.stop();
    await service?.stop();
    await emulator?.close();
    await redis?.stop();
    destination.flushSync();
  }
}
