import type { Logger } from 'pino';
import type { Component } from '../lifecycle';
import {
  NotificationChannel,
  type ChannelTiming,
  type NotificationsControlPlane,
  type NotificationsHandler,
  type SocketFactory,
} from './notifications-channel';
import { MAX_CHANNELS, planChannels } from './notifications-plan';

export type {
  NotificationsControlPlane,
  NotificationsHandler,
  StreamGap,
  ChannelTiming,
} from './notifications-channel';
export type {
  BusinessUnitSchedulesNotification,
  PresenceNotification,
  RoutingStatusNotification,
  ScheduleSearchNotification,
} from './notifications-events';

export interface NotificationsConsumerDeps {
  api: NotificationsControlPlane;
  /** The agents whose presence and routing status to follow (read once, at start). */
  userIds: () => Promise<readonly string[]>;
  /** Topics besides the agents' (WFM notifications), read at start and carried by the first channel. */
  extraTopics?: () => Promise<readonly string[]>;
  handler: NotificationsHandler;
  timing: ChannelTiming;
  /** Topics per channel (≤ 1,000; two per agent). */
  topicsPerChannel: number;
  logger: Logger;
  /** Reported as a gap from this instant until each channel first connects. */
  initialGapFromMs?: number;
  now?: () => number;
  random?: () => number;
  createSocket?: SocketFactory;
}

/**
 * The notifications consumer (`stream` role): follows `v2.users.{id}.presence` and `v2.users.{id}.routingStatus`
 * of the managed agents over as many channels as needed (≤ 1,000 topics each, ≤ 20 channels), each kept alive
 * by a {@link NotificationChannel}; the first channel also carries the extra (WFM) topics. Run it in one process at a time (the stream role holds the leader lease).
 */
export class NotificationsConsumer implements Component {
  readonly name = 'notifications-consumer';
  private channels: NotificationChannel[] = [];

  constructor(private readonly deps: NotificationsConsumerDeps) {}

  async start(): Promise<void> {
    const { deps } = this;
    const users = await deps.userIds();
    const extraTopics = [...new Set((await deps.extraTopics?.()) ?? [])];
    const plan = planChannels(users, deps.topicsPerChannel, MAX_CHANNELS, extraTopics.length);
    if (plan.overflow.length > 0) {
      deps.logger.error(
        { overflow: plan.overflow.length, capacity: users.length - plan.overflow.length },
        'more agents than 20 notification channels can follow; the rest are covered by the backfill only',
      );
    }
    this.channels = plan.channels.map(
      (userIds, index) =>
        new NotificationChannel({
          index,
          userIds,
          ...(index === 0 && extraTopics.length > 0 ? { extraTopics } : {}),
          api: deps.api,
          handler: deps.handler,
          timing: deps.timing,
          logger: deps.logger.child({ component: 'notifications' }),
          ...(deps.initialGapFromMs === undefined ? {} : { initialGapFromMs: deps.initialGapFromMs }),
          ...(deps.now === undefined ? {} : { now: deps.now }),
          ...(deps.random === undefined ? {} : { random: deps.random }),
          ...(deps.createSocket === undefined ? {} : { createSocket: deps.createSocket }),
        }),
    );
    deps.logger.info(
      { agents: users.length, extraTopics: extraTopics.length, channels: this.channels.length },
      'notifications consumer starting',
    );
    // Channels are opened one after the other: channel creation is not retried blindly (limit of 20).
    for (const channel of this.channels) {
      await channel.start();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.channels.map((c) => c.stop()));
    this.channels = [];
  }

  /** True when every channel's socket is open. */
  get allConnected(): boolean {
    return this.channels.length > 0 && this.channels.every((c) => c.connected);
  }

  status(): { channel: number; channelId: string | undefined; connected: boolean }[] {
    return this.channels.map((c) => ({ channel: c.index, channelId: c.channelId, connected: c.connected }));
  }
}
