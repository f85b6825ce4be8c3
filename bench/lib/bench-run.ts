import { execFile } from 'node:child_process';
import os from 'node:os';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { benchPrefix, benchRedis, benchRedisUrl, deleteKeys } from './bench-redis';
import { appendSection, type BenchSection } from './benchmarks-md';
import { readProfiles, topAreas, topFunctions } from './cpu-profile';
import { renderTable } from './results-table';
import { serviceWarnings } from './service-logs';
import { profileDir } from './service-processes';
import { round } from './stats';
import { describeMachine, formatMachine, type MachineDescription } from './machine';
import { formatResultLine, type ResultValue } from './result-line';
import { REPO_ROOT, stopAllChildren } from './worker-process';

export type OptionSpec = Record<
  string,
  { type: 'string' | 'boolean'; default?: string | boolean; describe: string; multiple?: boolean }
>;

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
  options: Record<string, string | boolean | string[] | undefined>;
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

const COMMON: OptionSpec = {
  keep: {
    type: 'boolean',
    default: false,
    describe: 'keep the bulky artefacts in the run folder (audit logs, heap snapshots)',
  },
  set: {
    type: 'string',
    multiple: true,
    describe: 'a service setting for this run, KEY=VALUE (repeatable; listed in the results)',
  },
  record: {
    type: 'boolean',
    default: true,
    describe: 'append the results to BENCHMARKS.md (--no-record: do not)',
  },
  profile: {
    type: 'boolean',
    default: false,
    describe: 'run the service processes with --cpu-prof (profiles in the run folder)',
  },
  help: { type: 'boolean', default: false, describe: 'this help' },
};

function usage(name: string, spec: OptionSpec): string {
  const rows = Object.entries(spec).map(
    ([k, v]) =>
      `  --${k.padEnd(22)} ${v.describe}${v.default === undefined ? '' : ` (default ${String(v.default)})`}`,
  );
  return `usage: npm run bench -- ${name} [options]\n\n${rows.join('\n')}\n`;
}

/** `abc1234` or `abc1234 + uncommitted changes in src/`: which code a result belongs to. */
export async function sourceRevision(): Promise<string> {
  const run = promisify(execFile);
  try {
    const head = (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT })).stdout.trim();
    const dirty = (
      await run('git', ['status', '--porcelain', '--', 'src'], { cwd: REPO_ROOT })
    ).stdout.trim();
    return dirty === '' ? head : `${head} + uncommitted changes in src/`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/**
 * Service settings given with `--set KEY=VALUE` (repeatable): experiments such as `--set WORKER_CONCURRENCY=128`.
 * They are listed in the results' setup.
 */
export function serviceOverrides(ctx: BenchContext): Record<string, string> {
  const raw = ctx.options.set;
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = String(item).indexOf('=');
    if (eq <= 0) {
      throw new RangeError(`--set needs KEY=VALUE (got ${String(item)})`);
    }
    out[String(item).slice(0, eq)] = String(item).slice(eq + 1);
  }
  return out;
}

/** Audit logs, timesheets and heap snapshots of a run folder (hundreds of MB): gone unless `--keep`. */
async function removeBulky(runDir: string): Promise<void> {
  for (const entry of await readdir(runDir, { withFileTypes: true })) {
    const full = path.join(runDir, entry.name);
    if (entry.isDirectory() && /^(audit|timesheets)-/.test(entry.name)) {
      await rm(full, { recursive: true, force: true });
    } else if (entry.isDirectory() && entry.name === 'heap') {
      await rm(full, { recursive: true, force: true });
    }
  }
}

/** One table per CPU profile of the run: self time by area and by function, side by side. */
async function profileTables(runDir: string): Promise<Array<{ title: string; markdown: string }>> {
  const tables: Array<{ title: string; markdown: string }> = [];
  for (const { file, profile } of await readProfiles(profileDir(runDir))) {
    const areas = topAreas(profile, 10);
    const functions = topFunctions(profile, 10);
    const rows = Array.from({ length: Math.max(areas.length, functions.length) }, (_, i) => [
      areas[i]?.name ?? '',
      areas[i] === undefined ? '' : round(areas[i].percent, 1),
      functions[i]?.name ?? '',
      functions[i] === undefined ? '' : round(functions[i].percent, 1),
    ]);
    const seconds = round((profile.endTime - profile.startTime) / 1e6, 1);
    tables.push({
      title: `CPU profile \`${path.basename(file)}\` (${seconds} s sampled): self time`,
      markdown: renderTable(['area', '%', 'function', '%'], rows),
    });
  }
  return tables;
}

