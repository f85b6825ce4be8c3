import type { Logger } from 'pino';
import WebSocket from 'ws';
import {
  parseNotificationFrame,
  type BusinessUnitSchedulesNotification,
  type PresenceNotification,
  type RoutingStatusNotification,
  type ScheduleSearchNotification,
} from './notifications-events';
import { reconnectDelay, topicsOf } from './notifications-plan';

/** The REST calls a channel needs (the `GenesysClient` methods of the same names). */
export interface NotificationsControlPlane {
  createChannel(): Promise<{ data: { id: string; connectUri: string; expires?: string | undefined } }>;
  channelExists(channelId: string): Promise<{ data: boolean }>;
  putSubscriptions(channelId: string, topics: readonly string[]): Promise<unknown>;
}

/** A span of time in which a channel's events may have been missed (to be backfilled). */
export interface StreamGap {
  channel: number;
  userIds: readonly string[];
  /** Last frame received before the outage (or the start of the stream's own gap), epoch ms. */
  fromMs: number;
  /** When the socket was open again, epoch ms. */
  toMs: number;
  reason: string;
}

/** What the consumer does with the stream. Called synchronously, in arrival order; must not throw. */
export interface NotificationsHandler {
  onPresence(event: PresenceNotification): void;
  onRoutingStatus(event: RoutingStatusNotification): void;
  onGap(gap: StreamGap): void;
  /** An async WFM schedule search finished (only when its topic is among the channel's extra topics). */
  onScheduleSearch?(event: ScheduleSearchNotification): void;
  /** A business unit's schedules changed (likewise). */
  onBusinessUnitSchedules?(event: BusinessUnitSchedulesNotification): void;
  onConnected?(channel: number, channelId: string): void;
  onDisconnected?(channel: number, reason: string): void;
}

export interface ChannelTiming {
  /** No frame for this long → send a ping. */
  heartbeatTimeoutMs: number;
  /** No frame for this long after the ping → drop the socket and reconnect. */
  pongTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** Re-subscribe (which extends the channel) once it expires within this. */
  renewBeforeMs: number;
  /** Longest WebSocket opening handshake. */
  handshakeTimeoutMs: number;
}

export type SocketFactory = (url: string, options: { handshakeTimeout: number }) => WebSocket;

export interface NotificationChannelDeps {
  index: number;
  userIds: readonly string[];
  /** Topics subscribed besides the agents' presence and routing status (WFM notifications). */
  extraTopics?: readonly string[];
  api: NotificationsControlPlane;
  handler: NotificationsHandler;
  timing: ChannelTiming;
  logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** Clock of the gap instants and the channel expiry (Genesys' time); default Date.now. */
  now?: () => number;
  random?: () => number;
  createSocket?: SocketFactory;
  /** Reported as a gap from this instant up to the first connection (events missed before this process led). */
  initialGapFromMs?: number;
}

const DAY_MS = 86_400_000;

/**
 * One notification channel and its WebSocket (genesys-api.md §5.5): create + subscribe, connect, watch heartbeats
 * (ping, then drop), reconnect with back-off and jitter (HEAD the channel: reuse it, or create a new one and
 * subscribe again), handle `socket_closing` / `token_revoked` / `no_longer_subscribed`, re-subscribe before the
 * 24 h expiry, and report every span in which events may have been missed as a {@link StreamGap}.
 */
export class NotificationChannel {
  private channel: { id: string; connectUri: string; expiresAt: number; lifetimeMs: number } | undefined;
  private socket: WebSocket | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private gapFromMs: number | undefined;
  private lastFrameAt: number | undefined;
  private forceNewChannel = false;
  private immediateReconnect = false;
  private renewing = false;
  private watchdog: NodeJS.Timeout | undefined;
  private pongTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly createSocket: SocketFactory;

  constructor(private readonly deps: NotificationChannelDeps) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.createSocket = deps.createSocket ?? ((url, options) => new WebSocket(url, options));
    this.gapFromMs = deps.initialGapFromMs;
  }

  get index(): number {
    return this.deps.index;
  }

  get channelId(): string | undefined {
    return this.channel?.id;
  }

