import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Cluster, Redis } from 'ioredis';
import type { AuditStoreConfig } from '../../src/audit/create-audit-store';
import { loadConfig } from '../../src/config';
import { CLUSTER_FAILOVER_OPTIONS } from '../../src/redis';
import type { EmulatorOptions } from '../../src/emulator/emulator-options';
import { startTestEmulator, type TestEmulator } from './emulator';
import type { InvariantInput, TrackedRequest } from './chaos-invariants';
import { ChaosApi } from './chaos-load';
import { ChaosChild, killAllChildren, REPO_ROOT, startServiceProcess } from './chaos-process';
import { freePort } from './chaos-redis';
import type { Captured, Secret } from './chaos-secrets';
import { deleteKeys } from './redis';

/** Where a chaos run leaves its logs (gitignored): `test-output/chaos/<name>-<time>/`. */
export async function runDir(name: string): Promise<string> {
  const dir = path.join(
    REPO_ROOT,
    'test-output',
    'chaos',
    `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`,
  );
  await mkdir(dir, { recursive: true });
  return dir;
}

/** The API keys of a chaos run (random per run, so a leak is attributable). */
export interface ChaosKeys {
  /** enqueue + read + admin, any source. */
  admin: string;
  /** enqueue only, source `wfm` only. */
  wfm: string;
  /** read only. */
  reader: string;
}

function newKeys(): ChaosKeys {
  const key = (): string => `ck_${randomBytes(24).toString('hex')}`;
  return { admin: key(), wfm: key(), reader: key() };
}

export type AuditTarget = { kind: 'jsonl' } | { kind: 'postgres'; url: string; schema: string };

export type RedisTarget = { url: string } | { clusterNodes: readonly string[] };

export interface ChaosStackOptions {
  /** Names the log folder and the key prefix. */
  name: string;
  redis: RedisTarget;
  /** Default `c<random>`; on a cluster it must carry a `{hash-tag}`. */
  prefix?: string;
  audit?: AuditTarget;
  emulator?: EmulatorOptions;
  /** Worker processes (`--role worker`), default 1. */
  workers?: number;
  /** Settings that differ from the chaos defaults. */
  env?: Record<string, string>;
}

/**
 * Settings of every chaos run: production defaults except what makes recovery observable within a test's time —
 * short retry back-off, breaker reset, leases and outbox recovery — and info logs (scanned for secrets).
 */
export const CHAOS_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  JOB_BACKOFF_MS: '250',
  JOB_ATTEMPTS: '12',
  BREAKER_RESET_MS: '2000',
  AGENT_LEASE_MS: '4000',
  JOB_LOCK_MS: '6000',
  AUDIT_WRITER_LEASE_MS: '3000',
  OUTBOX_RECOVERY_AFTER_MS: '2000',
  SHUTDOWN_TIMEOUT_MS: '10000',
  GENESYS_TIMEOUT_MS: '2000',
  GENESYS_CALL_BUDGET_MS: '6000',
  GENESYS_MAX_RETRY_AFTER_MS: '2000',
  TIMESHEET_FILES: 'false',
});

/**
 * One service under test: the emulator in this process, the `api` role and `workers` worker processes as
 * children (`presence-worker start --role …`), an API client with the run's keys, and what the invariant checker
 * needs. `stop()` ends every child and the emulator.
 */
export class ChaosStack {
  readonly workers: ChaosChild[] = [];
  readonly retired: ChaosChild[] = [];
  /** Processes of other roles (stream, scheduler). */
  readonly others: ChaosChild[] = [];
  api!: ChaosChild;
  client!: ChaosApi;
  private readerClient: Redis | Cluster | undefined;
  private workerSeq = 0;

  private constructor(
    readonly options: ChaosStackOptions,
    readonly emulator: TestEmulator,
    readonly prefix: string,
    readonly keys: ChaosKeys,
    readonly env: Record<string, string>,
    readonly logDir: string,
    readonly httpPort: number,
  ) {}

