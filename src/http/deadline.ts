import { AppError } from '../app-error';

/**
 * Bounds a dependency call made while an HTTP client waits: past `ms` the caller gets a
 * `DEPENDENCY_TIMEOUT` (→ 503) instead of a hanging request. The work itself is not cancelled; its late
 * result or error is ignored.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new AppError('DEPENDENCY_TIMEOUT', `${what} did not answer within ${ms} ms`, { httpStatus: 503 }),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined);
  }
}
