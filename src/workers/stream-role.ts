import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config';
import {
  NotificationsConsumer,
  type NotificationsControlPlane,
  type NotificationsHandler,
} from '../genesys/notifications';
import type { ChannelTiming, SocketFactory } from '../genesys/notifications-channel';
import { LeaderElector, LeaderLease } from '../leader-lease';
import type { Component } from '../lifecycle';
import type { RedisConnection } from '../redis';
import { RedisScript } from '../redis-script';
import { streamWatermarkKey } from '../timetracking/timetracking-keys';
import type { BackfillJobConfig } from './analytics-backfill-queue';
import type { PresenceEventsJobConfig } from './presence-events-queue';
import { StreamEventSink, type StreamEventSinkObserver } from './stream-event-sink';
import { ObservedPresenceWriter } from './stream-observed-presence';
import type { StreamWfmEvents } from './stream-wfm-events';

/** Raises the watermark, never lowers it. KEYS: watermark. ARGV: instant ms. */
const RAISE_WATERMARK = new RedisScript(`
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1]) return 1 end
return 0
`);

export type StreamRoleConfig = PresenceEventsJobConfig &
  BackfillJobConfig &
  Pick<
    Config,
    | 'QUEUE_PREFIX'
    | 'LEADER_LEASE_MS'
    | 'STREAM_HEARTBEAT_TIMEOUT_MS'
    | 'STREAM_RECONNECT_MIN_MS'
    | 'STREAM_RECONNECT_MAX_MS'
    | 'STREAM_RENEW_BEFORE_MS'
    | 'STREAM_TOPICS_PER_CHANNEL'
    | 'BACKFILL_MARGIN_MS'
    | 'BACKFILL_LOOKBACK_MS'
    | 'GENESYS_TIMEOUT_MS'
  >;

export interface StreamRoleObserver extends StreamEventSinkObserver {
  onElected?(fencingToken: number): void;
  onDemoted?(reason: string): void;
  /** The watermark was raised to this instant (every channel connected, every event written). */
  onWatermark?(ms: number): void;
}

interface Term {
  consumer: NotificationsConsumer;
  sink: StreamEventSink;
  timers: NodeJS.Timeout[];
  starting: Promise<void>;
  active: boolean;
  /** The agents the running consumer follows (sorted, comma-joined). */
  agents: string;
  restarting: boolean;
}

export interface StreamRoleDeps {
  config: StreamRoleConfig;
  /** Worker-profile connection (lease, observed presence, watermark, queues). */
  connection: RedisConnection;
  /** The Genesys client (channel REST calls). */
  genesys: NotificationsControlPlane;
  /** The managed agents (AgentRoster). */
  roster: { list(): Promise<readonly string[]> };
  presenceEventsQueue: Pick<Queue, 'addBulk'>;
  backfillQueue: Pick<Queue, 'addBulk'>;
  /** WFM topics (async schedule-search completions, business-unit schedule changes) and their handling. */
  wfm?: Pick<StreamWfmEvents, 'topics' | 'onScheduleSearch' | 'onBusinessUnitSchedules'> | undefined;
  logger: Logger;
  /** Genesys' clock, for gap instants and channel expiry (default Date.now; tests pass the emulator's). */
  now?: () => number;
  random?: () => number;
  createSocket?: SocketFactory;
  /** Overrides of the socket timing derived from the config (tests shorten them). */
  timing?: Partial<ChannelTiming>;
  /** How often the leader records that every channel was connected (default 5 s). */
  watermarkEveryMs?: number;
  /** How often the leader compares the roster with the agents it follows, re-subscribing on change (15 min). */
  rosterCheckEveryMs?: number;
  /** Name of the leader lease (default `stream`). */
  leaseName?: string;
  ownerId?: string;
  observer?: StreamRoleObserver;
}

