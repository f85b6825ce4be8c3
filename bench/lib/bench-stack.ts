import path from 'node:path';
import type { Config } from '../../src/config';
import { prepareAgents, type AgentTargets } from './agent-targets';
import { BenchProducer } from './bench-producer';
import { serviceOverrides, type BenchContext } from './bench-run';
import { EmulatorProcess, type EmulatorProcessOptions } from './emulator-process';
import { configOf, serviceEnv } from './service-env';
import { startServiceProcesses, stopAll } from './service-processes';
import type { ChildNode } from './worker-process';

export interface BenchStackOptions {
  /** Names the run: Redis sub-prefix `<label>-`, `emulator-<label>.log`, `worker-<label>-<i>.log`. */
  label: string;
  /** The emulator's org and behaviour (agents, rate limit, latency, seed). */
  emulator: EmulatorProcessOptions & { agents: number };
  /** Service settings for this bench, before the command line's `--set KEY=VALUE` ones. */
  overrides?: Record<string, string>;
  /** Agents whose schedules are cached and whose targets are worked out (the first `agents` of the org). */
  agents: number;
  /** The requests' source (the policy may treat sources differently). */
  source: string;
  /** Targets must be allowed by the schedule over this long from now (see prepareAgents). */
  horizonMs?: number;
  /** `presence-worker start --role worker` processes to start (0: none, only the producer). */
  workers: number;
  /** More Node flags for the worker processes. */
  nodeFlags?: readonly string[];
}

/** What a benchmark run works with; stopped by {@link withBenchStack} whatever happens. */
export interface BenchStack {
  prefix: string;
  emulator: EmulatorProcess;
  /** The service processes' environment (and so its settings). */
  env: Record<string, string>;
  config: Config;
  producer: BenchProducer;
  targets: AgentTargets;
  workers: ChildNode[];
}

/**
 * Runs `body` against a stack of its own: the emulator in its own process, the service's settings pointing at it
 * and at a Redis sub-prefix, the in-process producer, the agents' schedules cached and their targets worked out,
 * and `workers` service processes (ready). Stops the processes, the producer and the emulator afterwards, whatever
 * happened.
 */
export async function withBenchStack<T>(
  ctx: BenchContext,
  options: BenchStackOptions,
  body: (stack: BenchStack) => Promise<T>,
): Promise<T> {
  const prefix = ctx.subPrefix(`${options.label}-`);
  const emulator = await EmulatorProcess.start(
    options.emulator,
    path.join(ctx.runDir, `emulator-${options.label}.log`),
  );
  let producer: BenchProducer | undefined;
  let workers: ChildNode[] = [];
  try {
    const env = await serviceEnv({
      redisUrl: ctx.redisUrl,
      prefix,
      emulatorUrl: emulator.url,
      clientId: emulator.clientId,
      clientSecret: emulator.clientSecret,
      runDir: ctx.runDir,
      overrides: { ...options.overrides, ...serviceOverrides(ctx) },
    });
    const config = configOf(env);
    producer = await BenchProducer.create(config);
    const targets = await prepareAgents(
      emulator,
      producer,
      prefix,
      options.agents,
      options.source,
      options.horizonMs,
    );
    if (options.workers > 0) {
      workers = await startServiceProcesses({
        count: options.workers,
        roles: 'worker',
        env,
        runDir: ctx.runDir,
        label: `worker-${options.label}`,
        profile: ctx.options.profile === true,
        nodeFlags: options.nodeFlags,
      });
    }
    return await body({ prefix, emulator, env, config, producer, targets, workers });
  } finally {
    await stopAll(workers);
    await producer?.close();
    await emulator.stop();
  }
}
