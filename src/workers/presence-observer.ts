import type { TerminalOutcome } from '../audit/audit-event';

/**
 * Hooks of the presence pipeline for metrics (the metrics module wires prom-client to them). Every member is
 * optional and must not throw.
 */
export interface PresencePipelineObserver {
  /** Producer: `accepted`, `replayed`, `invalid`, `unknown-presence`, `conflict`, `idempotency-mismatch`, `forbidden`. */
  onEnqueue?(result: string, source: string): void;
  /** A request reached its terminal outcome. */
  onOutcome?(outcome: TerminalOutcome | string, source: string): void;
  /** Time one presence-change job took, by how it ended (`applied`, `busy`, `rate-limited`, …). */
  onJobDuration?(ms: number, result: string): void;
  /** The queue was rate-limited (`GENESYS_RATE_LIMITED`: a 429; `GENESYS_BUDGET_EXHAUSTED`: the shared budget). */
  onRateLimited?(ms: number, code: string): void;
  /** A job was put back for later: `busy` (agent lease), `breaker`, `not-before`. */
  onDelayed?(ms: number, reason: string): void;
  /** A job was dead-lettered, by error code. */
  onDeadLetter?(code: string): void;
  /** A Genesys call made by the applier and the number of users in it. */
  onBatch?(kind: 'patch' | 'bulk-put' | 'bulk-get', size: number): void;
}
