/**
 * Entry point of the `presence-worker` binary: dispatches a sub-command to `src/cli/<name>-command.ts`.
 * Commands are loaded lazily so `presence-worker emulator` does not load the worker stack.
 */
type CommandModule = { run(argv: string[]): Promise<number> };

const COMMANDS: Record<string, { describe: string; load: () => Promise<CommandModule> }> = {
  config: {
    describe: 'print the settings (--markdown: the docs table)',
    load: () => import('./cli/config-command'),
  },
  emulator: { describe: 'serve the Genesys Cloud emulator', load: () => import('./cli/emulator-command') },
  audit: { describe: 'audit log: verify | export | retention', load: () => import('./cli/audit-command') },
  demo: {
    describe: 'run everything against the emulator with generated traffic',
    load: () => import('./cli/demo-command'),
  },
  start: {
    describe: 'run the service (--role api,worker,stream,scheduler | all)',
    load: () => import('./cli/start-command'),
  },
  timesheet: {
    describe: 'print a day of time tracking (--date YYYY-MM-DD [--format csv|jsonl])',
    load: () => import('./cli/timesheet-command'),
  },
  enqueue: {
    describe: 'ask for a presence change (--user ID --presence NAME_OR_ID …)',
    load: () => import('./cli/enqueue-command'),
  },
  'dead-letter': {
    describe: 'failed presence changes: list | redrive (--request ID | --all)',
    load: () => import('./cli/dead-letter-command'),
  },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.describe}`);
  return `usage: presence-worker <command> [options]\n\ncommands:\n${rows.join('\n')}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const module = await command.load();
  return module.run(rest);
}

if (require.main === module || process.argv[1]?.endsWith('presence-worker.js') === true) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
