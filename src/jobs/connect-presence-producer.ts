import { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { AuditEmitter } from '../audit/audit-event';
import { AUDIT_QUEUE, auditJobRetention } from '../audit/audit-queue';
import { AuditQueueEmitter, SERVICE_AUDIT_EMIT_BATCHING } from '../audit/audit-queue-emitter';
import type { Config } from '../config';
import { createGenesysClient, type GenesysClient } from '../genesys/genesys-client';
import { createLogger } from '../logger';
import { closeRedis, createRedis, type RedisConnection } from '../redis';
import { loadPresencePolicy } from '../workers/presence-policy-file';
import type { AgentView, RequestStatus } from './agent-state';
import { PresenceProducer, type EnqueueResult, type PresenceResolver } from './presence-producer';
import { PRESENCE_CHANGE_QUEUE } from './queue-names';

/** A connected producer for library users and the CLI; `close()` releases everything it opened. */
export interface PresenceProducerHandle {
  enqueuePresenceChange(request: unknown): Promise<EnqueueResult>;
  getRequestStatus(requestId: string): Promise<RequestStatus | undefined>;
  getAgentView(userId: string): Promise<AgentView | undefined>;
  close(): Promise<void>;
}

export interface ConnectPresenceProducerOptions {
  logger?: Logger;
  /** Presence name/id resolution; default: a Genesys client built from the config. */
  resolver?: PresenceResolver;
  /** Where audit events go; default: the `audit` queue. */
  audit?: AuditEmitter;
}

/**
 * Connects a presence producer outside the service (a script, the CLI): a fail-fast Redis connection, the
 * `presence-change` and `audit` queues, a Genesys client for presence names, and the policy's privileged sources.
 */
export async function connectPresenceProducer(
  config: Config,
  options: ConnectPresenceProducerOptions = {},
): Promise<PresenceProducerHandle> {
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL });
  const policy = await loadPresencePolicy(config.POLICY_FILE);
  const redis = createRedis(config, 'producer', 'presence-worker:producer');
  try {
    await whenReady(redis, 5_000);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  const queue = new Queue(PRESENCE_CHANGE_QUEUE, { connection: redis, prefix: config.QUEUE_PREFIX });
  const auditQueue =
    options.audit === undefined
      ? new Queue(AUDIT_QUEUE, { connection: redis, prefix: config.QUEUE_PREFIX })
      : undefined;
  queue.on('error', (err) => logger.error({ err }, 'presence-change queue error'));
  auditQueue?.on('error', (err) => logger.error({ err }, 'audit queue error'));
  const client: GenesysClient | undefined =
    options.resolver === undefined ? createGenesysClient({ config, redis, logger }) : undefined;
  const resolver = options.resolver ?? (client as GenesysClient);
  const audit =
    options.audit ??
    new AuditQueueEmitter(auditQueue as Queue, auditJobRetention(config), SERVICE_AUDIT_EMIT_BATCHING);
  const producer = new PresenceProducer({
    redis,
    queue,
    resolver,
    audit,
    config,
    logger,
    privilegedSources: policy.privilegedSources,
  });
  return {
    enqueuePresenceChange: (request) => producer.enqueuePresenceChange(request),
    getRequestStatus: (requestId) => producer.getRequestStatus(requestId),
    getAgentView: (userId) => producer.getAgentView(userId),
    async close() {
      await client?.stop();
      await queue.close();
      await auditQueue?.close();
      await closeRedis(redis);
    },
  };
}

/** The producer profile refuses commands until connected (no offline queue): wait for `ready`, bounded. */
export function whenReady(redis: RedisConnection, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') {
    return Promise.resolve();
  }
  return new Promise<void>((resolve, reject) => {
    let lastError: unknown;
    const onError = (err: unknown) => {
      lastError = err;
    };
    const done = (err?: unknown) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      if (err === undefined) {
        resolve();
      } else {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    };
    const onReady = () => done();
    const timer = setTimeout(
      () => done(lastError ?? new Error(`Redis not ready within ${timeoutMs} ms`)),
      timeoutMs,
    );
    redis.on('ready', onReady);
    redis.on('error', onError);
  });
}