  get connected(): boolean {
    return this.socket !== undefined;
  }

  /** Starts connecting; resolves after the first attempt (connected or not: it keeps trying in the background). */
  start(): Promise<void> {
    this.running = true;
    return new Promise<void>((resolve) => {
      this.loop = this.run(resolve);
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    const socket = this.socket;
    if (socket !== undefined) {
      socket.close(1000, 'consumer stopping');
    }
    await this.loop;
    this.clearTimers();
  }

  private async run(firstAttemptDone: () => void): Promise<void> {
    const { logger, index, handler } = this.deps;
    let attempt = 0;
    while (this.running) {
      let reason = 'connect failed';
      try {
        await this.ensureChannel();
        const { closed } = await this.openSocket();
        attempt = 0;
        const channelId = this.channel?.id ?? '';
        const openedAt = this.now();
        logger.info({ channel: index, channelId }, 'notification socket open');
        handler.onConnected?.(index, channelId);
        if (this.gapFromMs !== undefined && this.deps.userIds.length > 0) {
          handler.onGap({
            channel: index,
            userIds: this.deps.userIds,
            fromMs: this.gapFromMs,
            toMs: openedAt,
            reason: 'reconnected',
          });
        }
        this.gapFromMs = undefined;
        firstAttemptDone();
        reason = await closed;
        handler.onDisconnected?.(index, reason);
      } catch (err) {
        logger.warn({ err, channel: index, attempt }, 'notification channel connect failed');
        firstAttemptDone();
      }
      if (!this.running) {
        break;
      }
      this.gapFromMs ??= this.lastFrameAt ?? this.now();
      const delay = this.immediateReconnect
        ? 0
        : reconnectDelay(
            attempt,
            this.deps.timing.reconnectMinMs,
            this.deps.timing.reconnectMaxMs,
            this.random,
          );
      this.immediateReconnect = false;
      attempt += 1;
      logger.info({ channel: index, reason, delayMs: delay }, 'notification socket closed; reconnecting');
      await this.sleep(delay);
    }
  }

  private topics(): string[] {
    return [...(this.deps.extraTopics ?? []), ...topicsOf(this.deps.userIds)];
  }

  /** HEAD the known channel: reuse it when valid, else create one and subscribe the agents' topics. */
  private async ensureChannel(): Promise<void> {
    const { api, logger, index } = this.deps;
    if (this.channel !== undefined && !this.forceNewChannel) {
      const exists = (await api.channelExists(this.channel.id)).data;
      if (exists) {
        return;
      }
      logger.info(
        { channel: index, channelId: this.channel.id },
        'notification channel gone; creating a new one',
      );
    }
    const created = (await api.createChannel()).data;
    await api.putSubscriptions(created.id, this.topics());
    const at = this.now();
    const expires = created.expires === undefined ? Number.NaN : Date.parse(created.expires);
    const expiresAt = Number.isNaN(expires) ? at + DAY_MS : expires;
    this.channel = {
      id: created.id,
      connectUri: created.connectUri,
      expiresAt,
      lifetimeMs: Math.max(expiresAt - at, this.deps.timing.renewBeforeMs * 2),
    };
    this.forceNewChannel = false;
    logger.info(
      { channel: index, channelId: created.id, topics: this.topics().length },
      'notification channel created and subscribed',
    );
  }

  /** Resolves once the socket is open, with a promise of the reason it closes (wrapped: a promise would chain). */
  private openSocket(): Promise<{ closed: Promise<string> }> {
    const channel = this.channel;
    if (channel === undefined) {
      return Promise.reject(new Error('no channel'));
    }
    return new Promise<{ closed: Promise<string> }>((resolveOpen, rejectOpen) => {
      let opened = false;
      let resolveClosed: (reason: string) => void = () => undefined;
      const closed = new Promise<string>((resolve) => {
        resolveClosed = resolve;
      });
      const ws = this.createSocket(channel.connectUri, {
        handshakeTimeout: this.deps.timing.handshakeTimeoutMs,
      });
      ws.on('open', () => {
        if (!this.running) {
          ws.close(1000, 'consumer stopping');
        }
        opened = true;
        this.socket = ws;
        this.lastFrameAt = this.now();
        this.armWatchdog(ws);
        resolveOpen({ closed });
      });
      ws.on('message', (data: WebSocket.RawData) => this.onFrame(ws, data));
      ws.on('error', (err) => {
        if (!opened) {
          rejectOpen(err);
        } else {
          this.deps.logger.warn({ err, channel: this.deps.index }, 'notification socket error');
        }
      });
      ws.on('close', (code: number, reason: Buffer) => {
        if (this.socket === ws) {
          this.socket = undefined;
        }
        this.clearTimers();
        if (!opened) {
          rejectOpen(new Error(`notification socket closed before opening (${code})`));
        }
        resolveClosed(`${code}${reason.length > 0 ? ` ${reason.toString()}` : ''}`);
      });
    });
  }

  private onFrame(ws: WebSocket, data: WebSocket.RawData): void {
    const { handler, logger, index } = this.deps;
    this.lastFrameAt = this.now();
    this.armWatchdog(ws);
    const frame = parseNotificationFrame(data.toString());
    switch (frame.type) {
      case 'presence':
        handler.onPresence(frame.event);
        break;
      case 'routing-status':
        handler.onRoutingStatus(frame.event);
        break;
      case 'schedule-search':
        handler.onScheduleSearch?.(frame.event);
        break;
      case 'business-unit-schedules':
        handler.onBusinessUnitSchedules?.(frame.event);
        break;
      case 'socket-closing':
        logger.info({ channel: index }, 'socket_closing received; reconnecting now');
        this.immediateReconnect = true;
        ws.close(1000, 'socket closing');
        break;
      case 'token-revoked':
        logger.warn({ channel: index }, 'token revoked: the channel is dead; creating a new one');
        this.forceNewChannel = true;
        this.immediateReconnect = true;
        ws.close(1000, 'token revoked');
        break;
      case 'no-longer-subscribed':
        logger.warn({ channel: index }, 'no longer subscribed; subscribing again');
        void this.renew(true);
        break;
      case 'invalid':
        logger.warn({ channel: index, reason: frame.reason }, 'unreadable notification frame ignored');
        break;
      default:
        break;
    }
    void this.renew(false);
  }

  /** Re-subscribes when the channel expires within `renewBeforeMs` (or when forced); PUT extends the lifetime. */
  private async renew(force: boolean): Promise<void> {
    const channel = this.channel;
    if (channel === undefined || this.renewing) {
      return;
    }
    if (!force && this.now() < channel.expiresAt - this.deps.timing.renewBeforeMs) {
      return;
    }
    this.renewing = true;
    try {
      await this.deps.api.putSubscriptions(channel.id, this.topics());
      channel.expiresAt = this.now() + channel.lifetimeMs;
      this.deps.logger.info(
        { channel: this.deps.index, channelId: channel.id },
        'notification channel renewed',
      );
    } catch (err) {
      this.deps.logger.warn(
        { err, channel: this.deps.index },
        'notification channel renewal failed; will retry',
      );
    } finally {
      this.renewing = false;
    }
  }

  private armWatchdog(ws: WebSocket): void {
    this.clearTimers();
    const { heartbeatTimeoutMs, pongTimeoutMs } = this.deps.timing;
    this.watchdog = setTimeout(() => {
      this.deps.logger.warn({ channel: this.deps.index }, 'no notification frame in time; sending ping');
      if (ws.readyState === WebSocket.OPEN) {
        ws.send(JSON.stringify({ message: 'ping' }));
      }
      this.pongTimer = setTimeout(() => {
        this.deps.logger.warn({ channel: this.deps.index }, 'no answer to ping; dropping the socket');
        ws.terminate();
      }, pongTimeoutMs);
    }, heartbeatTimeoutMs);
  }

  private clearTimers(): void {
    if (this.watchdog !== undefined) {
      clearTimeout(this.watchdog);
      this.watchdog = undefined;
    }
    if (this.pongTimer !== undefined) {
      clearTimeout(this.pongTimer);
      this.pongTimer = undefined;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
