import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchContext } from './bench-run';
import { withBenchStack } from './bench-stack';
import { runBounded } from './bounded-pool';
import { EmulatorProcess, sumCalls } from './emulator-process';
import { diffCpu, snapshotCpu, type CpuUse } from './cpu-accounting';
import { auditDirOf } from './service-env';
import { SelfProfile } from './self-profile';
import { serviceMetricsRows } from './service-metrics';
import { profileDir, scrapeAll } from './service-processes';
import { waitForOutcomes } from './wait-for-outcomes';
import type { ChildNode } from './worker-process';

export interface LoadRunOptions {
  label: string;
  requests: number;
  agents: number;
  workers: number;
  /** Producer calls in flight. */
  producerConcurrency: number;
  /** Longest wait for every outcome after the last enqueue. */
  timeoutMs: number;
  /** More Node flags for the service processes. */
  nodeFlags?: readonly string[];
  /** Called with the service processes once they are ready, before the load (memory sampling). */
  afterStart?: (processes: readonly ChildNode[]) => Promise<void>;
  /** Called with the service processes once everything is audited, before they stop (memory sampling). */
  beforeStop?: (processes: readonly ChildNode[], emulator: EmulatorProcess) => Promise<void>;
}

export interface LoadRunResult {
  label: string;
  workers: number;
  requests: number;
  agents: number;
  enqueueSeconds: number;
  seconds: number;
  rps: number;
  outcomes: Record<string, number>;
  auditRecords: number;
  chainOk: boolean;
  calls: number;
  callsByRoute: Record<string, number>;
  /** CPU of Redis and of each process from the first enqueue to the last outcome stored. */
  cpu: CpuUse;
  /** The service processes' own /metrics after the run (summed). */
  serviceMetrics: Array<[string, string, number, number]>;
}

/**
 * A throughput load: `requests` presence changes over `agents` agents (request i goes to agent i mod agents,
 * alternating two presences the agent's schedule allows, so every agent gets requests spread over the run), fed
 * by the in-process producer as fast as `producerConcurrency` calls in flight allow, into `workers` service
 * processes; the emulator answers without latency or rate limit. Timed from the first enqueue until every request
 * has its terminal outcome in the audit log.
 */
export async function runLoad(ctx: BenchContext, options: LoadRunOptions): Promise<LoadRunResult> {
  const stack = {
    label: options.label,
    emulator: { agents: options.agents, rateLimitPerMinute: 1_000_000_000, latencyMs: 0, seed: 42 },
    overrides: { GENESYS_RATE_BUDGET_PER_MINUTE: '100000' },
    agents: options.agents,
    source: 'crm',
    horizonMs: 10 * 60_000,
    workers: options.workers,
    nodeFlags: options.nodeFlags,
  };
  return withBenchStack(ctx, stack, async ({ emulator, env, producer, targets, workers: processes }) => {
    const agents = targets.agentIds.filter((id) => targets.second.has(id));
    if (agents.length < options.agents * 0.9) {
      throw new Error(
        `only ${agents.length} of ${options.agents} agents have two presences their schedule allows`,
      );
    }
    await options.afterStart?.(processes);
    await emulator.resetCalls();
    ctx.log(
      `${options.label}: ${options.requests} requests over ${agents.length} agents, ${options.workers} worker process(es)`,
    );

    const pids: Record<string, number> = { emulator: emulator.pid };
    processes.forEach((child, i) => {
      pids[`worker ${i}`] = child.pid;
    });
    const cpuBefore = await snapshotCpu(ctx.redis, pids);
    const selfProfile = ctx.options.profile === true ? await SelfProfile.start() : undefined;
    const requestIds: string[] = new Array<string>(options.requests);
    const started = performance.now();
    const p = producer;
    await runBounded(
      options.requests,
      options.producerConcurrency,
      async (i) => {
        const userId = agents[i % agents.length]!;
        const lap = Math.floor(i / agents.length);
        const result = await p.producer.enqueuePresenceChange({
          userId,
          presence: (lap % 2 === 0 ? targets.first : targets.second).get(userId),
          source: 'crm',
          reason: 'throughput benchmark',
        });
        requestIds[i] = result.requestId;
      },
      ctx.signal,
    );
    const enqueued = performance.now();
    ctx.log(`${options.label}: enqueued in ${((enqueued - started) / 1000).toFixed(1)} s`);
    const done = await waitForOutcomes({
      presenceQueue: producer.presenceQueue,
      auditQueue: producer.auditQueue,
      auditDir: auditDirOf(env),
      requestIds,
      timeoutMs: options.timeoutMs,
      pollMs: 20,
      onProgress: (m) => ctx.log(`${options.label}: ${m}`),
    });
    const cpu = diffCpu(cpuBefore, await snapshotCpu(ctx.redis, pids));
    const serviceMetrics = serviceMetricsRows(await scrapeAll(processes));
    await selfProfile?.stop(path.join(profileDir(ctx.runDir), `bench-process-${options.label}.cpuprofile`));
    const callsByRoute = await emulator.calls();
    const seconds = (done.at - started) / 1000;
    const result: LoadRunResult = {
      label: options.label,
      workers: options.workers,
      requests: options.requests,
      agents: agents.length,
      enqueueSeconds: (enqueued - started) / 1000,
      seconds,
      rps: options.requests / seconds,
      outcomes: done.byOutcome,
      auditRecords: done.totalRecords,
      chainOk: done.chainOk,
      calls: sumCalls(callsByRoute),
      callsByRoute,
      cpu,
      serviceMetrics,
    };
    ctx.log(
      `${options.label}: ${result.rps.toFixed(0)} requests/s (${seconds.toFixed(1)} s), outcomes ${JSON.stringify(done.byOutcome)}, ${result.calls} Genesys calls`,
    );
    await options.beforeStop?.(processes, emulator);
    return result;
  });
}
