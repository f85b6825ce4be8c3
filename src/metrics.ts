import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { QueueStatsCollector, type QueueStatsSource } from './metrics-queues';

export type { QueueStatsSource } from './metrics-queues';

/** The circuit breaker's state as a gauge value: 0 closed, 1 half-open, 2 open. */
export type BreakerState = 'closed' | 'half-open' | 'open';
const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export interface MetricsOptions {
  /** Also expose the process metrics of prom-client (CPU, memory, event loop lag, GC). Default true. */
  defaultMetrics?: boolean;
  /** Labels added to every series (e.g. `{ role: 'worker' }`). */
  defaultLabels?: Record<string, string>;
  /** Longest time a scrape waits for queue counts from Redis. Default 2,000 ms. */
  queueCollectTimeoutMs?: number;
}

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300];

/**
 * Every Prometheus series the service exposes, in one registry per process (no global registry). The
 * components record through the small observer objects they declare; `src/service` adapts them onto the
 * `record…` methods here. Names are stable: dashboards and alerts depend on them (docs/operations.md).
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly queues: QueueStatsCollector;
  private readonly scheduleSyncedAt = new Map<string, number>();
  private lastBreakerState: BreakerState = 'closed';

  readonly presenceRequests: Counter<'source' | 'outcome'>;
  readonly ingressRequests: Counter<'source' | 'result'>;
  readonly enqueued: Counter<'source' | 'result'>;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly jobDuration: Histogram<'queue' | 'outcome'>;
  readonly genesysCalls: Counter<'route' | 'status'>;
  readonly genesysDuration: Histogram<'route'>;
  readonly rateLimited: Counter;
  readonly rateLimitedSeconds: Counter;
  readonly budgetWaits: Counter;
  readonly breakerState: Gauge;
  readonly breakerTransitions: Counter<'state'>;
  readonly tokenRefreshes: Counter<'result'>;
  readonly scheduleCacheAge: Gauge<'business_unit'>;
  readonly heartbeatSweeps: Counter;
  readonly heartbeatDriftTotal: Counter<'kind'>;
  readonly heartbeatDriftAgents: Gauge;
  readonly heartbeatSweepDuration: Histogram;
  readonly heartbeatReasserted: Counter;
  readonly streamLag: Histogram;
  readonly streamEvents: Counter<'topic'>;
  readonly streamReconnects: Counter<'reason'>;
  readonly streamConnected: Gauge;
  readonly jobsDelayed: Counter<'queue' | 'reason'>;
  readonly deadLetters: Counter<'queue' | 'code'>;
  readonly batchSize: Histogram<'kind'>;
  readonly transitions: Counter<'result'>;
  readonly segmentsExported: Counter<'sink'>;
  readonly backfilled: Counter;
  readonly auditWritten: Counter<'kind'>;
  readonly auditBatchDuration: Histogram;
  readonly auditAppendFailures: Counter;
  readonly auditWriter: Gauge;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    if (options.defaultLabels !== undefined) {
      this.registry.setDefaultLabels(options.defaultLabels);
    }
    if (options.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry, prefix: 'gpw_' });
    }

    this.presenceRequests = new Counter({
      name: 'gpw_presence_requests_total',
      help: 'Presence-change requests by calling source and terminal outcome (applied, superseded, blocked, conflict, rejected, failed).',
      labelNames: ['source', 'outcome'],
      registers,
    });
    this.ingressRequests = new Counter({
      name: 'gpw_ingress_requests_total',
      help: 'Presence-change requests received over HTTP by source and immediate result (accepted, replayed, invalid, conflict, forbidden, unavailable, …).',
      labelNames: ['source', 'result'],
      registers,
    });
    this.enqueued = new Counter({
      name: 'gpw_presence_enqueue_total',
      help: 'Presence-change requests offered to the producer (HTTP, CLI, heartbeat, follower) by source and result (accepted, replayed, invalid, unknown-presence, conflict, idempotency-mismatch, forbidden).',
      labelNames: ['source', 'result'],
      registers,
    });
    this.httpRequests = new Counter({
      name: 'gpw_http_requests_total',
      help: 'HTTP requests served by route template and status code.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'gpw_http_request_duration_seconds',
      help: 'HTTP request handling time by route template.',
      labelNames: ['method', 'route'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.jobDuration = new Histogram({
      name: 'gpw_job_duration_seconds',
      help: 'Time a worker spent on one job, by queue and outcome.',
      labelNames: ['queue', 'outcome'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.genesysCalls = new Counter({
      name: 'gpw_genesys_calls_total',
      help: 'Calls to Genesys Cloud by templated route and HTTP status (0 = no response).',
      labelNames: ['route', 'status'],
      registers,
    });
    this.genesysDuration = new Histogram({
      name: 'gpw_genesys_call_duration_seconds',
      help: 'Latency of calls to Genesys Cloud by templated route.',
      labelNames: ['route'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.rateLimited = new Counter({
      name: 'gpw_genesys_rate_limited_total',
      help: 'HTTP 429 answers received from Genesys Cloud.',
      registers,
    });
    this.rateLimitedSeconds = new Counter({
      name: 'gpw_genesys_rate_limited_seconds_total',
      help: 'Time spent waiting because Genesys Cloud or the shared budget asked to slow down.',
      registers,
    });
    this.budgetWaits = new Counter({
      name: 'gpw_genesys_budget_waits_total',
      help: 'Times the shared Genesys call budget made a caller wait before calling.',
      registers,
    });
    this.breakerState = new Gauge({
      name: 'gpw_genesys_breaker_state',
      help: 'Genesys circuit breaker state: 0 closed, 1 half-open, 2 open.',
      registers,
    });
    this.breakerTransitions = new Counter({
      name: 'gpw_genesys_breaker_transitions_total',
      help: 'Circuit breaker state changes by new state.',
      labelNames: ['state'],
      registers,
    });
    this.tokenRefreshes = new Counter({
      name: 'gpw_genesys_token_refreshes_total',
      help: 'OAuth token requests made by this process, by result.',
      labelNames: ['result'],
      registers,
    });
    const syncedAt = this.scheduleSyncedAt;
    this.scheduleCacheAge = new Gauge({
      name: 'gpw_schedule_cache_age_seconds',
      help: 'Time since the WFM schedules of a business unit were last synced into the cache.',
      labelNames: ['business_unit'],
      registers,
      collect() {
        const now = Date.now();
        for (const [bu, at] of syncedAt) {
          this.set({ business_unit: bu }, Math.max(0, (now - at) / 1000));
        }
      },
    });
    this.heartbeatSweeps = new Counter({
      name: 'gpw_heartbeat_sweeps_total',
      help: 'Heartbeat sweeps completed.',
      registers,
    });
    this.heartbeatDriftTotal = new Counter({
      name: 'gpw_heartbeat_drift_total',
      help: 'Drifts newly found by heartbeat sweeps (Genesys presence differs from the applied one or from the schedule policy), by kind.',
      labelNames: ['kind'],
      registers,
    });
    this.heartbeatDriftAgents = new Gauge({
      name: 'gpw_heartbeat_drift_agents',
      help: 'Agents drifting from their desired presence in the last heartbeat sweep.',
      registers,
    });
    this.heartbeatSweepDuration = new Histogram({
      name: 'gpw_heartbeat_sweep_duration_seconds',
      help: 'Duration of one heartbeat sweep.',
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.heartbeatReasserted = new Counter({
      name: 'gpw_heartbeat_reasserted_total',
      help: 'Presence changes requested by the heartbeat to re-assert a mandatory presence (enforce mode).',
      registers,
    });
    this.streamLag = new Histogram({
      name: 'gpw_stream_lag_seconds',
      help: 'Delay between a presence change in Genesys Cloud and its notification reaching the stream consumer.',
      buckets: LAG_BUCKETS,
      registers,
    });
    this.streamEvents = new Counter({
      name: 'gpw_stream_events_total',
      help: 'Notification events received by topic kind (presence, routingStatus, heartbeat, other).',
      labelNames: ['topic'],
      registers,
    });
    this.streamReconnects = new Counter({
      name: 'gpw_stream_reconnects_total',
      help: 'Notification WebSocket reconnects by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.streamConnected = new Gauge({
      name: 'gpw_stream_connected',
      help: '1 while this process holds the stream lease and its WebSocket is open.',
      registers,
    });
    this.jobsDelayed = new Counter({
      name: 'gpw_jobs_delayed_total',
      help: 'Jobs put back for later without consuming an attempt, by queue and reason (busy agent, breaker open, notBefore, rate limit).',
      labelNames: ['queue', 'reason'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'gpw_dead_letter_total',
      help: 'Jobs moved to a dead-letter queue, by queue and error code.',
      labelNames: ['queue', 'code'],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'gpw_genesys_batch_size',
      help: 'Agents per presence call to Genesys (patch, bulk-put, bulk-get).',
      labelNames: ['kind'],
      buckets: [1, 2, 5, 10, 20, 30, 40, 50],
      registers,
    });
    this.transitions = new Counter({
      name: 'gpw_timetracking_transitions_total',
      help: 'Observed presence / routing transitions recorded into segments, by result.',
      labelNames: ['result'],
      registers,
    });
    this.segmentsExported = new Counter({
      name: 'gpw_timetracking_segments_exported_total',
      help: 'Time-tracking segments delivered, by sink (webhook).',
      labelNames: ['sink'],
      registers,
    });
    this.backfilled = new Counter({
      name: 'gpw_backfill_transitions_total',
      help: 'Transitions read back from the analytics API by backfill jobs (merged idempotently with the stream).',
      registers,
    });
    this.auditWritten = new Counter({
      name: 'gpw_audit_records_total',
      help: 'Audit events handled by the audit writer: written to the store, or already there (redelivered).',
      labelNames: ['kind'],
      registers,
    });
    this.auditBatchDuration = new Histogram({
      name: 'gpw_audit_batch_duration_seconds',
      help: 'Time to append one audit batch to the store (transaction or fsync included).',
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.auditAppendFailures = new Counter({
      name: 'gpw_audit_append_failures_total',
      help: 'Audit batches the store refused (retried with backoff; nothing is dropped).',
      registers,
    });
    this.auditWriter = new Gauge({
      name: 'gpw_audit_writer',
      help: '1 while this process holds the audit chain writer lease.',
      registers,
    });
    this.queues = new QueueStatsCollector(this.registry, options.queueCollectTimeoutMs ?? 2_000);
    this.breakerState.set(0);
  }

  /** Queue depth, oldest waiting job age and the audit backlog are read from these queues on each scrape. */
  watchQueues(queues: readonly QueueStatsSource[]): void {
    this.queues.add(queues);
  }

  recordOutcome(source: string, outcome: string): void {
    this.presenceRequests.inc({ source: label(source), outcome: label(outcome) });
  }

  recordIngress(source: string, result: string): void {
    this.ingressRequests.inc({ source: label(source), result: label(result) });
  }

  recordEnqueue(source: string, result: string): void {
    this.enqueued.inc({ source: label(source), result: label(result) });
  }

  recordHttp(method: string, route: string, status: number, ms: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpDuration.observe({ method, route }, ms / 1000);
  }

  recordJob(queue: string, outcome: string, ms: number): void {
    this.jobDuration.observe({ queue, outcome: label(outcome) }, ms / 1000);
  }

  recordGenesysCall(route: string, status: number, ms: number): void {
    this.genesysCalls.inc({ route, status: String(status) });
    this.genesysDuration.observe({ route }, ms / 1000);
  }

  /** A 429 from Genesys; `waitMs` is the Retry-After honoured (0 if unknown). */
  recordRateLimited(waitMs: number): void {
    this.rateLimited.inc();
    this.recordRateLimitWait(waitMs);
  }

  /** Time spent waiting on a rate limit (429 or the shared budget). */
  recordRateLimitWait(waitMs: number): void {
    if (waitMs > 0) {
      this.rateLimitedSeconds.inc(waitMs / 1000);
    }
  }

  recordBudgetWait(waitMs: number): void {
    this.budgetWaits.inc();
    this.recordRateLimitWait(waitMs);
  }

  setBreakerState(state: BreakerState): void {
    this.lastBreakerState = state;
    this.breakerState.set(BREAKER_VALUE[state]);
    this.breakerTransitions.inc({ state });
  }

  /** The last breaker state reported in this process (readiness uses it when the client cannot be asked). */
  get breaker(): BreakerState {
    return this.lastBreakerState;
  }

  recordTokenRefresh(result: 'ok' | 'error' = 'ok'): void {
    this.tokenRefreshes.inc({ result });
  }

  recordScheduleSync(businessUnitId: string, at: number = Date.now()): void {
    this.scheduleSyncedAt.set(businessUnitId, at);
  }

  recordHeartbeatSweep(sweep: { drifted: number; durationMs: number; reasserted?: number }): void {
    this.heartbeatSweeps.inc();
    this.heartbeatDriftAgents.set(sweep.drifted);
    this.heartbeatSweepDuration.observe(sweep.durationMs / 1000);
    if (sweep.reasserted !== undefined && sweep.reasserted > 0) {
      this.heartbeatReasserted.inc(sweep.reasserted);
    }
  }

  /** One newly reported drift (an agent counts once per change, not once per sweep). */
  recordDrift(kinds: readonly string[]): void {
    for (const kind of kinds.length > 0 ? kinds : ['unknown']) {
      this.heartbeatDriftTotal.inc({ kind: label(kind) });
    }
  }

  recordStreamEvent(topic: string, lagMs: number | undefined): void {
    this.streamEvents.inc({ topic: label(topic) });
    if (lagMs !== undefined && Number.isFinite(lagMs)) {
      this.streamLag.observe(Math.max(0, lagMs) / 1000);
    }
  }

  recordStreamReconnect(reason: string): void {
    this.streamReconnects.inc({ reason: label(reason) });
  }

  setStreamConnected(connected: boolean): void {
    this.streamConnected.set(connected ? 1 : 0);
  }

  recordDelayed(queue: string, reason: string): void {
    this.jobsDelayed.inc({ queue, reason: label(reason) });
  }

  recordDeadLetter(queue: string, code: string): void {
    this.deadLetters.inc({ queue, code: label(code) });
  }

  recordBatch(kind: string, size: number): void {
    this.batchSize.observe({ kind: label(kind) }, size);
  }

  recordTransition(result: string): void {
    this.transitions.inc({ result: label(result) });
  }

  recordSegmentsExported(sink: string, count: number): void {
    this.segmentsExported.inc({ sink }, count);
  }

  recordBackfill(transitions: number): void {
    this.backfilled.inc(transitions);
  }

  recordAuditBatch(written: number, duplicates: number, durationMs: number): void {
    this.auditWritten.inc({ kind: 'written' }, written);
    if (duplicates > 0) {
      this.auditWritten.inc({ kind: 'duplicate' }, duplicates);
    }
    this.auditBatchDuration.observe(durationMs / 1000);
  }

  recordAuditAppendFailure(): void {
    this.auditAppendFailures.inc();
  }

  setAuditWriter(leader: boolean): void {
    this.auditWriter.set(leader ? 1 : 0);
  }

  /** The exposition text for `/metrics`. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** Label values come from callers; keep them bounded and printable so one bad source cannot explode series. */
function label(value: string): string {
  const clean = value.replace(/[^\w.:-]/g, '_').slice(0, 64);
  return clean.length > 0 ? clean : 'unknown';
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  return new Metrics(options);
}
