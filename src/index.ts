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
