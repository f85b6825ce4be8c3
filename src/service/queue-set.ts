import { Queue, type ConnectionOptions, type DefaultJobOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { Component } from '../lifecycle';

/**
 * One BullMQ `Queue` object per queue name for the whole process, created on first use and shared by the
 * HTTP ingress, producers, Bull Board and metrics (STYLE.md §7: never a `Queue` per request). Closed last
 * on shutdown, after the workers that use them.
 */
export class QueueSet implements Component {
  readonly name = 'queues';
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly prefix: string,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  /** The queue called `name`, created once; `defaultJobOptions` apply only when it is created here. */
  get(name: string, defaultJobOptions?: DefaultJobOptions): Queue {
    let queue = this.queues.get(name);
    if (queue === undefined) {
      queue = new Queue(name, {
        connection: this.connection,
        prefix: this.prefix,
        ...(defaultJobOptions === undefined ? {} : { defaultJobOptions }),
      });
      let lastWarn = 0;
      queue.on('error', (err) => {
        // A Redis outage makes every queue report the same error repeatedly: one line per 10 s is enough.
        const now = Date.now();
        if (now - lastWarn > 10_000) {
          lastWarn = now;
          this.logger.warn({ err, queue: name }, 'queue error');
        }
      });
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Registers an existing queue object (built by a component's own factory) so it is shared and closed. */
  adopt(queue: Queue): Queue {
    const existing = this.queues.get(queue.name);
    if (existing !== undefined && existing !== queue) {
      throw new Error(`queue "${queue.name}" was created twice`);
    }
    this.queues.set(queue.name, queue);
    return queue;
  }

  all(): Queue[] {
    return [...this.queues.values()];
  }

  async start(): Promise<void> {
    // Queues connect lazily through the shared producer connection.
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.all().map((q) => q.close()));
  }
}
