/** Public API of the genesys-presence-worker package. */
export { loadConfig, type Config } from './config';
export { AppError } from './app-error';
export { auditEventSchema, type AuditEmitter, type AuditEvent } from './audit/audit-event';
export { auditRecordSchema, type AuditRecord } from './audit/audit-record';
export { AUDIT_QUEUE } from './audit/audit-queue';
export { AuditQueueEmitter } from './audit/audit-queue-emitter';
export type { AuditStore } from './audit/audit-store';
export { createAuditStore } from './audit/create-audit-store';
export { verifyChain, type VerifyChainResult } from './audit/verify-chain';
export {
  PresenceProducer,
  type EnqueueResult,
  type PresenceProducerDeps,
  type PresenceResolver,
  type ResolvedPresence,
} from './jobs/presence-producer';
export {
  connectPresenceProducer,
  type ConnectPresenceProducerOptions,
  type PresenceProducerHandle,
} from './jobs/connect-presence-producer';
export type { AgentView, RequestStatus, RequestStatusValue } from './jobs/agent-state';
export {
  ForceNotPermittedError,
  IdempotencyMismatchError,
  PIPELINE_ERROR_CODES,
  UnknownPresenceError,
  ValidationFailedError,
  VersionConflictError,
  type ValidationProblem,
} from './jobs/pipeline-errors';
export { presenceChangeRequestSchema, type PresenceChangeRequestInput } from './jobs/presence-change-request';
export { PRESENCE_CHANGE_QUEUE, PRESENCE_DEAD_LETTER_QUEUE } from './jobs/queue-names';
export { timelineKey } from './jobs/keys';
export { PresenceWorker, type PresenceWorkerDeps } from './workers/presence-worker';
export { GenesysScheduleSource } from './workers/presence-schedule-source';
export type { PresencePipelineObserver } from './workers/presence-observer';
export { loadPresencePolicy } from './workers/presence-policy-file';
export { DEFAULT_PRESENCE_POLICY, parsePresencePolicy, type PresencePolicy } from './policy/presence-policy';
export { segmentSchema, type Segment } from './timetracking/segment';
export {
  signWebhook,
  verifyWebhookSignature,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  BATCH_ID_HEADER,
} from './timetracking/webhook-signature';
export { StreamRole, type StreamRoleDeps } from './workers/stream-role';
export { StreamWfmEvents, type StreamWfmEventsDeps } from './workers/stream-wfm-events';
export { createTimeTrackingWorkers, type TimeTrackingWorkersDeps } from './workers/presence-events-stack';
export {
  AnalyticsBackfillWorker,
  type AnalyticsBackfillWorkerDeps,
} from './workers/analytics-backfill-worker';
export { buildService, type BuildServiceOptions } from './service/build-service';
export { Service } from './service/service';
export { parseRoles, ROLES, type Role } from './service/roles';
export { createMetrics, Metrics, type MetricsOptions } from './metrics';
export { buildHttpApp, type HttpAppDeps } from './http/build-http-app';
export { ApiKeyRing, type ApiPrincipal, type ApiScope } from './http/api-keys';
export type { PresenceIngress } from './http/presence-ingress';
