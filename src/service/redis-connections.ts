import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Component } from '../lifecycle';
import { closeRedis, createRedis, type RedisConnection } from '../redis';

/**
 * The process's two Redis connections (STYLE.md §7): `producer` fails fast (HTTP ingress, queues, state
 * reads: a caller gets a 503 at once when Redis is away), `worker` waits for Redis forever (BullMQ workers;
 * they duplicate it for their blocking connections). Started first, stopped last.
 */
export class RedisConnections implements Component {
  readonly name = 'redis';
  readonly producer: RedisConnection;
  readonly worker: RedisConnection;

  constructor(
    config: Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>,
    private readonly logger: Pick<Logger, 'warn' | 'info'>,
    private readonly connectTimeoutMs = 10_000,
  ) {
    this.producer = createRedis(config, 'producer');
    this.worker = createRedis(config, 'worker');
    for (const [profile, connection] of [
      ['producer', this.producer],
      ['worker', this.worker],
    ] as const) {
      let lastWarn = 0;
      connection.on('error', (err: Error) => {
        const now = Date.now();
        if (now - lastWarn > 10_000) {
          lastWarn = now;
          this.logger.warn({ err, profile }, 'redis connection error');
        }
      });
    }
  }

  /** Waits (bounded) until Redis answers, so a process with no Redis fails at start instead of serving 503s. */
  async start(): Promise<void> {
    try {
      await Promise.all([this.ready(this.producer), this.ready(this.worker)]);
      await this.producer.ping();
    } catch (err) {
      // Not started, so the lifecycle will not stop us: stop reconnecting here.
      this.disconnect();
      throw err;
    }
  }

  private ready(connection: RedisConnection): Promise<void> {
    if (connection.status === 'ready') {
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      let lastError: Error | undefined;
      const onError = (err: Error): void => {
        lastError = err;
      };
      const timer = setTimeout(() => {
        connection.off('ready', onReady);
        connection.off('error', onError);
        reject(
          new Error(
            `Redis did not answer within ${this.connectTimeoutMs} ms${lastError === undefined ? '' : `: ${lastError.message}`}`,
          ),
        );
      }, this.connectTimeoutMs);
      const onReady = (): void => {
        clearTimeout(timer);
        connection.off('error', onError);
        resolve();
      };
      connection.once('ready', onReady);
      connection.on('error', onError);
    });
  }

  /** Drops both connections at once (no QUIT): for a process that failed before it started. */
  disconnect(): void {
    this.producer.disconnect();
    this.worker.disconnect();
  }

  async stop(): Promise<void> {
    await Promise.all([closeRedis(this.worker), closeRedis(this.producer)]);
  }
}