/** A positive integer option. */
export function intOption(ctx: BenchContext, key: string): number {
  const raw = ctx.options[key];
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < 1) {
    throw new RangeError(`--${key} must be a positive integer (got ${String(raw)})`);
  }
  return n;
}

/**
 * Runs one benchmark: parses options, describes the machine, gives the body a Redis prefix and a run folder, then
 * prints the tables and the result line (last line of stdout), appends the section to BENCHMARKS.md and deletes
 * the prefix's keys, whatever happened. Returns the exit code.
 */
export async function runBench(
  name: string,
  argv: readonly string[],
  spec: OptionSpec,
  body: (ctx: BenchContext) => Promise<BenchOutcome>,
): Promise<number> {
  const all: OptionSpec = { ...spec, ...COMMON };
  let options: Record<string, string | boolean | string[] | undefined>;
  try {
    const parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowNegative: true,
      options: Object.fromEntries(
        Object.entries(all).map(([k, v]) => [
          k,
          { type: v.type, ...(v.default === undefined ? {} : { default: v.default }) },
        ]),
      ) as never,
    });
    options = parsed.values as Record<string, string | boolean | string[] | undefined>;
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
  let sub = 0;
  // Ctrl-C or SIGTERM: stop the emulator and service processes and delete the run's keys before leaving.
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
  const log = (message: string): void => {
    process.stderr.write(`[${name} ${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)}s] ${message}\n`);
  };
  try {
    const machine = await describeMachine(redis);
    log(`machine: ${formatMachine(machine)}, load ${machine.loadAverage}`);
    log(`redis prefix ${prefix}, logs in ${path.relative(REPO_ROOT, runDir)}`);
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
    const revision = await sourceRevision();
    log(`source ${revision}`);
    const overrides = serviceOverrides(ctx);
    const outcome = await body(ctx);
    const profiles = options.profile === true ? await profileTables(runDir) : [];
    const warnings = await serviceWarnings(runDir);
    const warningTables =
      warnings.length === 0
        ? []
        : [
            {
              title: 'Warnings and errors logged by the service processes (all runs of this bench)',
              markdown: renderTable(
                ['level', 'message', 'lines'],
                warnings.slice(0, 12).map((w) => [w.level, w.message, w.count]),
              ),
            },
          ];
    const resultLine = formatResultLine(name, outcome.fields);
    const section: BenchSection = {
      name,
      date: startedAt,
      machine,
      command: `npm run bench -- ${[name, ...argv].join(' ')}`,
      setup: [
        ['source', revision] as const,
        [
          '1-minute load average',
          `${machine.loadAverage} at the start, ${round(os.loadavg()[0] ?? 0, 2)} at the end`,
        ] as const,
        ...outcome.setup,
        ...(Object.keys(overrides).length === 0
          ? []
          : [
              [
                'settings given with --set',
                Object.entries(overrides)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(', '),
              ] as const,
            ]),
      ],
      tables: [...outcome.tables, ...warningTables, ...profiles],
      verdicts: outcome.verdicts,
      notes: outcome.notes,
      resultLine,
    };
    if (options.record !== false) {
      await appendSection(path.join(REPO_ROOT, 'BENCHMARKS.md'), section);
      log('results appended to BENCHMARKS.md');
    }
    const out: string[] = [];
    for (const t of section.tables) {
      if (t.title !== undefined) {
        out.push(t.title);
      }
      out.push(t.markdown, '');
    }
    out.push(...outcome.verdicts.map((v) => `target: ${v}`), '', resultLine, '');
    process.stdout.write(out.join('\n'));
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
