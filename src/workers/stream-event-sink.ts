import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type {
  NotificationsHandler,
  PresenceNotification,
  RoutingStatusNotification,
  StreamGap,
} from '../genesys/notifications';
import { normaliseSystemPresence } from '../timetracking/system-presence';
import type { Transition } from '../timetracking/transition';
import { requestBackfill, type BackfillJobConfig } from './analytics-backfill-queue';
import { enqueueTransitions, type PresenceEventsJobConfig } from './presence-events-queue';
import type { ObservedPresenceWriter } from './stream-observed-presence';

export interface StreamEventSinkObserver {
  onEvent?(transition: Transition): void;
  onGap?(gap: StreamGap): void;
  onFenced?(): void;
  onConnected?(channel: number, channelId: string): void;
  onDisconnected?(channel: number, reason: string): void;
}

export interface StreamEventSinkDeps {
  observed: Pick<ObservedPresenceWriter, 'write'>;
  presenceEventsQueue: Pick<Queue, 'addBulk'>;
  backfillQueue: Pick<Queue, 'addBulk'>;
  config: PresenceEventsJobConfig & BackfillJobConfig & Pick<Config, 'BACKFILL_MARGIN_MS'>;
  /** The stream leader's fencing token: observed-presence writes of a former leader are refused. */
  fencingToken: number;
  logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** Events wait at most this long to be written together (default 20 ms). */
  flushMs?: number;
  /** Most events written in one flush (default 500). */
  maxBatch?: number;
  /** Events held while Redis is away before the oldest are dropped and backfilled later (default 100,000). */
  maxBuffered?: number;
  observer?: StreamEventSinkObserver;
}

interface PendingGap {
  userIds: readonly string[];
  fromMs: number;
  toMs: number;
  reason: 'gap';
}

export function transitionFromPresence(e: PresenceNotification): Transition {
  return {
    kind: 'presence',
    userId: e.userId,
    start: new Date(Date.parse(e.modifiedDate)).toISOString(),
    presenceDefinitionId: e.presenceDefinitionId,
    systemPresence: normaliseSystemPresence(e.systemPresence),
    source: 'stream',
  };
}

export function transitionFromRoutingStatus(e: RoutingStatusNotification): Transition {
  return {
    kind: 'routing',
    userId: e.userId,
    start: new Date(Date.parse(e.startTime)).toISOString(),
    routingStatus: e.status.toUpperCase(),
    source: 'stream',
  };
}

/**
 * Where the notifications consumer's events go: each event updates the agent's last observed presence (fenced)
 * and becomes a `presence-events` job; each gap becomes analytics-backfill jobs (widened by BACKFILL_MARGIN_MS).
 * Events are written in small batches; while Redis is unreachable they are held (bounded) and retried, and
 * events dropped past the bound are covered by a backfill of their agents and time span.
 */
