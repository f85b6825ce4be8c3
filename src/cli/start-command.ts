import { parseArgs } from 'node:util';
import { loadCliConfig } from './load-cli-config';
import { createLogger } from '../logger';
import { buildService } from '../service/build-service';
import { untilShutdown } from '../service/graceful-shutdown';
import { parseRoles, ROLES, type Role } from '../service/roles';

const USAGE = `usage: presence-worker start [--role ${ROLES.join('|')}|all]

  --role   one role, a comma list (api,worker) or all (default: all)

Configuration comes from the environment (presence-worker config lists it). SIGTERM/SIGINT drain and stop
within SHUTDOWN_TIMEOUT_MS. Under PM2 the process sends 'ready' once every component has started.
`;

/** `presence-worker start --role …`: runs the service until SIGTERM/SIGINT. */
export async function run(argv: string[]): Promise<number> {
  let roles: readonly Role[];
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: { role: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help === true) {
      process.stdout.write(USAGE);
      return 0;
    }
    roles = parseRoles(values.role ?? ['all']);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }

  const config = loadCliConfig();
  if (config === undefined) {
    return 2;
  }

  const logger = createLogger({ level: config.LOG_LEVEL });
  let service;
  try {
    service = await buildService(config, { roles, logger });
    await service.start();
  } catch (err) {
    logger.fatal({ err }, 'could not start');
    return 1;
  }
  if (service.httpUrl !== undefined) {
    logger.info({ url: service.httpUrl }, 'listening');
  }
  // Signal handlers first, then 'ready': PM2 (`wait_ready`) may stop this instance the moment it is ready.
  const shutdown = untilShutdown(() => service.stop(), { logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
  // A bug that escapes every handler: log it, then drain and stop like on SIGTERM, and exit non-zero.
  let crashed = false;
  const crash = (err: unknown): void => {
    logger.fatal({ err }, 'uncaught error: shutting down');
    if (!crashed) {
      crashed = true;
      process.kill(process.pid, 'SIGTERM');
    }
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  process.send?.('ready');
  const code = await shutdown;
  process.off('uncaughtException', crash);
  process.off('unhandledRejection', crash);
  return crashed ? 1 : code;
}
