import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { AUDIT_QUEUE } from '../../src/audit/audit-queue';
import { PRESENCE_CHANGE_QUEUE } from '../../src/jobs/queue-names';
import { checkInvariants, settle } from '../helpers/chaos-invariants';
import { percentile, runLoad, statusCount } from '../helpers/chaos-load';
import type { ChaosChild } from '../helpers/chaos-process';
import { ChaosStack } from '../helpers/chaos-stack';
import { testRedisUrl } from '../helpers/redis';

const RATE = 200;
const DURATION_MS = 60_000;
const PRESENCES = ['Available', 'Away', 'Busy', 'Available', 'Meal', 'On Queue'];

/**
 * Scenario 7: 200 requests/s for 60 s through the HTTP API with two worker processes. No errors, the backlog
 * drains, memory stays flat (RSS sampled every 5 s), and the invariant holds for all 12,000 requests.
 */
describe('load: 200 requests/s for 60 s', () => {
  let stack: ChaosStack;

  beforeAll(async () => {
    stack = await ChaosStack.start({
      name: 'load',
      redis: { url: testRedisUrl() },
      workers: 2,
      emulator: { agents: 500, rateLimitPerMinute: 1_000_000 },
      // The load measures the service, not Genesys' per-token limit (the burst benchmark covers that).
      // Quieter logs: 12,000 requests at info would be the largest cost of the run.
      env: { GENESYS_RATE_BUDGET_PER_MINUTE: '100000', LOG_LEVEL: 'warn' },
    });
  });

  afterAll(async () => {
    await ChaosStack.dispose(stack, { deleteKeys: true });
  });

  it('serves every request, drains the backlog, keeps memory flat and loses nothing', async () => {
    const agents = stack.emulator.admin.agentIds();
    const processes: ChaosChild[] = [stack.api, ...stack.workers];
    const rss: Record<string, number[]> = Object.fromEntries(processes.map((p) => [p.label, []]));
    const sample = async (): Promise<void> => {
      for (const p of processes) {
        rss[p.label]?.push(Math.round(await p.rssMiB()));
      }
    };
    await sample();
    const sampler = setInterval(() => void sample().catch(() => undefined), 5_000);
    // How late this process (load generator and emulator) ran its own timers: high values mean the machine,
    // not the service, was the limit.
    const loopDelay = monitorEventLoopDelay({ resolution: 20 });
    loopDelay.enable();
    const testCpu = process.cpuUsage();

    let report;
    try {
      report = await runLoad({
        api: stack.client,
        rate: RATE,
        durationMs: DURATION_MS,
        // Open loop: requests go out on schedule even when answers are slow (a busy machine), and may wait long.
        maxInFlight: 4_000,
        requestTimeoutMs: 30_000,
        request: (i) => ({
          userId: agents[i % agents.length] ?? '',
          body: {
            presence: PRESENCES[Math.floor(i / agents.length) % PRESENCES.length],
            source: 'crm',
            requestedBy: 'chaos-load',
          },
        }),
      });
    } finally {
      clearInterval(sampler);
      loopDelay.disable();
    }
    const testCpuUsed = process.cpuUsage(testCpu);
    await sample();

    // Backlog: the presence-change and audit queues empty out.
    const loadEnded = Date.now();
    const queues = [PRESENCE_CHANGE_QUEUE, AUDIT_QUEUE].map(
      (name) => new Queue(name, { connection: stack.redis(), prefix: stack.prefix }),
    );
    let backlogAtEnd = -1;
    let drainMs = -1;
    try {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const counts = await Promise.all(
          queues.map((q) => q.getJobCountByTypes('wait', 'active', 'delayed', 'prioritized')),
        );
        const backlog = counts.reduce((a, b) => a + b, 0);
        if (backlogAtEnd < 0) {
          backlogAtEnd = backlog;
        }
        if (backlog === 0) {
          drainMs = Date.now() - loadEnded;
          break;
        }
        if (Date.now() > deadline) {
          throw new Error(`backlog of ${backlog} jobs not drained within 120 s`);
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } finally {
      await Promise.all(queues.map((q) => q.close()));
    }

    const cpu = Object.fromEntries(
      await Promise.all(processes.map(async (p) => [p.label, Math.round(await p.cpuSeconds())] as const)),
    );
    const input = stack.invariantInput(report.accepted);
    const settleMs = await settle(input, { timeoutMs: 120_000 });
    const check = await checkInvariants(input);
    const growth = Object.fromEntries(
      Object.entries(rss).map(([label, values]) => {
        const mid = values[Math.floor(values.length / 3)] ?? 0;
        const end = values[values.length - 1] ?? 0;
        return [label, { at20s: mid, atEnd: end, max: Math.max(...values) }];
      }),
    );
    process.stdout.write(
      `chaos load: sent=${report.sent} by_status=${JSON.stringify(report.byStatus)} skipped=${report.skipped} duration_ms=${Math.round(report.durationMs)} http_p50_ms=${Math.round(percentile(report.latencies, 50))} http_p99_ms=${Math.round(percentile(report.latencies, 99))} backlog_at_end=${backlogAtEnd} drain_ms=${drainMs} settle_ms=${Math.round(settleMs)} outcomes=${JSON.stringify(check.outcomes)} audit_records=${check.auditRecords} rss_mib=${JSON.stringify(growth)} cpu_s=${JSON.stringify(cpu)} test_cpu_s=${Math.round((testCpuUsed.user + testCpuUsed.system) / 1e6)} test_loop_delay_p99_ms=${Math.round(loopDelay.percentile(99) / 1e6)} load_avg=${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(
          '/',
        )} genesys_calls=${JSON.stringify(stack.emulator.admin.calls())} samples=${JSON.stringify(report.samples.slice(0, 3))}\n`,
    );

    // Shown with a failure: a starved machine (other work on the same cores) shows as a late event loop here.
    const machine = `test process event-loop delay p99 ${Math.round(loopDelay.percentile(99) / 1e6)} ms, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join('/')}`;
    expect({ sent: report.sent, skipped: report.skipped, machine }).toEqual({
      sent: RATE * (DURATION_MS / 1000),
      skipped: 0,
      machine,
    });
    expect({ accepted: statusCount(report, 202), byStatus: report.byStatus }).toEqual({
      accepted: report.sent,
      byStatus: report.byStatus,
    });
    expect(check.violations).toEqual([]);
    expect(stack.fatalLogs()).toEqual([]);
    expect(check.chainOk).toBe(true);
    // Flat memory: from a third of the run to the end, no process grows by more than half or 150 MiB.
    for (const [label, g] of Object.entries(growth)) {
      expect({ label, grew: g.atEnd - g.at20s <= Math.max(150, g.at20s * 0.5) }).toEqual({
        label,
        grew: true,
      });
    }
  });
});
