import { z } from 'zod';

/**
 * Frames of the notification WebSocket (genesys-api.md §5.3–5.4), parsed into what the consumer acts on.
 * Anything unrecognised is `other` (logged at debug), never an error: the service adds topics over time.
 */

/** A presence change: `v2.users.{id}.presence` (the user id comes from the topic name). */
export interface PresenceNotification {
  userId: string;
  presenceDefinitionId: string;
  /** As Genesys spells it on this surface (unverified: `On Queue`, `OnQueue` or `ON_QUEUE`). */
  systemPresence: string;
  /** ISO-8601: when the presence was set (the segment start). */
  modifiedDate: string;
}

/** A routing-status change: `v2.users.{id}.routingStatus`. */
export interface RoutingStatusNotification {
  userId: string;
  status: string;
  /** ISO-8601: when the status started. */
  startTime: string;
}

/**
 * An asynchronous WFM schedule search finished: `v2.workforcemanagement.users.{id}.schedules.search`
 * (genesys-api.md §4.3), `{id}` being the requester. The result is fetched from `downloadUrl`.
 */
export interface ScheduleSearchNotification {
  requesterId: string;
  operationId: string;
  businessUnitId?: string | undefined;
  downloadUrl: string;
}

/**
 * A business unit's schedules changed: `v2.workforcemanagement.businessunits.{id}.schedules` (§4.5). A hint only:
 * the shifts are read again with a schedule search.
 */
export interface BusinessUnitSchedulesNotification {
  businessUnitId: string;
  /** `Processing` | `Complete` | `Canceled` | `Error`. */
  status: string;
  /** `Update` | `Import` | `Copy` | `Delete`, when given. */
  eventType?: string | undefined;
}

export type NotificationFrame =
  | { type: 'heartbeat' }
  | { type: 'pong' }
  | { type: 'socket-closing' }
  | { type: 'token-revoked' }
  | { type: 'no-longer-subscribed' }
  | { type: 'presence'; event: PresenceNotification }
  | { type: 'routing-status'; event: RoutingStatusNotification }
  | { type: 'schedule-search'; event: ScheduleSearchNotification }
  | { type: 'business-unit-schedules'; event: BusinessUnitSchedulesNotification }
  | { type: 'invalid'; reason: string }
  | { type: 'other'; topicName: string | undefined };

const envelopeSchema = z.looseObject({
  topicName: z.string().optional(),
  eventBody: z.unknown().optional(),
});

const presenceBodySchema = z.looseObject({
  presenceDefinition: z.looseObject({ id: z.string().min(1), systemPresence: z.string().min(1) }),
  modifiedDate: z.iso.datetime({ offset: true }),
});

const routingBodySchema = z.looseObject({
  routingStatus: z.looseObject({ status: z.string().min(1), startTime: z.iso.datetime({ offset: true }) }),
});

const scheduleSearchBodySchema = z.looseObject({
  operationId: z.string().min(1),
  businessUnitId: z.string().min(1).optional(),
  downloadUrl: z.string().min(1),
});

const businessUnitSchedulesBodySchema = z.looseObject({
  status: z.string().min(1),
  eventType: z.string().min(1).optional(),
});

const USER_TOPIC = /^v2\.users\.([^.]+)\.(presence|routingStatus)$/;
const SCHEDULE_SEARCH_TOPIC = /^v2\.workforcemanagement\.users\.([^.]+)\.schedules\.search$/;
const BUSINESS_UNIT_SCHEDULES_TOPIC = /^v2\.workforcemanagement\.businessunits\.([^.]+)\.schedules$/;

export function presenceTopic(userId: string): string {
  return `v2.users.${userId}.presence`;
}

export function routingStatusTopic(userId: string): string {
  return `v2.users.${userId}.routingStatus`;
}

/** Where async schedule-search results of `requesterId` are announced (§4.3). */
export function scheduleSearchTopic(requesterId: string): string {
  return `v2.workforcemanagement.users.${requesterId}.schedules.search`;
}

/** Schedule changes of a business unit (§4.5). */
export function businessUnitSchedulesTopic(businessUnitId: string): string {
  return `v2.workforcemanagement.businessunits.${businessUnitId}.schedules`;
}

/** Parses the WFM topics; undefined when the topic is none of them. */
function parseWfmFrame(topicName: string, eventBody: unknown): NotificationFrame | undefined {
  const search = SCHEDULE_SEARCH_TOPIC.exec(topicName);
  if (search !== null) {
    const body = scheduleSearchBodySchema.safeParse(eventBody);
    if (!body.success) {
      return {
        type: 'invalid',
        reason: `schedules.search body: ${body.error.issues[0]?.message ?? 'invalid'}`,
      };
    }
    return {
      type: 'schedule-search',
      event: {
        requesterId: search[1] as string,
        operationId: body.data.operationId,
        businessUnitId: body.data.businessUnitId,
        downloadUrl: body.data.downloadUrl,
      },
    };
  }
  const unit = BUSINESS_UNIT_SCHEDULES_TOPIC.exec(topicName);
  if (unit !== null) {
    const body = businessUnitSchedulesBodySchema.safeParse(eventBody);
    if (!body.success) {
      return { type: 'invalid', reason: `schedules body: ${body.error.issues[0]?.message ?? 'invalid'}` };
    }
    return {
      type: 'business-unit-schedules',
      event: { businessUnitId: unit[1] as string, status: body.data.status, eventType: body.data.eventType },
    };
  }
  return undefined;
}

export function parseNotificationFrame(raw: string): NotificationFrame {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { type: 'invalid', reason: 'not JSON' };
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) {
    return { type: 'invalid', reason: 'not an object' };
  }
  const { topicName, eventBody } = envelope.data;
  if (topicName === 'channel.metadata') {
    const message = (eventBody as { message?: unknown } | undefined)?.message;
    return message === 'pong' ? { type: 'pong' } : { type: 'heartbeat' };
  }
  if (topicName === 'v2.system.socket_closing') {
    return { type: 'socket-closing' };
  }
  if (topicName?.startsWith('v2.system.token_revoked') === true) {
    return { type: 'token-revoked' };
  }
  if (topicName?.startsWith('v2.system.no_longer_subscribed') === true) {
    return { type: 'no-longer-subscribed' };
  }
  if (topicName === undefined) {
    return { type: 'other', topicName };
  }
  const match = USER_TOPIC.exec(topicName);
  if (match === null) {
    return parseWfmFrame(topicName, eventBody) ?? { type: 'other', topicName };
  }
  const userId = match[1] as string;
  if (match[2] === 'presence') {
    const body = presenceBodySchema.safeParse(eventBody);
    if (!body.success) {
      return { type: 'invalid', reason: `presence body: ${body.error.issues[0]?.message ?? 'invalid'}` };
    }
    return {
      type: 'presence',
      event: {
        userId,
        presenceDefinitionId: body.data.presenceDefinition.id,
        systemPresence: body.data.presenceDefinition.systemPresence,
        modifiedDate: body.data.modifiedDate,
      },
    };
  }
  const body = routingBodySchema.safeParse(eventBody);
  if (!body.success) {
    return { type: 'invalid', reason: `routingStatus body: ${body.error.issues[0]?.message ?? 'invalid'}` };
  }
  return {
    type: 'routing-status',
    event: { userId, status: body.data.routingStatus.status, startTime: body.data.routingStatus.startTime },
  };
}
