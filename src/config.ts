import { z } from 'zod';
import { ACTIVITY_CATEGORIES } from './schedule/agent-timeline';

/**
 * Every environment variable the service reads, in one schema: name, default and description.
 * `loadConfig()` parses them once into a frozen, typed `Config`; a bad value stops start-up with a
 * message naming the variable. `docs/configuration.md` is generated from this table
 * (`presence-worker config --markdown`) and a unit test keeps the two in step.
 */

interface Setting<T extends z.ZodType> {
  schema: T;
  default: string | undefined;
  description: string;
  secret?: boolean;
}

function setting<T extends z.ZodType>(
  schema: T,
  defaultValue: string | undefined,
  description: string,
  secret = false,
): Setting<T> {
  return { schema, default: defaultValue, description, secret };
}

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const boolean = () =>
  z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const optionalString = () => z.string().min(1).optional();
const optionalUrl = () => z.url().optional();
const idList = () =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    )
    .pipe(z.array(z.string().min(1)));

export const SETTINGS = {
  NODE_ENV: setting(z.enum(['development', 'production', 'test']), 'production', 'Runtime environment.'),
  LOG_LEVEL: setting(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    'info',
    'pino log level.',
  ),

  REDIS_URL: setting(
    z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
    'redis://127.0.0.1:6379',
    'Redis for BullMQ queues and agent state.',
  ),
  REDIS_CLUSTER_NODES: setting(
    idList(),
    '',
    'Comma-separated host:port seed nodes of a Redis Cluster; when set, REDIS_URL is ignored and QUEUE_PREFIX must carry a {hash-tag}.',
  ),
  QUEUE_PREFIX: setting(z.string().min(1).max(64), 'gpw', 'Prefix of every Redis key and BullMQ queue.'),

  GENESYS_REGION: setting(
    z.string().min(1),
    'us_east_1',
    'Genesys Cloud region key (see genesys-api.md §1.1).',
  ),
  GENESYS_API_BASE_URL: setting(
    optionalUrl(),
    undefined,
    "Overrides the region's API host (e.g. the emulator).",
  ),
  GENESYS_LOGIN_BASE_URL: setting(
    optionalUrl(),
    undefined,
    "Overrides the region's login host (e.g. the emulator).",
  ),
  GENESYS_CLIENT_ID: setting(optionalString(), undefined, 'OAuth client-credentials client id.'),
  GENESYS_CLIENT_SECRET: setting(optionalString(), undefined, 'OAuth client-credentials secret.', true),
  GENESYS_TIMEOUT_MS: setting(integer(100, 120_000), '10000', 'Timeout of one HTTP call to Genesys Cloud.'),
  GENESYS_RETRIES: setting(
    integer(0, 10),
    '3',
    'Quick in-request retries of idempotent calls (network errors, 5xx, 429).',
  ),
  GENESYS_MAX_RETRY_AFTER_MS: setting(
    integer(0, 600_000),
    '10000',
    'Longest Retry-After honoured inside one request; longer waits go back to the queue.',
  ),
  GENESYS_CALL_BUDGET_MS: setting(
    integer(1_000, 600_000),
    '25000',
    'Longest total time of one Genesys call with its in-request retries and waits; no retry starts that could end later.',
  ),
  GENESYS_RATE_BUDGET_PER_MINUTE: setting(
    integer(1, 100_000),
    '240',
    'Genesys calls per rolling minute shared by all processes (80 % of the 300/min token limit).',
  ),
  GENESYS_RATE_BUDGET_MAX_WAIT_MS: setting(
    integer(0, 60_000),
    '2000',
    'Longest wait of one call for the shared rate budget; longer → GENESYS_BUDGET_EXHAUSTED (the queue rate-limits).',
  ),
  GENESYS_PRESENCE_CACHE_TTL_MS: setting(
    integer(0, 86_400_000),
    '300000',
    'How long the presence definitions (name → id resolution) are cached per process.',
  ),
  GENESYS_TOKEN_REFRESH_LEAD_SECONDS: setting(
    integer(0, 86_400),
    '300',
    'Refresh the shared token this long before it expires.',
  ),
  BREAKER_ERROR_THRESHOLD_PERCENT: setting(
    integer(1, 100),
    '50',
    'Failure percentage that opens the Genesys circuit breaker.',
  ),
  BREAKER_VOLUME_THRESHOLD: setting(
    integer(1, 10_000),
    '10',
    'Calls in the rolling window before the breaker may open.',
  ),
  BREAKER_RESET_MS: setting(
    integer(100, 600_000),
    '15000',
    'Time the breaker stays open before a half-open trial call.',
  ),

  AUDIT_DATABASE_URL: setting(
    optionalUrl(),
    undefined,
    'PostgreSQL for the audit log; unset → JSONL files under AUDIT_DIR.',
    true,
  ),
  AUDIT_DIR: setting(z.string().min(1), 'data/audit', 'Folder of the JSONL audit files (one per UTC day).'),
  AUDIT_BATCH_SIZE: setting(integer(1, 5_000), '500', 'Audit records written per store transaction / fsync.'),
  AUDIT_DATABASE_SCHEMA: setting(
    z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lowercase SQL identifier'),
    'audit',
    'PostgreSQL schema of the audit tables (created and migrated at start-up).',
  ),
  AUDIT_WRITER_LEASE_MS: setting(
    integer(1_000, 600_000),
    '15000',
    'Audit chain writer lease: one process writes; a standby takes over this long after it dies.',
  ),
  AUDIT_CHECKPOINT_KEY: setting(
    z.string().min(32, 'must be at least 32 characters').optional(),
    undefined,
    'HMAC key signing audit retention checkpoints; needed by "audit retention" and to verify a pruned log.',
    true,
  ),

  POLICY_FILE: setting(
    optionalString(),
    undefined,
    'Presence policy (JSON or YAML); unset → the documented default policy.',
  ),
  MANAGED_USER_IDS: setting(
    idList(),
    '',
    'Agents the service manages (comma-separated ids); empty → every user of the org.',
  ),

  API_KEYS: setting(
    z.string(),
    '[]',
    'JSON array of {name, key | keySha256, scopes, sources} for the HTTP API.',
    true,
  ),
  HTTP_HOST: setting(z.string().min(1), '127.0.0.1', 'Address the HTTP API listens on.'),
  HTTP_PORT: setting(integer(0, 65_535), '3000', 'Port of the HTTP API, Bull Board, /metrics and health.'),
  HTTP_BODY_LIMIT_BYTES: setting(
    integer(256, 10_485_760),
    '16384',
    'Largest request body accepted (413 above).',
  ),
  BULL_BOARD_READ_ONLY: setting(
    boolean(),
    'false',
    'Serve Bull Board read-only (no retry/clean/remove actions).',
  ),
  METRICS_PORT: setting(
    integer(0, 65_535).optional(),
    undefined,
    'Port of /metrics, /healthz and /readyz on their own, in any role (the api role serves them on HTTP_PORT too); unset → not served separately.',
  ),

  WORKER_CONCURRENCY: setting(
    integer(1, 1_000),
    '100',
    'presence-change jobs processed at once per worker process; keep it at least 2 × BATCH_MAX_USERS so batches fill.',
  ),
  BATCH_WINDOW_MS: setting(
    integer(0, 25),
    '25',
    'Micro-batch window: changes ready within it share one bulk PUT.',
  ),
  BATCH_MAX_USERS: setting(integer(1, 50), '50', 'Most users in one bulk presence PUT.'),
  AGENT_LEASE_MS: setting(
    integer(1_000, 600_000),
    '30000',
    'Per-agent in-flight lease: one change per agent at a time.',
  ),
  REQUEST_TTL_SECONDS: setting(
    integer(60, 31_536_000),
    '604800',
    'How long a presence-change request record (status lookup) is kept after its last update.',
  ),
  IDEMPOTENCY_TTL_SECONDS: setting(
    integer(60, 2_592_000),
    '86400',
    'How long an Idempotency-Key (per agent and source) answers with the first request.',
  ),
  OBSERVED_PRESENCE_MAX_AGE_MS: setting(
    integer(0, 600_000),
    '2000',
    "Stale-write guard: trust the agent's last observed presence when younger; else read it from Genesys (bulk GET).",
  ),
  SCHEDULE_CACHE_TTL_SECONDS: setting(
    integer(10, 604_800),
    '900',
    'Lifetime of a schedule timeline the presence worker fetched itself on a cache miss.',
  ),
  OUTBOX_RECOVERY_AFTER_MS: setting(
    integer(1_000, 3_600_000),
    '10000',
    'Accepted requests whose job is not known to be queued after this long are re-enqueued by the worker.',
  ),
  JOB_ATTEMPTS: setting(
    integer(1, 100),
    '8',
    'Attempts of a presence-change job before it fails to the dead-letter queue.',
  ),
  JOB_BACKOFF_MS: setting(integer(10, 600_000), '1000', 'First delay of the exponential retry backoff.'),
  JOB_LOCK_MS: setting(
    integer(5_000, 600_000),
    '30000',
    "Lock of active presence-change and audit jobs (renewed while they run), also the stalled-job check period: a crashed worker's jobs are run again by the others within about twice this.",
  ),
  JOB_KEEP_COMPLETED: setting(integer(0, 1_000_000), '1000', 'Completed jobs kept per queue (count).'),
  JOB_KEEP_COMPLETED_SECONDS: setting(
    integer(0, 31_536_000),
    '86400',
    'Completed jobs kept per queue (age).',
  ),
  JOB_KEEP_FAILED: setting(integer(0, 1_000_000), '10000', 'Failed jobs kept per queue (count).'),
  JOB_KEEP_FAILED_SECONDS: setting(integer(0, 31_536_000), '604800', 'Failed jobs kept per queue (age).'),

  HEARTBEAT_EVERY_MS: setting(integer(1_000, 86_400_000), '60000', 'Heartbeat sweep period.'),
  HEARTBEAT_MODE: setting(
    z.enum(['observe', 'enforce']),
    'observe',
    'observe: report drift; enforce: also re-assert mandatory presences.',
  ),
  SCHEDULE_SYNC_EVERY_MS: setting(
    integer(10_000, 86_400_000),
    '900000',
    'WFM schedule sync period per business unit.',
  ),
  WFM_BUSINESS_UNIT_IDS: setting(idList(), '', 'Business units to sync (comma-separated); empty → all.'),
  FOLLOW_MANAGEMENT_UNIT_IDS: setting(idList(), '', 'Management units whose agents follow their schedule.'),
  FOLLOW_USER_IDS: setting(
    idList(),
    '',
    'Agents who follow their schedule (in addition to the management units).',
  ),
  FOLLOW_LEAD_MS: setting(
    integer(0, 60_000),
    '0',
    'Schedule follower: enqueue this long before each activity boundary.',
  ),
  FOLLOW_TICK_MS: setting(
    integer(1_000, 600_000),
    '15000',
    'Schedule follower safety tick; each boundary also gets its own delayed job, so this bounds lateness only when that job is lost.',
  ),
  FOLLOW_MAX_LATENESS_MS: setting(
    integer(1_000, 3_600_000),
    '300000',
    'Schedule follower: a boundary found later than this (follower down) is skipped, not applied late.',
  ),
  MANDATORY_ACTIVITY_CATEGORIES: setting(
    idList().pipe(z.array(z.enum(ACTIVITY_CATEGORIES))),
    'Break,Meal,Training',
    "Activity categories treated as mandatory: re-asserted by the heartbeat in enforce mode, and followed over an agent's newer manual change.",
  ),
  ROSTER_REFRESH_MS: setting(
    integer(60_000, 86_400_000),
    '3600000',
    'When MANAGED_USER_IDS is empty, the list of all users is re-read from Genesys this often.',
  ),
  SCHEDULE_SEARCH_WAIT_MS: setting(
    integer(1_000, 600_000),
    '30000',
    'Longest wait for a WFM schedule search answered Processing; then the sync job is retried with back-off.',
  ),
  WFM_SEARCH_REQUESTER_ID: setting(
    optionalString(),
    undefined,
    'Id in the notification topic v2.workforcemanagement.users.{id}.schedules.search on which the stream role hears that an async WFM schedule search finished; unset → GENESYS_CLIENT_ID.',
  ),
  WFM_UNIT_LOOKUPS_PER_SYNC: setting(
    integer(0, 100_000),
    '500',
    "Most agents' management-unit lookups one schedule sync makes (only for FOLLOW_MANAGEMENT_UNIT_IDS; cached 24 h).",
  ),

  STREAM_HEARTBEAT_TIMEOUT_MS: setting(
    integer(1_000, 600_000),
    '75000',
    'No message on the notification socket for this long → ping, then reconnect.',
  ),
  LEADER_LEASE_MS: setting(
    integer(1_000, 120_000),
    '10000',
    'Stream leader lease; a standby takes over after it lapses.',
  ),
  BACKFILL_EVERY_MS: setting(integer(10_000, 86_400_000), '3600000', 'Analytics backfill period.'),
  TIMESHEET_DIR: setting(z.string().min(1), 'data/timesheets', 'Folder of the daily timesheet files.'),
  WEBHOOK_URL: setting(optionalUrl(), undefined, 'Time-tracking webhook; unset → no webhook sink.'),
  WEBHOOK_SECRET: setting(
    optionalString(),
    undefined,
    'Shared secret of the webhook X-Signature HMAC.',
    true,
  ),
  WEBHOOK_ATTEMPTS: setting(
    integer(1, 100),
    '8',
    'Webhook delivery attempts before the batch is dead-lettered.',
  ),
  WEBHOOK_BACKOFF_MS: setting(
    integer(10, 600_000),
    '2000',
    'First delay of the exponential back-off between webhook attempts.',
  ),
  WEBHOOK_TIMEOUT_MS: setting(integer(100, 120_000), '10000', 'Timeout of one webhook POST.'),
  WEBHOOK_BATCH_SIZE: setting(integer(1, 5_000), '500', 'Most segments in one webhook POST.'),
  TIMESHEET_FILES: setting(boolean(), 'true', 'Write the daily timesheet files under TIMESHEET_DIR.'),
  TIMESHEET_TIME_ZONE: setting(
    optionalString(),
    undefined,
    "IANA time zone of the timesheet days; unset → the business unit's time zone (first of WFM_BUSINESS_UNIT_IDS), else UTC.",
  ),
  TIMETRACKING_RETENTION_DAYS: setting(
    integer(1, 3_660),
    '45',
    'Segments kept in Redis; older transitions are ignored.',
  ),
  PRESENCE_EVENTS_CONCURRENCY: setting(
    integer(1, 1_000),
    '16',
    'presence-events jobs processed at once per worker process.',
  ),
  STREAM_TOPICS_PER_CHANNEL: setting(
    integer(2, 1_000),
    '1000',
    'Topics per notification channel (Genesys allows 1,000; 20 channels at most).',
  ),
  STREAM_RECONNECT_MIN_MS: setting(
    integer(10, 600_000),
    '1000',
    'First delay before reconnecting a notification socket (exponential, full jitter).',
  ),
  STREAM_RECONNECT_MAX_MS: setting(
    integer(10, 3_600_000),
    '60000',
    'Longest delay between notification reconnect attempts.',
  ),
  STREAM_RENEW_BEFORE_MS: setting(
    integer(1_000, 43_200_000),
    '3600000',
    'Re-subscribe a channel this long before its 24 h expiry (extends it).',
  ),
  BACKFILL_MARGIN_MS: setting(
    integer(0, 3_600_000),
    '60000',
    'Overlap added before and after a stream gap when backfilling it.',
  ),
  BACKFILL_LOOKBACK_MS: setting(
    integer(60_000, 2_678_400_000),
    '86400000',
    'Backfill window on the first start (no stream watermark yet).',
  ),
  BACKFILL_USERS_PER_QUERY: setting(integer(1, 100), '100', 'Agents in one analytics users/details query.'),

  SHUTDOWN_TIMEOUT_MS: setting(
    integer(1_000, 600_000),
    '30000',
    'Longest graceful drain on SIGTERM before exit.',
  ),
} as const;