/** The sink's handler, with the WFM events routed to `wfm` when given. */
function withWfm(sink: StreamEventSink, wfm: StreamRoleDeps['wfm']): NotificationsHandler {
  if (wfm === undefined) {
    return sink;
  }
  return {
    onPresence: (event) => sink.onPresence(event),
    onRoutingStatus: (event) => sink.onRoutingStatus(event),
    onGap: (gap) => sink.onGap(gap),
    onConnected: (channel, channelId) => sink.onConnected(channel, channelId),
    onDisconnected: (channel, reason) => sink.onDisconnected(channel, reason),
    onScheduleSearch: (event) => wfm.onScheduleSearch(event),
    onBusinessUnitSchedules: (event) => wfm.onBusinessUnitSchedules(event),
  };
}

/**
 * The `stream` role: every process running it competes for the stream leader lease; the leader runs the
 * notifications consumer, standbys wait and take over within about a lease period when the leader dies. A new
 * leader backfills from the stream watermark (the last instant at which the previous leader had every channel
 * connected and every event written), so a failover leaves no gap in the segments.
 */
export class StreamRole implements Component {
  readonly name = 'stream';
  private readonly elector: LeaderElector;
  private readonly now: () => number;
  private term: Term | undefined;

  constructor(private readonly deps: StreamRoleDeps) {
    this.now = deps.now ?? Date.now;
    const lease = new LeaderLease(deps.connection, {
      prefix: deps.config.QUEUE_PREFIX,
      name: deps.leaseName ?? 'stream',
      ttlMs: deps.config.LEADER_LEASE_MS,
      ...(deps.ownerId === undefined ? {} : { ownerId: deps.ownerId }),
    });
    this.elector = new LeaderElector(lease, {
      ttlMs: deps.config.LEADER_LEASE_MS,
      logger: deps.logger,
      onElected: (token) => this.lead(token),
      onDemoted: (reason) => this.standDown(reason),
    });
  }

  get isLeader(): boolean {
    return this.elector.isLeader;
  }

  /** The running consumer's channels (empty on a standby). */
  status(): ReturnType<NotificationsConsumer['status']> {
    return this.term?.consumer.status() ?? [];
  }

  /** True when this process leads and every channel's socket is open. */
  get allConnected(): boolean {
    return this.term?.consumer.allConnected ?? false;
  }

  async start(): Promise<void> {
    await this.elector.start();
  }

  async stop(): Promise<void> {
    await this.elector.stop();
  }

  private timing(): ChannelTiming {
    const { config } = this.deps;
    return {
      heartbeatTimeoutMs: config.STREAM_HEARTBEAT_TIMEOUT_MS,
      pongTimeoutMs: Math.min(10_000, Math.ceil(config.STREAM_HEARTBEAT_TIMEOUT_MS / 2)),
      reconnectMinMs: config.STREAM_RECONNECT_MIN_MS,
      reconnectMaxMs: Math.max(config.STREAM_RECONNECT_MAX_MS, config.STREAM_RECONNECT_MIN_MS),
      renewBeforeMs: config.STREAM_RENEW_BEFORE_MS,
      handshakeTimeoutMs: config.GENESYS_TIMEOUT_MS,
      ...this.deps.timing,
    };
  }

