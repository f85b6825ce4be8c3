import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { badRequest } from './error-body';
import type { EventPublisher } from './event-publisher';

export const CHANNELS_PER_CLIENT = 20;
export const TOPICS_PER_CHANNEL = 1000;
export const CHANNEL_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** Topics the emulator accepts; only the presence, routing status, activity and WFM search ones are ever emitted. */
const TOPIC_PATTERNS: readonly RegExp[] = [
  /^v2\.users\.[^.\s]+\.(presence|routingStatus|activity|integrationpresence)$/,
  /^v2\.users\.[^.\s]+\.workforcemanagement\.(schedules|adherence|timeoffrequests)$/,
  /^v2\.workforcemanagement\.users\.[^.\s]+\.schedules\.search$/,
  /^v2\.workforcemanagement\.businessunits\.[^.\s]+\.schedules$/,
  /^v2\.workforcemanagement\.managementunits\.[^.\s]+\.(agentschedules\.changed|adherence)$/,
];

export interface ChannelRecord {
  id: string;
  clientId: string;
  token: string;
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number;
  topics: Set<string>;
  socket: WebSocket | undefined;
  heartbeat: NodeJS.Timeout | undefined;
}

export interface ChannelView {
  connectUri: string;
  id: string;
  expires: string;
}

export interface ChannelTopicView {
  id: string;
  state: 'Permitted' | 'Rejected';
  rejectionReason?: string;
  selfUri: string;
}

/**
 * Notification channels (REST control plane) and their WebSockets: the 20-channel and 1,000-topic limits,
 * 24 h lifetime extended by re-subscribing, JSON heartbeats, `{"message":"ping"}` → pong, socket_closing,
 * and delivery of events to the channels subscribed to a topic (indexed by topic, so no scan of channels).
 */
