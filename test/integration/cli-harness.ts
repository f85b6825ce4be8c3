import type { PipelineHarness } from './pipeline-harness';

/** The environment a CLI command run in process needs to reach the harness's Redis prefix and emulator. */
export function cliEnv(h: PipelineHarness): Record<string, string> {
  return {
    REDIS_URL: h.config.REDIS_URL,
    QUEUE_PREFIX: h.prefix,
    ...h.emulator.genesysEnv,
    LOG_LEVEL: 'silent',
  };
}

/** Runs a CLI command's `run(args)` in process with stdout and stderr captured. */
export async function captureCli(
  run: (args: string[]) => Promise<number>,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    return { code: await run(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