  /** Elected: start the consumer in the background (the elector keeps renewing meanwhile). */
  private async lead(fencingToken: number): Promise<void> {
    const { deps } = this;
    const { config, logger } = deps;
    const key = streamWatermarkKey(config.QUEUE_PREFIX);
    const stored = await deps.connection.get(key);
    const watermark = stored === null ? undefined : Number(stored);
    const initialGapFromMs =
      watermark !== undefined && Number.isFinite(watermark)
        ? watermark
        : this.now() - config.BACKFILL_LOOKBACK_MS;
    const sink = new StreamEventSink({
      observed: new ObservedPresenceWriter(deps.connection, config.QUEUE_PREFIX, this.now),
      presenceEventsQueue: deps.presenceEventsQueue,
      backfillQueue: deps.backfillQueue,
      config,
      fencingToken,
      logger,
      ...(deps.observer === undefined ? {} : { observer: deps.observer }),
    });
    const term: Term = {
      consumer: undefined as unknown as NotificationsConsumer, // set just below
      sink,
      timers: [],
      starting: Promise.resolve(),
      active: true,
      agents: '',
      restarting: false,
    };
    term.consumer = this.newConsumer(term, initialGapFromMs);
    const watermarkTimer = setInterval(() => {
      if (term.consumer.allConnected && sink.idle && !term.restarting) {
        const at = this.now();
        RAISE_WATERMARK.run(deps.connection, [key], [at]).then(
          () => deps.observer?.onWatermark?.(at),
          (err: unknown) => logger.warn({ err }, 'stream watermark not written'),
        );
      }
    }, deps.watermarkEveryMs ?? 5_000);
    const rosterTimer = setInterval(
      () => void this.followRoster(term),
      deps.rosterCheckEveryMs ?? 15 * 60_000,
    );
    for (const t of [watermarkTimer, rosterTimer]) {
      t.unref?.();
      term.timers.push(t);
    }
    this.term = term;
    term.starting = this.startConsumer(term);
    deps.observer?.onElected?.(fencingToken);
  }

  private newConsumer(term: Term, initialGapFromMs: number): NotificationsConsumer {
    const { deps } = this;
    const wfm = deps.wfm;
    return new NotificationsConsumer({
      api: deps.genesys,
      userIds: async () => {
        const list = [...(await deps.roster.list())].sort();
        term.agents = list.join(',');
        return list;
      },
      ...(wfm === undefined ? {} : { extraTopics: () => wfm.topics() }),
      handler: withWfm(term.sink, wfm),
      timing: this.timing(),
      topicsPerChannel: deps.config.STREAM_TOPICS_PER_CHANNEL,
      logger: deps.logger,
      initialGapFromMs,
      now: this.now,
      ...(deps.random === undefined ? {} : { random: deps.random }),
      ...(deps.createSocket === undefined ? {} : { createSocket: deps.createSocket }),
    });
  }

  /** Re-subscribes when the managed agents changed (the span of the switch is backfilled). */
  private async followRoster(term: Term): Promise<void> {
    if (!term.active || term.restarting) {
      return;
    }
    let list: string[];
    try {
      list = [...(await this.deps.roster.list())].sort();
    } catch (err) {
      this.deps.logger.warn({ err }, 'roster unavailable; keeping the current subscriptions');
      return;
    }
    if (list.join(',') === term.agents || !term.active) {
      return;
    }
    term.restarting = true;
    try {
      this.deps.logger.info({ agents: list.length }, 'managed agents changed; subscribing again');
      await term.starting;
      const gapFromMs = this.now();
      await term.consumer.stop();
      if (!term.active) {
        return;
      }
      term.consumer = this.newConsumer(term, gapFromMs);
      term.starting = this.startConsumer(term);
      await term.starting;
    } finally {
      term.restarting = false;
    }
  }

  /** Starts the consumer, retrying (e.g. the roster could not be read) until it runs or leadership ends. */
  private async startConsumer(term: Term): Promise<void> {
    let delay = this.deps.config.STREAM_RECONNECT_MIN_MS;
    while (term.active) {
      try {
        await term.consumer.start();
        return;
      } catch (err) {
        this.deps.logger.error({ err, retryMs: delay }, 'notifications consumer failed to start; retrying');
        await term.consumer.stop().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, this.deps.config.STREAM_RECONNECT_MAX_MS);
      }
    }
  }

  private async standDown(reason: string): Promise<void> {
    const term = this.term;
    this.term = undefined;
    if (term === undefined) {
      return;
    }
    term.active = false;
    for (const t of term.timers) {
      clearInterval(t);
    }
    await term.starting;
    await term.consumer.stop();
    await term.sink.close();
    this.deps.logger.info({ reason }, 'stream leadership ended; consumer stopped');
    this.deps.observer?.onDemoted?.(reason);
  }
}
