import type { Logger } from 'pino';

/** A long-lived part of the service: started once, stopped once, in a known order. */
export interface Component {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts components in the order given and stops them in reverse order. A component that fails to stop
 * is logged and the rest still stop; `stop()` is idempotent.
 */
export class Lifecycle {
  private readonly started: Component[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly logger: Pick<Logger, 'info' | 'error'>) {}

  async start(components: readonly Component[]): Promise<void> {
    for (const component of components) {
      await component.start();
      this.started.push(component);
      this.logger.info({ component: component.name }, 'component started');
    }
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    for (const component of [...this.started].reverse()) {
      try {
        await component.stop();
        this.logger.info({ component: component.name }, 'component stopped');
      } catch (err) {
        this.logger.error({ err, component: component.name }, 'component failed to stop');
      }
    }
    this.started.length = 0;
  }
}
