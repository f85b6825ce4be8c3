import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  DEFAULT_PRESENCE_POLICY,
  parsePresencePolicy,
  PolicyInvalidError,
  type PresencePolicy,
} from '../policy/presence-policy';

/**
 * Loads the presence policy from `POLICY_FILE` (JSON, or YAML for `.yaml`/`.yml`), zod-validated; unset → the
 * documented default policy (docs/policy.md). A bad file stops start-up with every problem listed.
 */
export async function loadPresencePolicy(path: string | undefined): Promise<PresencePolicy> {
  if (path === undefined) {
    return DEFAULT_PRESENCE_POLICY;
  }
  const text = await readFile(path, 'utf8');
  let document: unknown;
  try {
    document = ['.yaml', '.yml'].includes(extname(path).toLowerCase()) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new PolicyInvalidError([
      `${path}: not valid ${extname(path) === '.json' ? 'JSON' : 'JSON or YAML'} (${(err as Error).message})`,
    ]);
  }
  return parsePresencePolicy(document);
}
