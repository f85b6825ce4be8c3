import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { hookPath } from './ts-hook';
import { runBounded } from './bounded-pool';
import { diffCpu, snapshotCpu, type CpuUse } from './cpu-accounting';
import { unfinishedJobs, waitUntil } from './wait-until';
import { ChildNode } from './worker-process';

export interface NoopCeilingOptions {
  redis: Redis;
  redisUrl: string;
  prefix: string;
  jobs: number;
  processes: number;
  /** Jobs at once per worker process (the service's WORKER_CONCURRENCY). */
  concurrency: number;
  /** Producer calls in flight (the same as the pipeline run's). */
  producerConcurrency: number;
  /** The job options of a presence-change job (retention, attempts), so both runs store the same. */
  jobOptions: Omit<JobsOptions, 'jobId'>;
  logDir: string;
  /** Stops adding jobs when aborted (an interrupted bench). */
  signal?: AbortSignal;
}

export interface NoopCeilingResult {
  processes: number;
  jobs: number;
  seconds: number;
  jobsPerSecond: number;
  enqueueSeconds: number;
  cpu: CpuUse;
}

/**
 * The ceiling of `throughput`: the same producer loop adds `jobs` jobs shaped like presence-change jobs
 * (`{userId, version, requestId}`, job id = request id, same retention) to a queue of its own, and `processes`
 * child processes with a no-op BullMQ worker complete them. Jobs/s from the first add to the queue being empty.
 */
export async function measureNoopCeiling(options: NoopCeilingOptions): Promise<NoopCeilingResult> {
  const queueName = `noop-${randomBytes(3).toString('hex')}`;
  const queue = new Queue(queueName, { connection: options.redis, prefix: options.prefix });
  const children: ChildNode[] = [];
  try {
    for (let i = 0; i < options.processes; i += 1) {
      children.push(
        await ChildNode.start({
          label: `noop-worker-${i}`,
          args: ['--require', hookPath, path.join(__dirname, 'noop-worker-child.ts')],
          env: {
            BENCH_REDIS_URL: options.redisUrl,
            BENCH_PREFIX: options.prefix,
            BENCH_QUEUE: queueName,
            BENCH_CONCURRENCY: String(options.concurrency),
          },
          logFile: path.join(options.logDir, `noop-worker-${i}.log`),
        }),
      );
    }
    const pids = Object.fromEntries(children.map((c, i) => [`worker ${i}`, c.pid]));
    const cpuBefore = await snapshotCpu(options.redis, pids);
    const started = performance.now();
    await runBounded(
      options.jobs,
      options.producerConcurrency,
      async (i) => {
        const requestId = `u${i % 10_000}.${i.toString(36)}${randomBytes(8).toString('hex')}`;
        await queue.add(
          'noop',
          { userId: `u${i % 10_000}`, version: 1, requestId },
          { ...options.jobOptions, jobId: requestId },
        );
      },
      options.signal,
    );
    const enqueued = performance.now();
    const finished = await waitUntil(async () => (await unfinishedJobs(queue)) === 0, {
      timeoutMs: 120_000,
      what: 'the no-op workers to empty the queue',
    });
    const seconds = (finished - started) / 1000;
    const cpu = diffCpu(cpuBefore, await snapshotCpu(options.redis, pids));
    return {
      processes: options.processes,
      jobs: options.jobs,
      seconds,
      jobsPerSecond: options.jobs / seconds,
      enqueueSeconds: (enqueued - started) / 1000,
      cpu,
    };
  } finally {
    await Promise.allSettled(children.map((c) => c.stop()));
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}
