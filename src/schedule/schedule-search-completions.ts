import type { Cluster, Redis } from 'ioredis';
import { scheduleSearchTopic } from '../genesys/notifications-events';
import type { RedisConnection } from '../redis';

const KEEP_MS = 10 * 60_000;

/**
 * Hands the result of an asynchronous WFM schedule search (answered `Processing`) to whoever waits for it.
 * Genesys announces completion on the notification topic `v2.workforcemanagement.users.{id}.schedules.search`
 * with `{operationId, downloadUrl}` (genesys-api.md §4.3); the process that receives that event — the stream
 * role's consumer — calls `record()`, and the schedule sync, in any process, waits in `waitFor()`. The URL is
 * also kept for 10 minutes, so an event that arrives before the wait starts is not lost.
 */
export class ScheduleSearchCompletions {
  private readonly base: string;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
  ) {
    this.base = `${prefix}:wfm:schedule-search`;
  }

  /** The notification topic to subscribe to for a requester id (the OAuth client's user, or its client id). */
  static topic(requesterId: string): string {
    return scheduleSearchTopic(requesterId);
  }

  async record(completion: { operationId: string; downloadUrl: string }): Promise<void> {
    const key = `${this.base}:${completion.operationId}`;
    await this.redis.set(key, completion.downloadUrl, 'PX', KEEP_MS);
    await this.redis.publish(`${this.base}:done`, JSON.stringify(completion));
  }

  /**
   * Resolves with the operation's `downloadUrl` once recorded, or `undefined` when `signal` aborts first. Uses its
   * own subscriber connection for the duration of the wait.
   */
  async waitFor(operationId: string, signal: AbortSignal): Promise<string | undefined> {
    if (signal.aborted) {
      return undefined;
    }
    const subscriber: RedisConnection = this.redis.isCluster
      ? (this.redis as Cluster).duplicate()
      : (this.redis as Redis).duplicate();
    try {
      return await new Promise<string | undefined>((resolve, reject) => {
        const finish = (value: string | undefined) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        };
        const onAbort = () => finish(undefined);
        signal.addEventListener('abort', onAbort);
        subscriber.on('message', (_channel: string, message: string) => {
          try {
            const parsed = JSON.parse(message) as { operationId?: unknown; downloadUrl?: unknown };
            if (parsed.operationId === operationId && typeof parsed.downloadUrl === 'string') {
              finish(parsed.downloadUrl);
            }
          } catch {
            // not ours
          }
        });
        subscriber
          .subscribe(`${this.base}:done`)
          // Subscribed first, then read: a completion recorded before the subscription is found here.
          .then(() => this.redis.get(`${this.base}:${operationId}`))
          .then((url) => {
            if (url !== null) {
              finish(url);
            }
          })
          .catch((err: unknown) => {
            signal.removeEventListener('abort', onAbort);
            reject(err);
          });
      });
    } finally {
      subscriber.disconnect();
    }
  }
}
