import { ConfigError, loadConfig, type Config } from '../config';

/**
 * The service's configuration from the environment for a CLI command, or `undefined` after writing what is wrong
 * with it to stderr (the command then exits with 2). Other errors are thrown.
 */
export function loadCliConfig(): Config | undefined {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return undefined;
    }
    throw err;
  }
}
