import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../emulator-context';
import { badRequest, notFound } from '../error-body';
import type { ChannelRecord, NotificationHub } from '../notification-hub';
import { boolParam, singleValue, type Query } from '../query-params';
import { requestToken } from '../request-guard';

/** Notification channels and subscriptions (the WebSocket itself is served by the hub on upgrade). */
export function registerNotificationRoutes(
  api: FastifyInstance,
  _ctx: EmulatorContext,
  hub: NotificationHub,
): void {
  const channelOf = (request: { params: { channelId: string } }, clientId: string): ChannelRecord => {
    const channel = hub.find(request.params.channelId, clientId);
    if (channel === undefined) {
      throw notFound(`Channel ${request.params.channelId} not found.`);
    }
    return channel;
  };

  api.post('/notifications/channels', async (request) => {
    const token = requestToken(request);
    return hub.create(token.clientId, token.token);
  });

  api.get('/notifications/channels', async (request) => {
    const token = requestToken(request);
    const include = (singleValue(request.query as Query, 'includechannels') ?? 'token').toLowerCase();
    if (include !== 'token' && include !== 'oauthclient') {
      throw badRequest('includechannels must be token or oauthclient.');
    }
    return { entities: hub.list(token.clientId, include === 'token' ? token.token : undefined) };
  });

  api.head<{ Params: { channelId: string } }>(
    '/notifications/channels/:channelId',
    async (request, reply) => {
      const found = hub.find(request.params.channelId, requestToken(request).clientId) !== undefined;
      return reply.code(found ? 200 : 404).send();
    },
  );

  api.get<{ Params: { channelId: string } }>(
    '/notifications/channels/:channelId/subscriptions',
    async (request) => {
      return { entities: hub.topics(channelOf(request, requestToken(request).clientId)) };
    },
  );

  for (const [method, mode] of [
    ['PUT', 'replace'],
    ['POST', 'add'],
  ] as const) {
    api.route<{ Params: { channelId: string } }>({
      method,
      url: '/notifications/channels/:channelId/subscriptions',
      handler: async (request) => {
        const channel = channelOf(request, requestToken(request).clientId);
        const ignoreErrors = boolParam(request.query as Query, 'ignoreErrors') === true;
        return { entities: hub.subscribe(channel, request.body, mode, ignoreErrors) };
      },
    });
  }

  api.delete<{ Params: { channelId: string } }>(
    '/notifications/channels/:channelId/subscriptions',
    async (request, reply) => {
      hub.unsubscribeAll(channelOf(request, requestToken(request).clientId));
      return reply.code(204).send();
    },
  );
}
