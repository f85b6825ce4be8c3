import { parseArgs } from 'node:util';
import { ConfigError } from '../config';
import { runDemo } from '../demo/run-demo';

const USAGE = `usage: presence-worker demo [--seconds N] [--agents 100] [--port 3000] [--rate 10]

Starts the Genesys Cloud emulator with a seeded org, every role in this process, the JSONL audit and a traffic
generator; prints the URLs of the API, Bull Board and metrics, then a summary line every few seconds.
Uses the Redis at REDIS_URL, or starts a private redis-server when none answers. Ctrl-C (or --seconds) stops it.
`;

function count(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) {
    return undefined;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`--${name} must be an integer >= ${min} (got "${raw}")`);
  }
  return value;
}

/** `presence-worker demo`: see USAGE. */
export async function run(argv: string[]): Promise<number> {
  let options;
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        seconds: { type: 'string' },
        agents: { type: 'string' },
        port: { type: 'string' },
        rate: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help === true) {
      process.stdout.write(USAGE);
      return 0;
    }
    options = {
      seconds: count('seconds', values.seconds, 1),
      agents: count('agents', values.agents, 1),
      port: count('port', values.port, 0),
      rate: count('rate', values.rate, 1),
    };
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }

  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await runDemo({
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
      out: process.stdout,
      env: process.env,
      signal: abort.signal,
    });
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