export class NotificationHub implements EventPublisher {
  private readonly channels = new Map<string, ChannelRecord>();
  private readonly byTopic = new Map<string, Set<ChannelRecord>>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });

  constructor(
    private readonly now: () => number,
    private readonly baseUrl: () => string,
    private readonly heartbeatMs: number,
  ) {}

  // ---- REST control plane -------------------------------------------------------------------------

  create(clientId: string, token: string): ChannelView {
    const mine = [...this.channels.values()].filter((c) => c.clientId === clientId && this.live(c));
    if (mine.length >= CHANNELS_PER_CLIENT) {
      // Evict the least recently used channel, unconnected channels first.
      mine.sort(
        (a, b) =>
          Number(a.socket !== undefined) - Number(b.socket !== undefined) || a.lastUsedAt - b.lastUsedAt,
      );
      this.remove(mine[0]!, 'evicted');
    }
    const at = this.now();
    const channel: ChannelRecord = {
      id: randomUUID(),
      clientId,
      token,
      createdAt: at,
      expiresAt: at + CHANNEL_LIFETIME_MS,
      lastUsedAt: at,
      topics: new Set(),
      socket: undefined,
      heartbeat: undefined,
    };
    this.channels.set(channel.id, channel);
    return this.view(channel);
  }

  /** The caller's live channel, or undefined (unknown, expired, or another client's). */
  find(id: string, clientId: string): ChannelRecord | undefined {
    const channel = this.channels.get(id);
    if (channel === undefined || channel.clientId !== clientId || !this.live(channel)) {
      return undefined;
    }
    return channel;
  }

  list(clientId: string, token: string | undefined): ChannelView[] {
    return [...this.channels.values()]
      .filter((c) => c.clientId === clientId && (token === undefined || c.token === token) && this.live(c))
      .map((c) => this.view(c));
  }

  topics(channel: ChannelRecord): ChannelTopicView[] {
    return [...channel.topics].map((id) => this.topicView(channel, id, 'Permitted'));
  }

  /** PUT (replace) or POST (add) subscriptions; extends the channel's lifetime. */
  subscribe(
    channel: ChannelRecord,
    raw: unknown,
    mode: 'replace' | 'add',
    ignoreErrors: boolean,
  ): ChannelTopicView[] {
    if (!Array.isArray(raw)) {
      throw badRequest('The body must be an array of ChannelTopic ({"id": "<topic>"}).');
    }
    const requested: string[] = [];
    const rejected: ChannelTopicView[] = [];
    for (const item of raw) {
      const id = typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined;
      if (typeof id !== 'string' || !TOPIC_PATTERNS.some((p) => p.test(id))) {
        if (!ignoreErrors) {
          throw badRequest(`Invalid topic: ${String(id)}`, {
            details: [{ errorCode: 'invalid.value', fieldName: 'id', entityId: String(id) }],
          });
        }
        rejected.push(this.topicView(channel, String(id), 'Rejected'));
        continue;
      }
      requested.push(id);
    }
    const next = new Set(mode === 'replace' ? requested : [...channel.topics, ...requested]);
    if (next.size > TOPICS_PER_CHANNEL) {
      throw badRequest(
        `A channel may have at most ${TOPICS_PER_CHANNEL} topics; this would make ${next.size}.`,
      );
    }
    this.setTopics(channel, next);
    const at = this.now();
    channel.expiresAt = at + CHANNEL_LIFETIME_MS;
    channel.lastUsedAt = at;
    return [...this.topics(channel), ...rejected];
  }

  unsubscribeAll(channel: ChannelRecord): void {
    this.setTopics(channel, new Set());
    channel.lastUsedAt = this.now();
  }

  /** Ends every channel opened with one of these tokens (revoked or expired), telling its socket first. */
  endChannelsOfTokens(tokens: ReadonlySet<string>): void {
    for (const channel of [...this.channels.values()]) {
      if (tokens.has(channel.token)) {
        this.send(channel, {
          topicName: `v2.system.token_revoked.${channel.id}`,
          eventBody: {
            channelId: channel.id,
            systemTopicType: 'token_revoked',
            reason: 'user_tokens_revoked',
            message: 'The token that created this channel was revoked or has expired.',
          },
        });
        this.remove(channel, 'token revoked');
      }
    }
  }

  // ---- WebSocket ----------------------------------------------------------------------------------

  /** Handles an HTTP upgrade on `/channels/<id>`; answers 404 for an unknown or expired channel. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const match = /^\/channels\/([^/?]+)/.exec(request.url ?? '');
    const channel = match === null ? undefined : this.channels.get(match[1]!);
    if (channel === undefined || !this.live(channel)) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.attach(channel, ws));
  }

  /** Sends `v2.system.socket_closing` on every socket; with `closeAfterMs`, closes them after that delay. */
  socketClosing(closeAfterMs?: number): number {
    let count = 0;
    for (const channel of this.channels.values()) {
      const socket = channel.socket;
      if (socket === undefined) {
        continue;
      }
      this.send(channel, {
        topicName: 'v2.system.socket_closing',
        eventBody: { channelId: channel.id, message: 'The WebSocket will close shortly for maintenance.' },
      });
      count += 1;
      if (closeAfterMs !== undefined) {
        setTimeout(() => socket.close(1001, 'socket closing'), closeAfterMs).unref();
      }
    }
    return count;
  }

  /** Drops every socket without a close frame (as a network failure would); channels stay valid. */
  dropAll(): number {
    let count = 0;
    for (const channel of this.channels.values()) {
      if (channel.socket !== undefined) {
        channel.socket.terminate();
        this.detach(channel);
        count += 1;
      }
    }
    return count;
  }

  get connectedCount(): number {
    let n = 0;
    for (const c of this.channels.values()) {
      if (c.socket !== undefined) {
        n += 1;
      }
    }
    return n;
  }

  // ---- delivery -----------------------------------------------------------------------------------

  isSubscribed(topicName: string): boolean {
    return this.byTopic.has(topicName);
  }

  publish(topicName: string, eventBody: unknown): void {
    const subscribers = this.byTopic.get(topicName);
    if (subscribers === undefined) {
      return;
    }
    for (const channel of [...subscribers]) {
      if (!this.live(channel)) {
        continue;
      }
      if (channel.socket !== undefined) {
        this.send(channel, { topicName, version: '2', eventBody, metadata: { CorrelationId: randomUUID() } });
      }
    }
  }

  /** Forgets every channel, closing its socket (admin reset). */
  reset(): void {
    for (const channel of [...this.channels.values()]) {
      this.remove(channel, 'emulator reset');
    }
  }

  /** Closes every socket and forgets every channel (emulator stopping). */
  closeAll(): void {
    for (const channel of [...this.channels.values()]) {
      this.remove(channel, 'emulator stopping');
    }
    this.wss.close();
  }

  // ---- internals ----------------------------------------------------------------------------------

  private attach(channel: ChannelRecord, ws: WebSocket): void {
    if (channel.socket !== undefined) {
      channel.socket.close(4000, 'another connection was opened for this channel');
      this.detach(channel);
    }
    channel.socket = ws;
    channel.lastUsedAt = this.now();
    channel.heartbeat = setInterval(() => {
      this.send(channel, { topicName: 'channel.metadata', eventBody: { message: 'WebSocket Heartbeat' } });
    }, this.heartbeatMs);
    channel.heartbeat.unref();
    ws.on('message', (data: RawData) => this.onMessage(channel, ws, data));
    ws.on('close', () => {
      if (channel.socket === ws) {
        this.detach(channel);
      }
    });
    ws.on('error', () => {
      if (channel.socket === ws) {
        this.detach(channel);
      }
    });
  }

  private onMessage(channel: ChannelRecord, ws: WebSocket, data: RawData): void {
    let message: { message?: unknown; topics?: unknown; correlationId?: unknown };
    try {
      message = JSON.parse(data.toString()) as typeof message;
    } catch {
      ws.send(JSON.stringify({ result: '400', status: 'error', message: 'Invalid JSON' }));
      return;
    }
    if (message.message === 'ping') {
      this.send(channel, { topicName: 'channel.metadata', eventBody: { message: 'pong' } });
      return;
    }
    if (message.message === 'subscribe' && Array.isArray(message.topics)) {
      try {
        this.subscribe(
          channel,
          message.topics.map((id: unknown) => ({ id })),
          'add',
          false,
        );
        ws.send(
          JSON.stringify({ result: '200', status: 'subscribed', correlationId: message.correlationId }),
        );
      } catch (err) {
        ws.send(JSON.stringify({ result: '400', status: 'failure', message: (err as Error).message }));
      }
      return;
    }
    ws.send(JSON.stringify({ result: '400', status: 'error', message: 'Unsupported message' }));
  }

  private send(channel: ChannelRecord, frame: unknown): void {
    const socket = channel.socket;
    if (socket !== undefined && socket.readyState === socket.OPEN) {
      socket.send(JSON.stringify(frame));
    }
  }

  private detach(channel: ChannelRecord): void {
    if (channel.heartbeat !== undefined) {
      clearInterval(channel.heartbeat);
    }
    channel.heartbeat = undefined;
    channel.socket = undefined;
  }

  private live(channel: ChannelRecord): boolean {
    if (this.now() < channel.expiresAt) {
      return true;
    }
    this.remove(channel, 'channel expired');
    return false;
  }

  private remove(channel: ChannelRecord, reason: string): void {
    if (channel.socket !== undefined) {
      channel.socket.close(1000, reason);
      this.detach(channel);
    }
    this.setTopics(channel, new Set());
    this.channels.delete(channel.id);
  }

  private setTopics(channel: ChannelRecord, next: Set<string>): void {
    for (const topic of channel.topics) {
      if (!next.has(topic)) {
        const set = this.byTopic.get(topic);
        set?.delete(channel);
        if (set?.size === 0) {
          this.byTopic.delete(topic);
        }
      }
    }
    for (const topic of next) {
      let set = this.byTopic.get(topic);
      if (set === undefined) {
        set = new Set();
        this.byTopic.set(topic, set);
      }
      set.add(channel);
    }
    channel.topics = next;
  }

  private view(channel: ChannelRecord): ChannelView {
    return {
      connectUri: `${this.baseUrl().replace(/^http/, 'ws')}/channels/${channel.id}`,
      id: channel.id,
      expires: new Date(channel.expiresAt).toISOString(),
    };
  }

  private topicView(channel: ChannelRecord, id: string, state: ChannelTopicView['state']): ChannelTopicView {
    return {
      id,
      state,
      ...(state === 'Rejected' ? { rejectionReason: 'Unknown topic' } : {}),
      selfUri: `/api/v2/notifications/channels/${channel.id}/subscriptions`,
    };
  }
}
