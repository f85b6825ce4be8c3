import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { WebSocketServer } from 'ws';
import { loadConfig } from '../../src/config';
import { createGenesysClient, type GenesysClient } from '../../src/genesys';
import {
  NotificationsConsumer,
  type NotificationsHandler,
  type StreamGap,
} from '../../src/genesys/notifications';
import type { NotificationsControlPlane } from '../../src/genesys/notifications-channel';
import type { PresenceNotification, RoutingStatusNotification } from '../../src/genesys/notifications-events';
import { FakeClock, startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const SUBSCRIPTIONS_ROUTE = '/api/v2/notifications/channels/:channelId/subscriptions';

/** Records what the consumer reports and lets a test await a condition over it. */
class Recorder implements NotificationsHandler {
  readonly presence: PresenceNotification[] = [];
  readonly routing: RoutingStatusNotification[] = [];
  readonly gaps: StreamGap[] = [];
  readonly connects: { channel: number; channelId: string }[] = [];
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  onPresence(e: PresenceNotification): void {
    this.presence.push(e);
    this.poke();
  }
  onRoutingStatus(e: RoutingStatusNotification): void {
    this.routing.push(e);
    this.poke();
  }
  onGap(gap: StreamGap): void {
    this.gaps.push(gap);
    this.poke();
  }
  onConnected(channel: number, channelId: string): void {
    this.connects.push({ channel, channelId });
    this.poke();
  }

  until(check: () => boolean): Promise<void> {
    if (check()) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ check, resolve }));
  }

  private poke(): void {
    for (const w of [...this.waiters]) {
      if (w.check()) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }
}

const fastTiming = {
  heartbeatTimeoutMs: 5_000,
  pongTimeoutMs: 1_000,
  reconnectMinMs: 10,
  reconnectMaxMs: 50,
  renewBeforeMs: 3_600_000,
  handshakeTimeoutMs: 2_000,
};

