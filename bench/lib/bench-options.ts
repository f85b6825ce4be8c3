import { parseArgs } from 'node:util';

export type OptionSpec = Record<
  string,
  { type: 'string' | 'boolean'; default?: string | boolean; describe: string; multiple?: boolean }
>;

export type BenchOptions = Record<string, string | boolean | string[] | undefined>;

/** Options every benchmark takes. */
export const COMMON_OPTIONS: OptionSpec = {
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
    describe:
      'CPU profiles of the service processes (--cpu-prof) and of the bench process; tables in the results',
  },
  keep: {
    type: 'boolean',
    default: false,
    describe: 'keep the bulky artefacts in the run folder (audit logs, heap snapshots)',
  },
  help: { type: 'boolean', default: false, describe: 'this help' },
};

export function usage(name: string, spec: OptionSpec): string {
  const rows = Object.entries(spec).map(
    ([k, v]) =>
      `  --${k.padEnd(22)} ${v.describe}${v.default === undefined ? '' : ` (default ${String(v.default)})`}`,
  );
  return `usage: npm run bench -- ${name} [options]\n\n${rows.join('\n')}\n`;
}

/** Parses argv against a bench's options plus the common ones; throws on an unknown or malformed option. */
export function parseBenchOptions(argv: readonly string[], spec: OptionSpec): BenchOptions {
  const parsed = parseArgs({
    args: [...argv],
    strict: true,
    allowNegative: true,
    options: Object.fromEntries(
      Object.entries(spec).map(([k, v]) => [
        k,
        {
          type: v.type,
          ...(v.multiple === true ? { multiple: true } : {}),
          ...(v.default === undefined ? {} : { default: v.default }),
        },
      ]),
    ) as never,
  });
  return parsed.values as BenchOptions;
}

/** A positive integer option. */
export function positiveInt(options: BenchOptions, key: string): number {
  const raw = options[key];
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < 1) {
    throw new RangeError(`--${key} must be a positive integer (got ${String(raw)})`);
  }
  return n;
}

/**
 * Service settings given with `--set KEY=VALUE` (repeatable): experiments such as `--set BATCH_WINDOW_MS=5`.
 * They are listed in the results' setup.
 */
export function settingsOverrides(options: BenchOptions): Record<string, string> {
  const raw = options.set;
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new RangeError(`--set needs KEY=VALUE (got ${item})`);
    }
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}
