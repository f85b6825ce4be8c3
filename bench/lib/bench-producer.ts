import { Queue } from 'bullmq';
import pino from 'pino';
import { AUDIT_QUEUE, auditJobRetention } from '../../src/audit/audit-queue';
import { AuditQueueEmitter, SERVICE_AUDIT_EMIT_BATCHING } from '../../src/audit/audit-queue-emitter';
import type { Config } from '../../src/config';
import { createGenesysClient, type GenesysClient } from '../../src/genesys/genesys-client';
import { PresenceProducer } from '../../src/jobs/presence-producer';
import { PRESENCE_CHANGE_QUEUE } from '../../src/jobs/queue-names';
import { closeRedis, createRedis, type RedisConnection } from '../../src/redis';

/**
 * The upstream side of a benchmark, in the bench process: the package's `PresenceProducer` (validate, resolve the
 * presence through the Genesys client's cached resolver, Lua compare-and-set, audit `requested`, add the job) on a
 * producer-profile connection, with one `Queue` per name, as the api role builds it.
 */
export class BenchProducer {
  private constructor(
    readonly producer: PresenceProducer,
    readonly client: GenesysClient,
    readonly presenceQueue: Queue,
    readonly auditQueue: Queue,
    private readonly producerRedis: RedisConnection,
    /** A worker-profile connection (the Genesys client's, also for the bench's own reads). */
    readonly redis: RedisConnection,
  ) {}

  static async create(config: Config): Promise<BenchProducer> {
    const logger = pino({ level: 'warn' });
    const producerRedis = createRedis(config, 'producer', 'bench-producer');
    const clientRedis = createRedis(config, 'worker', 'bench-genesys');
    const presenceQueue = new Queue(PRESENCE_CHANGE_QUEUE, {
      connection: producerRedis,
      prefix: config.QUEUE_PREFIX,
    });
    const auditQueue = new Queue(AUDIT_QUEUE, { connection: producerRedis, prefix: config.QUEUE_PREFIX });
    for (const q of [presenceQueue, auditQueue]) {
      q.on('error', (err) => logger.warn({ err }, 'bench queue error'));
    }
    const client = createGenesysClient({ config, redis: clientRedis, logger });
    await client.start();
    const producer = new PresenceProducer({
      redis: producerRedis,
      queue: presenceQueue,
      resolver: client,
      audit: new AuditQueueEmitter(auditQueue, auditJobRetention(config), SERVICE_AUDIT_EMIT_BATCHING),
      config,
      logger,
    });
    await presenceQueue.waitUntilReady();
    return new BenchProducer(producer, client, presenceQueue, auditQueue, producerRedis, clientRedis);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.presenceQueue.close(), this.auditQueue.close()]);
    await this.client.stop();
    await Promise.allSettled([closeRedis(this.producerRedis), closeRedis(this.redis)]);
  }
}