  static async start(options: ChaosStackOptions): Promise<ChaosStack> {
    const logDir = await runDir(options.name);
    const emulator = await startTestEmulator({
      agents: 50,
      clientSecret: `cs_${randomBytes(16).toString('hex')}`,
      ...options.emulator,
    });
    const prefix = options.prefix ?? `c${randomBytes(4).toString('hex')}`;
    const keys = newKeys();
    const httpPort = await freePort();
    const auditDir = path.join(logDir, 'audit');
    const audit = options.audit ?? { kind: 'jsonl' };
    const env: Record<string, string> = {
      ...CHAOS_DEFAULTS,
      QUEUE_PREFIX: prefix,
      ...emulator.genesysEnv,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(httpPort),
      AUDIT_DIR: auditDir,
      TIMESHEET_DIR: path.join(logDir, 'timesheets'),
      API_KEYS: JSON.stringify([
        { name: 'chaos-admin', key: keys.admin, scopes: ['enqueue', 'read', 'admin'], sources: ['*'] },
        { name: 'chaos-wfm', key: keys.wfm, scopes: ['enqueue'], sources: ['wfm'] },
        { name: 'chaos-reader', key: keys.reader, scopes: ['read'], sources: [] },
      ]),
      ...('url' in options.redis
        ? { REDIS_URL: options.redis.url }
        : { REDIS_CLUSTER_NODES: options.redis.clusterNodes.join(',') }),
      ...(audit.kind === 'postgres'
        ? { AUDIT_DATABASE_URL: audit.url, AUDIT_DATABASE_SCHEMA: audit.schema }
        : {}),
      ...options.env,
    };
    loadConfig(env); // a bad setting fails here, naming the variable, not in a child
    const stack = new ChaosStack(options, emulator, prefix, keys, env, logDir, httpPort);
    try {
      for (let i = 0; i < (options.workers ?? 1); i += 1) {
        await stack.startWorker();
      }
      await stack.startApi();
    } catch (err) {
      await stack.stop();
      throw err;
    }
    return stack;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /** The audit store as the checker reads it. */
  get auditConfig(): AuditStoreConfig {
    return loadConfig(this.env);
  }

  /** Starts the `api` role (again, after a kill) on the same port. */
  async startApi(): Promise<ChaosChild> {
    if (this.api?.running === true) {
      throw new Error('the api process is running');
    }
    if (this.api !== undefined) {
      this.retired.push(this.api);
    }
    this.api = await startServiceProcess({
      label: `api-${this.retired.length}`,
      roles: 'api',
      env: this.env,
      logDir: this.logDir,
    });
    this.client = new ChaosApi(this.baseUrl, this.keys.admin);
    return this.api;
  }

  /** Starts one more worker process. */
  async startWorker(extraEnv: Record<string, string> = {}): Promise<ChaosChild> {
    this.workerSeq += 1;
    const worker = await startServiceProcess({
      label: `worker-${this.workerSeq}`,
      roles: 'worker',
      env: { ...this.env, ...extraEnv },
      logDir: this.logDir,
    });
    this.workers.push(worker);
    return worker;
  }

  /** Starts another role set (e.g. `stream`) as its own process; stopped with the stack. */
  async startRole(roles: string, extraEnv: Record<string, string> = {}): Promise<ChaosChild> {
    this.workerSeq += 1;
    const child = await startServiceProcess({
      label: `${roles.replace(/,/g, '+')}-${this.workerSeq}`,
      roles,
      env: { ...this.env, ...extraEnv },
      logDir: this.logDir,
    });
    this.others.push(child);
    return child;
  }

  /** SIGKILLs a worker (a crash) and keeps its output for the scans. */
  async killWorker(worker: ChaosChild): Promise<void> {
    await worker.kill('SIGKILL');
    this.workers.splice(this.workers.indexOf(worker), 1);
    this.retired.push(worker);
  }

  /** A Redis (or Cluster) client on the service's Redis, for reading state; closed by `stop()`. */
  redis(): Redis | Cluster {
    if (this.readerClient === undefined) {
      const target = this.options.redis;
      this.readerClient =
        'url' in target
          ? new Redis(target.url, { maxRetriesPerRequest: null })
          : new Cluster(
              target.clusterNodes.map((n) => {
                const [host, port] = n.split(':');
                return { host: host ?? '127.0.0.1', port: Number(port) };
              }),
              { ...CLUSTER_FAILOVER_OPTIONS, redisOptions: { maxRetriesPerRequest: null } },
            );
      this.readerClient.on('error', () => undefined);
    }
    return this.readerClient;
  }

  invariantInput(accepted: readonly TrackedRequest[]): InvariantInput {
    return {
      redis: this.redis(),
      prefix: this.prefix,
      accepted,
      audit: this.auditConfig,
      emulator: this.emulator.admin,
    };
  }

  /** Every child's output (live and retired) plus the JSONL audit files, for the secret scan. */
  async captured(): Promise<Captured[]> {
    const children = [this.api, ...this.workers, ...this.others, ...this.retired].filter(
      (c): c is ChaosChild => c !== undefined,
    );
    const out: Captured[] = children.map((c) => ({ where: `${c.label} output`, text: c.output() }));
    const auditDir = this.env.AUDIT_DIR ?? '';
    const files = await readdir(auditDir).catch(() => [] as string[]);
    for (const file of files) {
      out.push({ where: `audit file ${file}`, text: await readFile(path.join(auditDir, file), 'utf8') });
    }
    return out;
  }

  /**
   * Fatal log lines (pino level ≥ 60: uncaught errors, failed start-up) of every process so far, and processes
   * that ended by themselves (not stopped or killed by the test), as one line each.
   */
  fatalLogs(): string[] {
    const children = [this.api, ...this.workers, ...this.others, ...this.retired].filter(
      (c): c is ChaosChild => c !== undefined,
    );
    const out: string[] = [];
    for (const child of children) {
      for (const line of child.logLines()) {
        if (typeof line.level === 'number' && line.level >= 60) {
          out.push(`${child.label}: ${String(line.msg)} ${JSON.stringify(line.err ?? {}).slice(0, 300)}`);
        }
      }
    }
    for (const child of [this.api, ...this.workers, ...this.others]) {
      if (child !== undefined && !child.running) {
        out.push(`${child.label}: exited on its own`);
      }
    }
    return out;
  }

  /** The secrets of this run: the OAuth client secret and every API key. */
  secrets(): Secret[] {
    return [
      { name: 'GENESYS_CLIENT_SECRET', value: this.emulator.clientSecret },
      { name: 'admin API key', value: this.keys.admin },
      { name: 'wfm API key', value: this.keys.wfm },
      { name: 'reader API key', value: this.keys.reader },
    ];
  }

  /**
   * A chaos file's clean-up (safe when `start` failed): {@link stop}, then SIGKILL to any child a failed test left
   * behind, then — on a Redis that outlives the test (`{url}` target; say `deleteKeys: false` for one the test
   * destroys itself) — the keys under the stack's prefix.
   */
  static async dispose(stack: ChaosStack | undefined, options: { deleteKeys: boolean }): Promise<void> {
    await stack?.stop();
    await killAllChildren();
    const target = stack?.options.redis;
    if (stack !== undefined && options.deleteKeys && target !== undefined && 'url' in target) {
      const redis = new Redis(target.url, { maxRetriesPerRequest: 3 });
      try {
        await deleteKeys(redis, stack.prefix);
      } finally {
        redis.disconnect();
      }
    }
  }

  /** Graceful stop of every process (SIGTERM; SIGKILL after a grace), the reader client and the emulator. */
  async stop(): Promise<void> {
    const children = [this.api, ...this.workers, ...this.others].filter(
      (c): c is ChaosChild => c !== undefined,
    );
    await Promise.all(children.map((c) => c.stop()));
    this.readerClient?.disconnect();
    await this.emulator.stop();
  }
}