type Settings = typeof SETTINGS;
export type SettingName = keyof Settings;
export type Config = Readonly<{ [K in SettingName]: z.output<Settings[K]['schema']> }>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; throws ConfigError listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(SETTINGS) as [SettingName, Setting<z.ZodType>][]) {
    const raw = env[name] === undefined || env[name] === '' ? s.default : env[name];
    const result = s.schema.safeParse(raw);
    if (result.success) {
      out[name] = result.data;
    } else {
      const why = result.error.issues.map((i) => i.message).join('; ');
      problems.push(s.secret === true ? `${name}: ${why}` : `${name}=${JSON.stringify(raw)}: ${why}`);
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return Object.freeze(out) as Config;
}

/** The table of docs/configuration.md, generated from SETTINGS. */
export function renderConfigMarkdown(): string {
  const lines = [
    '# Configuration',
    '',
    'Every setting is an environment variable. This table is generated by `presence-worker config --markdown`',
    'from the schema in `src/config.ts`; a unit test fails if the two disagree.',
    '',
    '| name | default | description |',
    '|---|---|---|',
  ];
  for (const [name, s] of Object.entries(SETTINGS) as [SettingName, Setting<z.ZodType>][]) {
    const def = s.default === undefined ? '(unset)' : s.default === '' ? '(empty)' : `\`${s.default}\``;
    lines.push(`| \`${name}\` | ${def} | ${s.description.replace(/\|/g, '\\|')} |`);
  }
  return `${lines.join('\n')}\n`;
}
