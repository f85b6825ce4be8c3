import { presenceTopic, routingStatusTopic } from './notifications-events';

/** Genesys allows 20 channels per user and OAuth client, 1,000 topics per channel (genesys-api.md §5.2). */
export const MAX_CHANNELS = 20;

/**
 * Splits the agents over channels: both topics of an agent on the same channel (so a channel's outage is a gap
 * for a known set of agents), at most `topicsPerChannel` topics per channel and at most `maxChannels` channels.
 * `reservedTopics` topics that are not an agent's (WFM notifications) ride on the first channel, which then
 * follows fewer agents; with reserved topics there is a first channel even when no agent is followed.
 * Agents beyond that capacity are returned in `overflow` (not subscribed).
 */
export function planChannels(
  userIds: readonly string[],
  topicsPerChannel: number,
  maxChannels = MAX_CHANNELS,
  reservedTopics = 0,
): { channels: string[][]; overflow: string[] } {
  const unique = [...new Set(userIds)].sort();
  const perChannel = Math.max(1, Math.floor(topicsPerChannel / 2));
  const channels: string[][] = [];
  let next = 0;
  if (reservedTopics > 0 && maxChannels > 0) {
    next = Math.max(0, Math.floor((topicsPerChannel - reservedTopics) / 2));
    channels.push(unique.slice(0, next));
  }
  while (next < unique.length && channels.length < maxChannels) {
    channels.push(unique.slice(next, next + perChannel));
    next += perChannel;
  }
  return { channels, overflow: unique.slice(next) };
}

export function topicsOf(userIds: readonly string[]): string[] {
  return userIds.flatMap((id) => [presenceTopic(id), routingStatusTopic(id)]);
}

/**
 * Reconnect delay with exponential growth and full jitter: uniform in [0, min(max, base·2^attempt)).
 * Full jitter spreads the reconnects of many consumers (or channels) after a shared outage.
 */
export function reconnectDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
