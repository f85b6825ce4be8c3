/**
 * Runs `task(i)` for i = 0..count-1 with at most `concurrency` in flight (a producer loop that keeps the pipe full
 * without queuing 50,000 promises at once). Rejects with the first error after the in-flight tasks settle, or
 * once `signal` is aborted (no new task starts).
 */
export async function runBounded(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failure: unknown;
  const lane = async (): Promise<void> => {
    while (failure === undefined) {
      if (signal?.aborted === true) {
        failure = new Error('aborted');
        return;
      }
      const i = next;
      next += 1;
      if (i >= count) {
        return;
      }
      try {
        await task(i);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, lane));
  if (failure !== undefined) {
    throw failure;
  }
}
