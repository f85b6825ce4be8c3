import type { AuditWorkerObserver } from '../workers/audit-worker';
import type { GenesysObserver } from '../genesys';
import type { ProducerObserver } from '../jobs/presence-producer';
import type { Metrics } from '../metrics';
import type { BackfillObserver } from '../workers/analytics-backfill-worker';
import type { HeartbeatObserver } from '../workers/heartbeat-sweep';
import type { PresenceEventsObserver } from '../workers/presence-events-worker';
import type { ScheduleSyncObserver } from '../workers/schedule-sync-service';
import type { StreamRoleObserver } from '../workers/stream-role';
import type { PresencePipelineObserver } from '../workers/presence-observer';
import type { TimeExportObserver } from '../workers/time-export-worker';

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

export function presencePipelineObserver(metrics: Metrics): PresencePipelineObserver {
  return {
    ...producerObserver(metrics),
    onJobDuration: (ms, result) => metrics.recordJob('presence-change', result, ms),
    onRateLimited: (ms, code) => {
      // A 429's wait is already counted by the Genesys client's observer; the budget's queue wait is not.
      const budget = code === 'GENESYS_BUDGET_EXHAUSTED';
      metrics.recordDelayed('presence-change', budget ? 'budget' : 'rate-limited');
      if (budget) {
        metrics.recordRateLimitWait(ms);
      }
    },
    onDelayed: (_ms, reason) => metrics.recordDelayed('presence-change', reason),
    onDeadLetter: (code) => metrics.recordDeadLetter('presence-change', code),
    onBatch: (kind, size) => metrics.recordBatch(kind, size),
  };
}

export function presenceEventsObserver(metrics: Metrics): PresenceEventsObserver {
  return { onRecorded: (_transition, result) => metrics.recordTransition(result.status) };
}

export function timeExportObserver(metrics: Metrics): TimeExportObserver {
  return {
    onDelivered: (_batchId, segments) => metrics.recordSegmentsExported('webhook', segments),
    onDeadLettered: (_batchId, reason) => metrics.recordDeadLetter('time-export', reason),
  };
}

export function sweepsObserver(metrics: Metrics): HeartbeatObserver & ScheduleSyncObserver {
  return {
    recordHeartbeatSweep: (sweep) => metrics.recordHeartbeatSweep(sweep),
    onDrift: (kinds) => metrics.recordDrift(kinds),
    recordScheduleSync: (businessUnitId, at) => metrics.recordScheduleSync(businessUnitId, at),
  };
}

/** Stream: event lag (Genesys' change instant → received here), connections, reconnects, leadership. */
export function streamObserver(metrics: Metrics, now: () => number = Date.now): StreamRoleObserver {
  const open = new Set<number>();
  const publish = (): void => metrics.setStreamConnected(open.size > 0);
  return {
    onEvent: (transition) => metrics.recordStreamEvent(transition.kind, now() - Date.parse(transition.start)),
    onConnected: (channel) => {
      open.add(channel);
      publish();
    },
    onDisconnected: (channel, reason) => {
      open.delete(channel);
      publish();
      metrics.recordStreamReconnect(reason);
    },
    onDemoted: () => {
      open.clear();
      publish();
    },
    onGap: () => metrics.recordStreamReconnect('gap'),
  };
}

export function backfillObserver(metrics: Metrics): BackfillObserver {
  return { onBackfilled: (_job, transitions) => metrics.recordBackfill(transitions) };
}
