import { AppError } from '../app-error';

/** The roles one `presence-worker` process can play (ARCHITECTURE.md §3). */
export const ROLES = ['api', 'worker', 'stream', 'scheduler'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Parses `--role`: one role, a comma list (`api,worker`), or `all`. Order and duplicates do not matter;
 * the result is in the canonical order above.
 */
export function parseRoles(value: string | readonly string[]): readonly Role[] {
  const parts = (typeof value === 'string' ? [value] : value)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v.length > 0);
  if (parts.length === 0) {
    throw new AppError('INVALID_ROLE', `--role needs one of ${ROLES.join(', ')} or all`);
  }
  const unknown = parts.filter((p) => p !== 'all' && !(ROLES as readonly string[]).includes(p));
  if (unknown.length > 0) {
    throw new AppError(
      'INVALID_ROLE',
      `unknown role(s) ${unknown.map((u) => `"${u}"`).join(', ')}; use ${ROLES.join(', ')} or all`,
    );
  }
  if (parts.includes('all')) {
    return ROLES;
  }
  return ROLES.filter((r) => parts.includes(r));
}
