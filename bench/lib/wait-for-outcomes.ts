import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { tallyAudit } from './audit-tally';
import { unfinishedJobs, type CountingQueue } from './wait-until';

export interface OutcomesOptions {
  presenceQueue: CountingQueue;
  auditQueue: CountingQueue;
  auditDir: string;
  requestIds: readonly string[];
  timeoutMs: number;
  pollMs?: number;
  /** Progress output while waiting. */
  onProgress?: (message: string) => void;
}

export interface Outcomes {
  /** `performance.now()` of the check that found both queues empty with every outcome stored. */
  at: number;
  /** Terminal outcomes of the requests, by outcome. */
  byOutcome: Record<string, number>;
  /** Audit records by event type (the whole log of the run). */
  recordsByType: Record<string, number>;
  totalRecords: number;
  chainOk: boolean;
  chainProblem?: string;
}

/**
 * Waits until every request has its terminal outcome in the audit log: both queues empty (nothing waiting, active
 * or delayed), then one read of the log confirms it. The time returned is that of the queue check that led to the
 * confirmation (reading and verifying the log afterwards is not counted). The hash chain is verified once at the end.
 */
export async function waitForOutcomes(options: OutcomesOptions): Promise<Outcomes> {
  const pollMs = options.pollMs ?? 10;
  const started = performance.now();
  let lastProgress = started;
  for (;;) {
    const checkedAt = performance.now();
    const pending =
      (await unfinishedJobs(options.presenceQueue)) + (await unfinishedJobs(options.auditQueue));
    if (pending === 0) {
      const tally = await tallyAudit(options.auditDir, { verify: false });
      const missing = options.requestIds.filter((id) => !tally.terminal.has(id)).length;
      if (missing === 0) {
        const verified = await tallyAudit(options.auditDir);
        const byOutcome: Record<string, number> = {};
        for (const id of options.requestIds) {
          const outcome = verified.terminal.get(id) ?? 'missing';
          byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
        }
        return {
          at: checkedAt,
          byOutcome,
          recordsByType: verified.byType,
          totalRecords: verified.total,
          chainOk: verified.chainOk,
          ...(verified.chainProblem === undefined ? {} : { chainProblem: verified.chainProblem }),
        };
      }
      options.onProgress?.(`queues empty but ${missing} outcomes not in the audit log yet`);
    } else if (checkedAt - lastProgress > 10_000) {
      lastProgress = checkedAt;
      options.onProgress?.(
        `${pending} jobs not finished after ${Math.round((checkedAt - started) / 1000)} s`,
      );
    }
    if (checkedAt - started > options.timeoutMs) {
      throw new Error(`outcomes not all audited within ${options.timeoutMs} ms (${pending} jobs pending)`);
    }
    await delay(pollMs);
  }
}
