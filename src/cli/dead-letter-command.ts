import { parseArgs } from 'node:util';
import { Queue, type Job } from 'bullmq';
import type { Config } from '../config';
import { loadCliConfig } from './load-cli-config';
import { connectPresenceProducer, whenReady } from '../jobs/connect-presence-producer';
import { PRESENCE_DEAD_LETTER_QUEUE } from '../jobs/queue-names';
import { createLogger } from '../logger';
import { closeRedis, createRedis } from '../redis';
import type { DeadLetterEntry } from '../workers/dead-letter';

const USAGE = `usage:
  presence-worker dead-letter list [--limit N]
  presence-worker dead-letter redrive (--request REQUEST_ID ... | --all) [--code CODE] [--dry-run]

list     the dead-lettered presence-change jobs (oldest first, at most --limit, default 100), one JSON object a
         line: {jobId, requestId, userId, version, code, reason, attemptsMade, failedAt}.
redrive  asks again for the change of each chosen entry (--request, repeatable; or --all, narrowed by --code):
         a new request with the failed one's agent, presence, message, source, requestedBy and force, the reason
         "re-drive of <requestId>", If-Match the failed request's version — so a change asked after it is never
         overridden — and the idempotency key "redrive-<requestId>", so running it twice asks once. A re-driven
         entry leaves the dead-letter queue; one whose agent has had a newer request since ("superseded"), whose
         request record has expired ("expired", after REQUEST_TTL_SECONDS) or that has no request ("no-request",
         an invalid job) stays, and is reported. --dry-run reports what it would do and changes nothing.
         One JSON object a line: {requestId, result, ...}.
exit codes: 0 done (every chosen entry reported), 2 bad usage or configuration, 1 Redis unavailable or a request
was refused for another reason (reported on its line).
`;

const OPTIONS = {
  limit: { type: 'string' },
  request: { type: 'string', multiple: true },
  all: { type: 'boolean' },
  code: { type: 'string' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
type DeadLetterJob = Job<DeadLetterEntry>;

/** `presence-worker dead-letter`: see USAGE. */
export async function run(argv: string[]): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: OPTIONS,
      strict: true,
      allowPositionals: true,
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [action, ...extra] = positionals;
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  const problem =
    action !== 'list' && action !== 'redrive'
      ? 'say list or redrive'
      : extra.length > 0
        ? `unexpected argument "${extra[0] ?? ''}"`
        : !Number.isInteger(limit) || limit < 1 || limit > 100_000
          ? `--limit must be a whole number from 1 to 100000, got "${values.limit ?? ''}"`
          : action === 'redrive' && (values.all === true) === (values.request !== undefined)
            ? 'redrive needs either --request REQUEST_ID (repeatable) or --all'
            : undefined;
  if (problem !== undefined) {
    process.stderr.write(`${problem}\n\n${USAGE}`);
    return 2;
  }
  const config = loadCliConfig();
  if (config === undefined) {
    return 2;
  }
  const redis = createRedis(config, 'producer', 'presence-worker:dead-letter');
  const queue = new Queue<DeadLetterEntry>(PRESENCE_DEAD_LETTER_QUEUE, {
    connection: redis,
    prefix: config.QUEUE_PREFIX,
  });
  try {
    await whenReady(redis, 5_000);
    const jobs = (await queue.getJobs(['waiting'], 0, limit - 1, true)) as DeadLetterJob[];
    if (action === 'list') {
      for (const job of jobs) {
        process.stdout.write(`${JSON.stringify(job.data)}\n`);
      }
      return 0;
    }
    const wanted = new Set(values.request ?? []);
    const chosen = jobs.filter(
      (j) =>
        (values.all === true || (j.data.requestId !== undefined && wanted.has(j.data.requestId))) &&
        (values.code === undefined || j.data.code === values.code),
    );
    for (const id of wanted) {
      if (!chosen.some((j) => j.data.requestId === id)) {
        process.stdout.write(`${JSON.stringify({ requestId: id, result: 'not-found' })}\n`);
      }
    }
    return await redrive(config, chosen, values['dry-run'] === true);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  } finally {
    await queue.close();
    await closeRedis(redis);
  }
}
/**
 * Re-drives each chosen entry (see USAGE) through a producer of its own; one line per entry on stdout. The
 * If-Match on the failed request's version makes it safe against a change asked meanwhile.
 */
async function redrive(config: Config, chosen: DeadLetterJob[], dryRun: boolean): Promise<number> {
  if (chosen.length === 0) {
    return 0;
  }
  // stdout carries the answer; logs go to stderr.
  const logger = createLogger(
    { level: config.LOG_LEVEL, name: 'presence-worker-dead-letter' },
    process.stderr,
  );
  const producer = await connectPresenceProducer(config, { logger });
  let exit = 0;
  try {
    for (const job of chosen) {
      const { requestId } = job.data;
      const say = (fields: Record<string, unknown>) =>
        process.stdout.write(`${JSON.stringify({ requestId, jobId: job.id, ...fields })}\n`);
      if (requestId === undefined) {
        say({ result: 'no-request', code: job.data.code });
        continue;
      }
      const failed = await producer.getRequestStatus(requestId);
      if (failed === undefined) {
        say({ result: 'expired' });
        continue;
      }
      if (dryRun) {
        // What the compare-and-set below would say, read without writing.
        const view = await producer.getAgentView(failed.userId);
        say(
          view !== undefined && view.version !== failed.version
            ? { result: 'superseded', agentVersion: view.version, failedVersion: failed.version }
            : { result: 'would-redrive', userId: failed.userId, presence: failed.presence.id },
        );
        continue;
      }
      try {
        const answer = await producer.enqueuePresenceChange({
          userId: failed.userId,
          presence: failed.presence.id,
          source: failed.source,
          reason: `re-drive of ${requestId}`,
          expectedVersion: failed.version,
          idempotencyKey: `redrive-${requestId}`,
          ...(failed.message === undefined ? {} : { message: failed.message }),
          ...(failed.requestedBy === undefined ? {} : { requestedBy: failed.requestedBy }),
          ...(failed.force ? { force: true } : {}),
        });
        await job.remove();
        say({ result: answer.replayed ? 'replayed' : 'redriven', newRequestId: answer.requestId });
      } catch (err) {
        const e = err as { code?: unknown; message?: unknown; details?: { currentVersion?: unknown } };
        if (e.code === 'VERSION_CONFLICT') {
          // The agent has had a newer request since: the If-Match keeps it.
          say({
            result: 'superseded',
            agentVersion: e.details?.currentVersion,
            failedVersion: failed.version,
          });
        } else {
          exit = 1;
          say({ result: 'refused', code: e.code, message: typeof e.message === 'string' ? e.message : '' });
        }
      }
    }
  } finally {
    await producer.close();
  }
  return exit;
}
