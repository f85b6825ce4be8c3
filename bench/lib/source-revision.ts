import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** `abc1234` or `abc1234 + uncommitted changes in src/`: which code a result belongs to. */
export async function sourceRevision(cwd: string): Promise<string> {
  const run = promisify(execFile);
  try {
    const head = (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd })).stdout.trim();
    const dirty = (await run('git', ['status', '--porcelain', '--', 'src'], { cwd })).stdout.trim();
    return dirty === '' ? head : `${head} + uncommitted changes in src/`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
