/**
 * A child process running a no-op BullMQ worker (the throughput ceiling): takes jobs of one queue and completes
 * them without doing anything. Configured by environment: BENCH_REDIS_URL, BENCH_PREFIX, BENCH_QUEUE,
 * BENCH_CONCURRENCY. Sends `ready` over IPC once connected; SIGTERM closes the worker and exits.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`${name} is not set`);
  }
  return value;
}

async function main(): Promise<void> {
  const connection = new Redis(required('BENCH_REDIS_URL'), { maxRetriesPerRequest: null });
  const worker = new Worker(required('BENCH_QUEUE'), async () => undefined, {
    connection,
    prefix: required('BENCH_PREFIX'),
    concurrency: Number(required('BENCH_CONCURRENCY')),
  });
  worker.on('error', (err) => process.stderr.write(`noop worker error: ${err.message}\n`));
  await worker.waitUntilReady();
  process.send?.('ready');
  const stop = (): void => {
    void worker
      .close()
      .then(() => connection.quit())
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