describe('notifications consumer against the emulator', () => {
  let emulator: TestEmulator;
  let redis: Redis;
  let prefix: string;
  let client: GenesysClient;
  let consumer: NotificationsConsumer | undefined;
  let clock: FakeClock;
  const subscriptionPuts = new EventEmitter();

  beforeEach(async () => {
    clock = new FakeClock(Date.now());
    emulator = await startTestEmulator({ agents: 20, heartbeatMs: 200, now: clock.now });
    redis = testRedis();
    prefix = uniquePrefix('stream');
    client = createGenesysClient({
      config: loadConfig({
        REDIS_URL: testRedisUrl(),
        QUEUE_PREFIX: prefix,
        ...emulator.genesysEnv,
      }),
      redis,
      logger,
      tuning: { retryBaseDelayMs: 10, retryMaxDelayMs: 50, now: clock.now },
    });
  });

  afterEach(async () => {
    await consumer?.stop();
    consumer = undefined;
    await client.stop();
    await emulator.stop();
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  async function startConsumer(recorder: Recorder, topicsPerChannel = 10): Promise<NotificationsConsumer> {
    consumer = new NotificationsConsumer({
      api: {
        createChannel: () => client.createChannel(),
        channelExists: (id) => client.channelExists(id),
        putSubscriptions: async (id, topics) => {
          const result = await client.putSubscriptions(id, topics);
          subscriptionPuts.emit('put');
          return result;
        },
      },
      userIds: async () => emulator.admin.agentIds(),
      handler: recorder,
      timing: fastTiming,
      topicsPerChannel,
      logger,
      now: clock.now,
      random: () => 0.5,
    });
    await consumer.start();
    return consumer;
  }

  it('follows every agent over several channels (1,000-topic limit scaled down) and parses both topics', async () => {
    const recorder = new Recorder();
    const c = await startConsumer(recorder, 10);
    expect(c.status()).toHaveLength(4);
    expect(c.allConnected).toBe(true);
    const [first, last] = [emulator.admin.agentIds()[0] as string, emulator.admin.agentIds()[19] as string];
    emulator.admin.agentChangesPresence(first, 'Available');
    clock.advance(1_000);
    emulator.admin.agentChangesPresence(first, 'On Queue');
    emulator.admin.agentChangesPresence(last, 'Break');
    await recorder.until(
      () =>
        recorder.presence.length >= 3 &&
        recorder.routing.some((r) => r.userId === first && r.status === 'IDLE'),
    );
    const onQueue = recorder.presence.filter((p) => p.userId === first)[1];
    expect(onQueue).toMatchObject({
      presenceDefinitionId: 'e08eaf1b-ee47-4fa9-a231-1200e284798f',
      modifiedDate: new Date(clock.now()).toISOString(),
    });
    expect(onQueue?.systemPresence.replace(/[\s_]/g, '').toLowerCase()).toBe('onqueue');
    expect(recorder.routing.filter((r) => r.userId === first).pop()).toMatchObject({
      status: 'IDLE',
      startTime: new Date(clock.now()).toISOString(),
    });
    expect(recorder.gaps).toEqual([]);
  });

  it('reconnects to the same channels after the sockets drop and reports the gap', async () => {
    const recorder = new Recorder();
    const c = await startConsumer(recorder, 40);
    const before = c.status().map((s) => s.channelId);
    const droppedAt = clock.now();
    clock.advance(5_000);
    expect(emulator.admin.dropWebSockets()).toBe(1);
    await recorder.until(() => recorder.gaps.length === 1 && recorder.connects.length === 2);
    expect(c.status().map((s) => s.channelId)).toEqual(before);
    expect(recorder.gaps[0]).toMatchObject({ channel: 0, reason: 'reconnected' });
    expect(recorder.gaps[0]?.fromMs).toBeLessThanOrEqual(droppedAt + 5_000);
    expect(recorder.gaps[0]?.userIds).toHaveLength(20);
    const agent = emulator.admin.agentIds()[3] as string;
    emulator.admin.agentChangesPresence(agent, 'Meal');
    await recorder.until(() => recorder.presence.some((p) => p.userId === agent));
  });

  it('creates new channels and subscribes again after the token is revoked', async () => {
    const recorder = new Recorder();
    const c = await startConsumer(recorder, 20);
    const before = c.status().map((s) => s.channelId);
    emulator.admin.revokeAllTokens();
    // The next REST call gets 401; the client fetches a new token, the dead channels are replaced.
    await recorder.until(() => recorder.connects.length === 4 && recorder.gaps.length === 2);
    const after = c.status().map((s) => s.channelId);
    expect(after.every((id, i) => id !== before[i])).toBe(true);
    const agent = emulator.admin.agentIds()[15] as string;
    emulator.admin.agentChangesPresence(agent, 'Training');
    await recorder.until(() => recorder.presence.some((p) => p.userId === agent));
  });

  it('reconnects at once on socket_closing, keeping the channel', async () => {
    const recorder = new Recorder();
    const c = await startConsumer(recorder, 40);
    const before = c.status().map((s) => s.channelId);
    expect(emulator.admin.sendSocketClosing(60_000)).toBe(1);
    await recorder.until(() => recorder.connects.length === 2);
    expect(c.status().map((s) => s.channelId)).toEqual(before);
    expect(recorder.gaps).toHaveLength(1);
  });

  it('re-subscribes before the 24 h expiry, which extends the channel', async () => {
    const recorder = new Recorder();
    await startConsumer(recorder, 40);
    const puts = emulator.admin.callCount('PUT', SUBSCRIPTIONS_ROUTE);
    const renewed = once(subscriptionPuts, 'put');
    clock.advance(23.5 * 3_600_000);
    // The next heartbeat frame finds the channel within an hour of its expiry and subscribes again.
    await renewed;
    expect(emulator.admin.callCount('PUT', SUBSCRIPTIONS_ROUTE)).toBe(puts + 1);
    clock.advance(3_600_000); // past the original expiry: still alive
    const agent = emulator.admin.agentIds()[0] as string;
    emulator.admin.agentChangesPresence(agent, 'Away');
    await recorder.until(() => recorder.presence.some((p) => p.userId === agent));
  });
});

describe('notifications watchdog', () => {
  it('pings a silent socket, and drops and reconnects it when no answer comes', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(server, 'listening');
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/channels/c1`;
    const pings: string[] = [];
    let connections = 0;
    server.on('connection', (ws) => {
      connections += 1;
      ws.on('message', (data) => pings.push(String(data)));
    });
    const api: NotificationsControlPlane = {
      createChannel: async () => ({ data: { id: 'c1', connectUri: url } }),
      channelExists: async () => ({ data: true }),
      putSubscriptions: async () => undefined,
    };
    const recorder = new Recorder();
    const consumer = new NotificationsConsumer({
      api,
      userIds: async () => ['u1'],
      handler: recorder,
      timing: { ...fastTiming, heartbeatTimeoutMs: 100, pongTimeoutMs: 100 },
      topicsPerChannel: 1000,
      logger,
      random: () => 0,
    });
    try {
      await consumer.start();
      await recorder.until(() => recorder.connects.length >= 2);
      expect(pings[0]).toBe('{"message":"ping"}');
      expect(connections).toBeGreaterThanOrEqual(2);
      expect(recorder.gaps.length).toBeGreaterThanOrEqual(1);
    } finally {
      await consumer.stop();
      for (const ws of server.clients) {
        ws.terminate();
      }
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
