import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import {
  COMMON_OPTIONS,
  parseBenchOptions,
  positiveInt,
  settingsOverrides,
  usage,
  type BenchOptions,
  type OptionSpec,
} from './bench-options';
import { benchPrefix, benchRedis, benchRedisUrl, deleteKeys } from './bench-redis';
import { appendSection, type BenchSection } from './benchmarks-md';
import { describeMachine, formatMachine, type MachineDescription } from './machine';
import { formatResultLine, type ResultValue } from './result-line';
import { profileTables, removeBulky, warningTables } from './run-artifacts';
import { sourceRevision } from './source-revision';
import { round } from './stats';
import { REPO_ROOT, stopAllChildren } from './worker-process';

export type { OptionSpec } from './bench-options';

export interface BenchContext {
  name: string;
  /** Redis key prefix of this run; every key under it is deleted at the end. */
  prefix: string;
  redis: Redis;
  redisUrl: string;
  /** bench/results/<name>-<time>/: logs of child processes, CPU profiles, raw results. */
  runDir: string;
  machine: MachineDescription;
  startedAt: Date;
  options: BenchOptions;
  /** Progress output (stderr, so stdout ends with the table and the result line). */
  log(message: string): void;
  /** A fresh sub-prefix for one run inside this bench (still under `prefix`, so still cleaned up). */
  subPrefix(label: string): string;
  /** Aborted on SIGINT/SIGTERM: load loops stop sending, so the cleanup finds nothing new. */
  signal: AbortSignal;
}

export interface BenchOutcome {
  setup: ReadonlyArray<readonly [string, string | number]>;
  tables: ReadonlyArray<{ title?: string; markdown: string }>;
  verdicts: readonly string[];
  notes: readonly string[];
  fields: ReadonlyArray<readonly [string, ResultValue]>;
}

/** A positive integer option of the bench. */
export function intOption(ctx: BenchContext, key: string): number {
  return positiveInt(ctx.options, key);
}

/** Service settings given with `--set KEY=VALUE`, to pass to `serviceEnv` (listed in the results). */
export function serviceOverrides(ctx: BenchContext): Record<string, string> {
  return settingsOverrides(ctx.options);
}

function printResults(section: BenchSection): void {
  const out: string[] = [];
  for (const t of section.tables) {
    if (t.title !== undefined) {
      out.push(t.title);
    }
    out.push(t.markdown, '');
  }
  out.push(...section.verdicts.map((v) => `target: ${v}`), '', section.resultLine, '');
  process.stdout.write(out.join('\n'));
}

/**
 * Runs one benchmark: parses options, describes the machine, gives the body a Redis prefix and a run folder, then
 * prints the tables and the result line (last line of stdout), appends the section to BENCHMARKS.md and deletes
 * the prefix's keys, whatever happened (also on Ctrl-C / SIGTERM). Returns the exit code.
 */
export async function runBench(
  name: string,
  argv: readonly string[],
  spec: OptionSpec,
  body: (ctx: BenchContext) => Promise<BenchOutcome>,
): Promise<number> {
  const all: OptionSpec = { ...spec, ...COMMON_OPTIONS };
  let options: BenchOptions;
  try {
    options = parseBenchOptions(argv, all);
    settingsOverrides(options);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${usage(name, all)}`);
    return 2;
  }
  if (options.help === true) {
    process.stdout.write(usage(name, all));
    return 0;
  }

  const startedAt = new Date();
  const prefix = benchPrefix(name);
  const redisUrl = benchRedisUrl();
  const redis = benchRedis(`bench-${name}`);
  const runDir = path.join(
    REPO_ROOT,
    'bench',
    'results',
    `${name}-${startedAt.toISOString().replace(/[:.]/g, '-')}`,
  );
  await mkdir(runDir, { recursive: true });
  const log = (message: string): void => {
    process.stderr.write(`[${name} ${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)}s] ${message}\n`);
  };
  // Ctrl-C or SIGTERM: stop the load, the emulator and the service processes, delete the run's keys, leave.
  const abort = new AbortController();
  const interrupted = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\nbench ${name}: ${signal}, stopping child processes and deleting ${prefix}*\n`);
    abort.abort();
    void stopAllChildren()
      .then(() => delay(500))
      .then(() => deleteKeys(redis, prefix))
      .catch(() => undefined)
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  let sub = 0;
  try {
    const machine = await describeMachine(redis);
    const revision = await sourceRevision(REPO_ROOT);
    log(`machine: ${formatMachine(machine)}, load ${machine.loadAverage}`);
    log(`source ${revision}; redis prefix ${prefix}; logs in ${path.relative(REPO_ROOT, runDir)}`);
    const ctx: BenchContext = {
      name,
      prefix,
      redis,
      redisUrl,
      runDir,
      machine,
      startedAt,
      options,
      log,
      signal: abort.signal,
      subPrefix: (label) => {
        sub += 1;
        return `${prefix}-${label}${sub}`;
      },
    };
    const outcome = await body(ctx);
    const overrides = Object.entries(settingsOverrides(options)).map(([k, v]) => `${k}=${v}`);
    const section: BenchSection = {
      name,
      date: startedAt,
      machine,
      command: `npm run bench -- ${[name, ...argv].join(' ')}`,
      setup: [
        ['source', revision],
        [
          '1-minute load average',
          `${machine.loadAverage} at the start, ${round(os.loadavg()[0] ?? 0, 2)} at the end`,
        ],
        ...outcome.setup,
        ...(overrides.length === 0 ? [] : [['settings given with --set', overrides.join(', ')] as const]),
      ],
      tables: [
        ...outcome.tables,
        ...(await warningTables(runDir)),
        ...(options.profile === true ? await profileTables(runDir) : []),
      ],
      verdicts: outcome.verdicts,
      notes: outcome.notes,
      resultLine: formatResultLine(name, outcome.fields),
    };
    if (options.record !== false) {
      await appendSection(path.join(REPO_ROOT, 'BENCHMARKS.md'), section);
      log('results appended to BENCHMARKS.md');
    }
    printResults(section);
    return 0;
  } catch (err) {
    process.stderr.write(
      `bench ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return 1;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    if (options.keep !== true) {
      await removeBulky(runDir).catch(() => undefined);
    }
    const deleted = await deleteKeys(redis, prefix).catch(() => -1);
    log(`deleted ${deleted} keys under ${prefix}`);
    await redis.quit().catch(() => undefined);
  }
}

/** The entry of a bench file run as a script: exits with the bench's code once stdout is flushed. */
export function runAsScript(main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.stdout.write('', () => process.exit(code));
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
