import type { AuditWorkerObserver } from '../workers/audit-worker';
import type { GenesysObserver } from '../genesys';
import type { ProducerObserver } from '../jobs/presence-producer';
import type { Metrics } from '../metrics';

/**
 * Adapters from each component's own observer interface (declared where the events happen) onto the one
 * Prometheus registry. Components never import prom-client; the composition root plugs these in.
 */
export function genesysObserver(metrics: Metrics): GenesysObserver {
  return {
    onCall: (route, status, ms) => metrics.recordGenesysCall(route, status, ms),
    onRateLimited: (retryAfterMs) => metrics.recordRateLimited(retryAfterMs),
    onBreaker: (state) => metrics.setBreakerState(state),
    onTokenRefresh: (result) => metrics.recordTokenRefresh(result),
    onBudgetWait: (ms) => metrics.recordBudgetWait(ms),
  };
}

export function producerObserver(metrics: Metrics): ProducerObserver {
  return {
    onEnqueue: (result, source) => metrics.recordEnqueue(source, result),
    onOutcome: (outcome, source) => metrics.recordOutcome(source, outcome),
  };
}

export function auditWorkerObserver(metrics: Metrics): AuditWorkerObserver {
  return {
    batchWritten: (info) => metrics.recordAuditBatch(info.written, info.duplicates, info.durationMs),
    appendFailed: () => metrics.recordAuditAppendFailure(),
    leadershipChanged: (leader) => metrics.setAuditWriter(leader),
  };
}
