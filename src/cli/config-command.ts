import { ConfigError, loadConfig, renderConfigMarkdown, SETTINGS } from '../config';

/** `presence-worker config [--markdown | --check]`: print the settings table, or check the environment. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--markdown')) {
    process.stdout.write(renderConfigMarkdown());
    return 0;
  }
  try {
    const config = loadConfig();
    for (const [name, s] of Object.entries(SETTINGS)) {
      const raw = config[name as keyof typeof config];
      const value = s.secret === true ? (raw === undefined ? 'undefined' : '[set]') : JSON.stringify(raw);
      process.stdout.write(`${name}=${value}\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
