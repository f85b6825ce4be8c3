import { parseArgs } from 'node:util';
import { loadCliConfig } from './load-cli-config';
import { connectPresenceProducer } from '../jobs/connect-presence-producer';
import { createLogger } from '../logger';

const USAGE = `usage:
  presence-worker enqueue --user ID --presence NAME_OR_ID [--message TEXT] [--reason TEXT]
                          [--if-version N] [--force] [--source NAME] [--requested-by WHO]
                          [--idempotency-key KEY] [--not-before ISO]

Asks for a presence change through the pipeline (the same checks as the HTTP API) and prints
{"requestId", "version", "status", "replayed"} as JSON. Follow it with GET /v1/requests/{requestId}.
--presence takes a definition id or a system/secondary presence name in any spelling (On Queue, ON_QUEUE, Break).
--source defaults to "cli"; --force is honoured only for the policy's privileged sources.
exit codes: 0 accepted (or replayed), 2 bad usage or configuration, 3 refused (invalid, unknown presence,
version conflict, idempotency mismatch, force not permitted), 1 Redis or Genesys unavailable.
`;

const OPTIONS = {
  user: { type: 'string' },
  presence: { type: 'string' },
  message: { type: 'string' },
  reason: { type: 'string' },
  'if-version': { type: 'string' },
  force: { type: 'boolean' },
  source: { type: 'string' },
  'requested-by': { type: 'string' },
  'idempotency-key': { type: 'string' },
  'not-before': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const REFUSALS = new Set([
  'VALIDATION_FAILED',
  'UNKNOWN_PRESENCE',
  'VERSION_CONFLICT',
  'IDEMPOTENCY_MISMATCH',
  'FORCE_NOT_PERMITTED',
]);

/** `presence-worker enqueue`: see USAGE. */
export async function run(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.user === undefined || values.presence === undefined) {
    process.stderr.write(`--user and --presence are required\n\n${USAGE}`);
    return 2;
  }
  const ifVersion = values['if-version'];
  if (ifVersion !== undefined && !/^\d{1,15}$/.test(ifVersion)) {
    process.stderr.write(`--if-version must be a non-negative integer, got "${ifVersion}"\n`);
    return 2;
  }

  const config = loadCliConfig();
  if (config === undefined) {
    return 2;
  }
  // stdout carries the answer; logs go to stderr.
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'presence-worker-enqueue' }, process.stderr);
  let producer;
  try {
    producer = await connectPresenceProducer(config, { logger });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    process.stderr.write(`${(err as Error).message}\n`);
    return code === 'GENESYS_CONFIG' || code === 'POLICY_INVALID' ? 2 : 1;
  }
  try {
    const result = await producer.enqueuePresenceChange({
      userId: values.user,
      presence: values.presence,
      source: values.source ?? 'cli',
      ...(values.message === undefined ? {} : { message: values.message }),
      ...(values.reason === undefined ? {} : { reason: values.reason }),
      ...(values['requested-by'] === undefined ? {} : { requestedBy: values['requested-by'] }),
      ...(ifVersion === undefined ? {} : { expectedVersion: Number(ifVersion) }),
      ...(values.force === true ? { force: true } : {}),
      ...(values['idempotency-key'] === undefined ? {} : { idempotencyKey: values['idempotency-key'] }),
      ...(values['not-before'] === undefined ? {} : { notBefore: values['not-before'] }),
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown; details?: unknown };
    const code = typeof e.code === 'string' ? e.code : 'ERROR';
    process.stderr.write(
      `${JSON.stringify({ code, message: typeof e.message === 'string' ? e.message : String(err), details: e.details })}\n`,
    );
    return REFUSALS.has(code) ? 3 : 1;
  } finally {
    await producer.close();
  }
}
