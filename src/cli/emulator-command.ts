import { parseArgs } from 'node:util';
import type { EmulatorOptions } from '../emulator/emulator-options';
import { startEmulator } from '../emulator/start-emulator';

const USAGE = `usage: presence-worker emulator [--host 127.0.0.1] [--port 8787] [--public-url URL]
       [--agents 200] [--seed 42] [--rate-limit 300]
       [--token-ttl 86400] [--client-id ID --client-secret SECRET] [--heartbeat-ms 30000] [--latency-ms 0]
       [--time-zone America/New_York]
`;

function integer(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) {
    return undefined;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`--${name} must be an integer >= ${min} (got "${raw}")`);
  }
  return value;
}

export function parseEmulatorArgs(argv: string[]): EmulatorOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'public-url': { type: 'string' },
      agents: { type: 'string' },
      seed: { type: 'string' },
      'rate-limit': { type: 'string' },
      'token-ttl': { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'heartbeat-ms': { type: 'string' },
      'latency-ms': { type: 'string' },
      'time-zone': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    return 'help';
  }
  if (values.host !== undefined && values.host.trim() === '') {
    throw new RangeError('--host must not be empty');
  }
  const options: EmulatorOptions = {
    host: values.host,
    port: integer('port', values.port, 0) ?? 8787,
    publicUrl: values['public-url'],
    agents: integer('agents', values.agents, 1),
    seed: integer('seed', values.seed, 0),
    rateLimitPerMinute: integer('rate-limit', values['rate-limit'], 1),
    tokenTtlSeconds: integer('token-ttl', values['token-ttl'], 1),
    heartbeatMs: integer('heartbeat-ms', values['heartbeat-ms'], 1),
    latencyMs: integer('latency-ms', values['latency-ms'], 0),
    clientId: values['client-id'],
    clientSecret: values['client-secret'],
    timeZone: values['time-zone'],
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as EmulatorOptions;
}

/** `presence-worker emulator …`: serves the Genesys Cloud emulator until SIGINT/SIGTERM. */
export async function run(argv: string[]): Promise<number> {
  let options: EmulatorOptions | 'help';
  try {
    options = parseEmulatorArgs(argv);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const emulator = await startEmulator(options);
  process.stdout.write(
    [
      `Genesys Cloud emulator listening on http://${options.host ?? '127.0.0.1'}:${emulator.port}`,
      `  login and API base URL: ${emulator.url}  (GENESYS_API_BASE_URL / GENESYS_LOGIN_BASE_URL)`,
      `  client id:     ${emulator.clientId}`,
      `  client secret: ${options.clientSecret === undefined ? emulator.clientSecret : '(as given by --client-secret)'}`,
      `  agents: ${emulator.admin.agentIds().length}, business unit: ${emulator.admin.org().businessUnit.id}`,
      `  admin API: ${emulator.url}/__emulator`,
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await emulator.close();
  process.stdout.write('emulator stopped\n');
  return 0;
}
