import { GenesysBadRequestError } from './errors';
import { type GenesysResult, mapResult } from './genesys-result';
import type { GenesysHttp } from './http';
import { type Channel, channelSchema, type ChannelTopic, channelTopicListingSchema } from './schemas';

/** Most topics on one channel (genesys-api.md §5.2). */
export const MAX_TOPICS_PER_CHANNEL = 1_000;

export const NOTIFICATION_ROUTES = {
  channels: '/api/v2/notifications/channels',
  channel: '/api/v2/notifications/channels/{channelId}',
  subscriptions: '/api/v2/notifications/channels/{channelId}/subscriptions',
} as const;

/**
 * `POST /api/v2/notifications/channels` → `{id, connectUri, expires}`. Not retried on 5xx / network errors
 * (a replay could leave an orphan channel counting towards the 20-channel limit); 429 is.
 */
export async function createChannel(http: GenesysHttp): Promise<GenesysResult<Channel>> {
  return http.request({
    method: 'POST',
    route: NOTIFICATION_ROUTES.channels,
    schema: channelSchema,
    retry: 'rate-limit-only',
  });
}

/** `HEAD` on the channel: true when it exists and is valid (200), false when Genesys answers 404. */
export async function channelExists(http: GenesysHttp, channelId: string): Promise<GenesysResult<boolean>> {
  const result = await http.request({
    method: 'HEAD',
    route: NOTIFICATION_ROUTES.channel,
    path: { channelId },
    schema: undefined,
    acceptStatus: [404],
  });
  return mapResult(result, () => result.status !== 404);
}

export async function getSubscriptions(
  http: GenesysHttp,
  channelId: string,
): Promise<GenesysResult<ChannelTopic[]>> {
  const result = await http.request({
    method: 'GET',
    route: NOTIFICATION_ROUTES.subscriptions,
    path: { channelId },
    schema: channelTopicListingSchema,
  });
  return mapResult(result, (listing) => listing.entities ?? []);
}

/**
 * Replaces the channel's topics (PUT) — also extends the channel's 24 h lifetime. The answer lists each topic
 * with its `state` (`Permitted` / `Rejected`); `ignoreErrors` keeps rejected topics from failing the call.
 */
export async function putSubscriptions(
  http: GenesysHttp,
  channelId: string,
  topics: readonly string[],
  options: { ignoreErrors?: boolean } = {},
): Promise<GenesysResult<ChannelTopic[]>> {
  return writeSubscriptions(http, 'PUT', channelId, topics, options.ignoreErrors);
}

/** Adds topics to the channel (POST); replaying it is harmless. */
export async function addSubscriptions(
  http: GenesysHttp,
  channelId: string,
  topics: readonly string[],
  options: { ignoreErrors?: boolean } = {},
): Promise<GenesysResult<ChannelTopic[]>> {
  return writeSubscriptions(http, 'POST', channelId, topics, options.ignoreErrors);
}

/** Removes every subscription of the channel. */
export async function deleteSubscriptions(
  http: GenesysHttp,
  channelId: string,
): Promise<GenesysResult<undefined>> {
  return http.request({
    method: 'DELETE',
    route: NOTIFICATION_ROUTES.subscriptions,
    path: { channelId },
    schema: undefined,
  });
}

async function writeSubscriptions(
  http: GenesysHttp,
  method: 'PUT' | 'POST',
  channelId: string,
  topics: readonly string[],
  ignoreErrors: boolean | undefined,
): Promise<GenesysResult<ChannelTopic[]>> {
  const unique = [...new Set(topics)];
  if (unique.length > MAX_TOPICS_PER_CHANNEL) {
    throw new GenesysBadRequestError(
      `${unique.length} topics exceed the ${MAX_TOPICS_PER_CHANNEL} topics of one channel`,
      { method, route: NOTIFICATION_ROUTES.subscriptions },
    );
  }
  const result = await http.request({
    method,
    route: NOTIFICATION_ROUTES.subscriptions,
    path: { channelId },
    query: { ignoreErrors: ignoreErrors === true ? true : undefined },
    body: unique.map((id) => ({ id })),
    schema: channelTopicListingSchema,
    retry: 'idempotent',
  });
  return mapResult(result, (listing) => listing.entities ?? []);
}
