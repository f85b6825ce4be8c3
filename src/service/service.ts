import type { Logger } from 'pino';
import type { Config } from '../config';
import { Lifecycle, type Component } from '../lifecycle';
import type { Metrics } from '../metrics';
import type { QueueSet } from './queue-set';
import type { Role } from './roles';

export interface ServiceParts {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  roles: readonly Role[];
  queues: QueueSet;
  /** In start order; stopped in reverse. */
  components: readonly Component[];
  /** URL of the api role's HTTP server (or of the metrics-only server), once started. */
  httpUrl: () => string | undefined;
}

/**
 * A built service: its components in start order, started and stopped through one `Lifecycle`.
 * `buildService()` creates it; the start and demo commands and the tests drive it.
 */
export class Service {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly roles: readonly Role[];
  readonly queues: QueueSet;
  readonly components: readonly Component[];
  private readonly lifecycle: Lifecycle;
  private readonly url: () => string | undefined;

  constructor(parts: ServiceParts) {
    this.config = parts.config;
    this.logger = parts.logger;
    this.metrics = parts.metrics;
    this.roles = parts.roles;
    this.queues = parts.queues;
    this.components = parts.components;
    this.url = parts.httpUrl;
    this.lifecycle = new Lifecycle(parts.logger);
  }

  /** `http://host:port` of this process's HTTP server, if it runs one. */
  get httpUrl(): string | undefined {
    return this.url();
  }

  /** Starts every component in order; if one fails, the started ones are stopped and the error rethrown. */
  async start(): Promise<void> {
    try {
      await this.lifecycle.start(this.components);
    } catch (err) {
      this.logger.error({ err }, 'start-up failed: stopping what started');
      await this.lifecycle.stop();
      throw err;
    }
    this.logger.info(
      { roles: this.roles, components: this.components.map((c) => c.name) },
      'service started',
    );
  }

  /** Stops in reverse order (HTTP first, then producers and workers drain, queues and Redis last). */
  stop(): Promise<void> {
    return this.lifecycle.stop();
  }
}
