import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config';

export interface ServiceEnvOptions {
  redisUrl: string;
  prefix: string;
  /** The emulator (`http://127.0.0.1:<port>`): both the API and the login base URL. */
  emulatorUrl: string;
  clientId: string;
  clientSecret: string;
  /** Folder of this run (JSONL audit and timesheets go below it). */
  runDir: string;
  /** Settings that differ from the defaults for this benchmark. */
  overrides?: Record<string, string>;
}

/**
 * The environment of the service processes of one benchmark run: the production defaults of src/config.ts except
 * what a benchmark must point elsewhere (Redis prefix, emulator, audit and timesheet folders, quiet logs) and the
 * overrides it states in its BENCHMARKS.md setup.
 */
export async function serviceEnv(options: ServiceEnvOptions): Promise<Record<string, string>> {
  const auditDir = path.join(options.runDir, `audit-${options.prefix}`);
  const timesheetDir = path.join(options.runDir, `timesheets-${options.prefix}`);
  await mkdir(auditDir, { recursive: true });
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: options.prefix,
    GENESYS_API_BASE_URL: options.emulatorUrl,
    GENESYS_LOGIN_BASE_URL: options.emulatorUrl,
    GENESYS_CLIENT_ID: options.clientId,
    GENESYS_CLIENT_SECRET: options.clientSecret,
    AUDIT_DIR: auditDir,
    TIMESHEET_DIR: timesheetDir,
    TIMESHEET_FILES: 'false',
    ...options.overrides,
  };
  // Fail here, with the variable named, rather than in a child process.
  loadConfig(env);
  return env;
}

/** The typed config of that environment (for in-process producers and clients of the bench). */
export function configOf(env: Record<string, string>): Config {
  return loadConfig(env);
}

/** The audit folder of an environment made by {@link serviceEnv}. */
export function auditDirOf(env: Record<string, string>): string {
  const dir = env.AUDIT_DIR;
  if (dir === undefined) {
    throw new Error('AUDIT_DIR missing from the service environment');
  }
  return dir;
}
