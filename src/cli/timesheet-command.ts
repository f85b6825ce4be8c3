import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { loadCliConfig } from './load-cli-config';
import { createGenesysClient } from '../genesys';
import { createLogger } from '../logger';
import { closeRedis, createRedis, type RedisConnection } from '../redis';
import { SegmentStore } from '../timetracking/segment-store';
import { resolveTimesheetTimeZone } from '../timetracking/time-zone';
import { renderTimesheetCsv, renderTimesheetJsonl } from '../timetracking/timesheet';
import { loadTimesheet, TimesheetFiles } from '../timetracking/timesheet-files';
import { isValidTimeZone, parseDay } from '../timetracking/zoned-day';

const USAGE = `usage:
  presence-worker timesheet --date YYYY-MM-DD [--format csv|jsonl] [--time-zone ZONE] [--write]

Prints one local day's timesheet from the segment store in Redis: csv (default) = totals per agent per
presence definition and per routing status; jsonl = every segment part on that day. Open segments count up
to now. The day is in TIMESHEET_TIME_ZONE, else the business unit's time zone, else UTC (--time-zone
overrides). --write also (re)writes the day's files under TIMESHEET_DIR.
exit codes: 0 ok, 2 bad usage or configuration, 3 Redis or Genesys failed.
`;

const OPTIONS = {
  date: { type: 'string' },
  format: { type: 'string' },
  'time-zone': { type: 'string' },
  write: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Waits for the fail-fast connection to be ready (its commands are refused until then). */
async function ready(redis: RedisConnection, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') {
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      once(redis, 'ready'),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis not reachable within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** `presence-worker timesheet`: see USAGE. */
export async function run(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
  try {
    args = parseArgs({ args: argv, options: OPTIONS, strict: true }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const format = args.format ?? 'csv';
  const zoneOverride = args['time-zone'];
  try {
    if (args.date === undefined) {
      throw new Error('--date is required');
    }
    parseDay(args.date);
    if (format !== 'csv' && format !== 'jsonl') {
      throw new Error(`--format must be csv or jsonl, got "${format}"`);
    }
    if (zoneOverride !== undefined && !isValidTimeZone(zoneOverride)) {
      throw new Error(`--time-zone is not an IANA time zone: ${zoneOverride}`);
    }
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const config = loadCliConfig();
  if (config === undefined) {
    return 2;
  }
  const logger = createLogger(
    { level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL },
    process.stderr,
  );
  const redis = createRedis(config, 'producer', 'presence-worker:timesheet');
  const genesys =
    zoneOverride === undefined &&
    config.TIMESHEET_TIME_ZONE === undefined &&
    config.GENESYS_CLIENT_ID !== undefined &&
    config.GENESYS_CLIENT_SECRET !== undefined
      ? createGenesysClient({ config, redis, logger })
      : undefined;
  try {
    await ready(redis, 5_000);
    const timeZone = zoneOverride ?? (await resolveTimesheetTimeZone(config, genesys, logger));
    const store = new SegmentStore(redis, {
      prefix: config.QUEUE_PREFIX,
      retentionMs: config.TIMETRACKING_RETENTION_DAYS * 86_400_000,
    });
    const sheet =
      args.write === true
        ? (await new TimesheetFiles(store, { dir: config.TIMESHEET_DIR }).write(args.date, timeZone)).sheet
        : await loadTimesheet(store, args.date, timeZone, Date.now());
    process.stdout.write(format === 'csv' ? renderTimesheetCsv(sheet) : renderTimesheetJsonl(sheet));
    return 0;
  } catch (err) {
    process.stderr.write(`timesheet failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 3;
  } finally {
    await genesys?.stop();
    await closeRedis(redis);
  }
}