export class StreamEventSink implements NotificationsHandler {
  private buffer: Transition[] = [];
  private gaps: PendingGap[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private retryMs = 0;
  private closed = false;
  private dropped: { userIds: Set<string>; fromMs: number; toMs: number } | undefined;
  private fencedLogged = false;

  constructor(private readonly deps: StreamEventSinkDeps) {}

  /** True when nothing is waiting to be written. */
  get idle(): boolean {
    return (
      this.buffer.length === 0 &&
      this.gaps.length === 0 &&
      this.flushing === undefined &&
      this.dropped === undefined
    );
  }

  onPresence(event: PresenceNotification): void {
    this.push(transitionFromPresence(event));
  }

  onRoutingStatus(event: RoutingStatusNotification): void {
    this.push(transitionFromRoutingStatus(event));
  }

  onConnected(channel: number, channelId: string): void {
    this.deps.observer?.onConnected?.(channel, channelId);
  }

  onDisconnected(channel: number, reason: string): void {
    this.deps.observer?.onDisconnected?.(channel, reason);
  }

  onGap(gap: StreamGap): void {
    const margin = this.deps.config.BACKFILL_MARGIN_MS;
    this.deps.logger.info(
      {
        channel: gap.channel,
        agents: gap.userIds.length,
        from: new Date(gap.fromMs).toISOString(),
        to: new Date(gap.toMs).toISOString(),
      },
      'stream gap: backfilling',
    );
    this.deps.observer?.onGap?.(gap);
    this.gaps.push({
      userIds: gap.userIds,
      fromMs: gap.fromMs - margin,
      toMs: gap.toMs + margin,
      reason: 'gap',
    });
    this.schedule(0);
  }

  /** Writes what is pending (bounded by `timeoutMs`) and stops taking events. */
  async close(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.idle && Date.now() < deadline) {
      if (this.timer !== undefined) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
      await (this.flushing ?? this.flush());
      if (!this.idle) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(this.retryMs || 50, 500)));
      }
    }
    this.closed = true;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.idle) {
      this.deps.logger.warn(
        { pending: this.buffer.length },
        'stream events not written at stop; the next leader backfills them',
      );
    }
  }

  private push(t: Transition): void {
    if (this.closed || Number.isNaN(Date.parse(t.start))) {
      return;
    }
    this.deps.observer?.onEvent?.(t);
    this.buffer.push(t);
    const max = this.deps.maxBuffered ?? 100_000;
    if (this.buffer.length > max) {
      this.drop(this.buffer.splice(0, this.buffer.length - max));
    }
    this.schedule(this.buffer.length >= (this.deps.maxBatch ?? 500) ? 0 : (this.deps.flushMs ?? 20));
  }

  private drop(events: Transition[]): void {
    for (const t of events) {
      const at = Date.parse(t.start);
      this.dropped ??= { userIds: new Set(), fromMs: at, toMs: at };
      this.dropped.userIds.add(t.userId);
      this.dropped.fromMs = Math.min(this.dropped.fromMs, at);
      this.dropped.toMs = Math.max(this.dropped.toMs, at);
    }
  }

  private mergeDropped(more: { userIds: Set<string>; fromMs: number; toMs: number }): void {
    const current = this.dropped;
    this.dropped =
      current === undefined
        ? more
        : {
            userIds: new Set([...current.userIds, ...more.userIds]),
            fromMs: Math.min(current.fromMs, more.fromMs),
            toMs: Math.max(current.toMs, more.toMs),
          };
  }

  private schedule(ms: number): void {
    if (this.closed || this.timer !== undefined || this.flushing !== undefined) {
      return;
    }
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.flush();
      },
      Math.max(ms, this.retryMs),
    );
  }

  private flush(): Promise<void> {
    this.flushing ??= this.writeBatch().finally(() => {
      this.flushing = undefined;
      if (this.buffer.length > 0 || this.gaps.length > 0 || this.dropped !== undefined) {
        this.schedule(0);
      }
    });
    return this.flushing;
  }

  private async writeBatch(): Promise<void> {
    const { deps } = this;
    const batch = this.buffer.splice(0, deps.maxBatch ?? 500);
    const gaps = this.gaps.splice(0);
    const dropped = this.dropped;
    this.dropped = undefined;
    try {
      const results = await Promise.all(batch.map((t) => deps.observed.write(t, deps.fencingToken)));
      if (results.includes('fenced') && !this.fencedLogged) {
        this.fencedLogged = true;
        deps.logger.error(
          { fencingToken: deps.fencingToken },
          'a newer stream leader exists; this one is stale',
        );
        deps.observer?.onFenced?.();
      }
      await enqueueTransitions(deps.presenceEventsQueue, deps.config, batch);
      if (dropped !== undefined) {
        const margin = deps.config.BACKFILL_MARGIN_MS;
        gaps.push({
          userIds: [...dropped.userIds],
          fromMs: dropped.fromMs - margin,
          toMs: dropped.toMs + margin + 1,
          reason: 'gap',
        });
      }
      for (const gap of gaps) {
        await requestBackfill(deps.backfillQueue, deps.config, gap);
      }
      this.retryMs = 0;
    } catch (err) {
      // Redis unreachable: keep everything (written twice at worst: recording is idempotent) and retry.
      this.buffer.unshift(...batch);
      this.gaps.unshift(...gaps);
      if (dropped !== undefined) {
        this.mergeDropped(dropped);
      }
      this.retryMs = Math.min(Math.max(this.retryMs * 2, 200), 10_000);
      deps.logger.warn(
        { err, pending: this.buffer.length, retryMs: this.retryMs },
        'stream events not written; retrying',
      );
    }
  }
}
