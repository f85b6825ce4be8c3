import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { CallCounters } from './call-counters';
import type { EmulatorContext } from './emulator-context';
import { createEmulatorAdmin, type AdminHooks, type EmulatorAdmin } from './emulator-admin';
import { resolveEmulatorOptions, type EmulatorOptions } from './emulator-options';
import { EmulatorHttpError } from './error-body';
import { FaultState } from './fault-state';
import { seedOrg } from './org-seed';
import { PresenceStore } from './presence-store';
import { guardRequest } from './request-guard';
import { registerAdminRoutes } from './routes/admin-routes';
import { registerAnalyticsRoutes } from './routes/analytics-routes';
import { registerOauthRoutes } from './routes/oauth-routes';
import { registerPresenceRoutes } from './routes/presence-routes';
import { registerUserRoutes } from './routes/user-routes';
import { registerDownloadRoutes, registerWfmRoutes } from './routes/wfm-routes';
import { ScheduleGenerator } from './schedule-generator';
import { TokenStore } from './token-store';
import { WfmSearches } from './wfm-searches';
import { NotificationHub } from './notification-hub';
import { publishPresenceEvents } from './presence-events';
import { registerNotificationRoutes } from './routes/notification-routes';

export const CORRELATION_HEADER = 'ININ-Correlation-Id';

/** A running emulator. `url` serves both the login host (`/oauth/token`) and the API host (`/api/v2/...`). */
export interface RunningEmulator {
  /** `http://127.0.0.1:<port>`: use it as both the API and the login base URL. */
  readonly url: string;
  readonly port: number;
  readonly clientId: string;
  readonly clientSecret: string;
  /** In-process control surface (the same operations as the HTTP admin API under `/__emulator`). */
  readonly admin: EmulatorAdmin;
  /** Stops listening, closes every WebSocket and timer. Idempotent. */
  close(): Promise<void>;
}

function errorCodeFor(status: number): string {
  switch (status) {
    case 401:
      return 'authentication.required';
    case 404:
      return 'not.found';
    case 405:
      return 'method.not.allowed';
    case 413:
      return 'request.entity.too.large';
    case 415:
      return 'unsupported.media.type';
    default:
      return status >= 500 ? 'internal.server.error' : 'bad.request';
  }
}

function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | EmulatorHttpError, _request, reply) => {
    const contextId = String(reply.getHeader(CORRELATION_HEADER) ?? randomUUID());
    if (err instanceof EmulatorHttpError) {
      for (const [name, value] of Object.entries(err.headers)) {
        reply.header(name, value);
      }
      return reply.code(err.status).send(err.toBody(contextId));
    }
    const status =
      typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600
        ? err.statusCode
        : 500;
    const message = status >= 500 ? 'The server encountered an unexpected condition.' : err.message;
    return reply
      .code(status)
      .send({ message, code: errorCodeFor(status), status, contextId, details: [], errors: [] });
  });
  app.setNotFoundHandler((request, reply) => {
    const contextId = String(reply.getHeader(CORRELATION_HEADER) ?? randomUUID());
    return reply.code(404).send({
      message: `No resource found for ${request.method} ${request.url.split('?')[0] ?? ''}`,
      code: 'not.found',
      status: 404,
      contextId,
      details: [],
      errors: [],
    });
  });
}

/** Starts the Genesys Cloud emulator on 127.0.0.1 (see docs/emulator.md). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const resolved = resolveEmulatorOptions(options);
  const org = seedOrg(
    resolved.seed,
    resolved.agents,
    resolved.timeZone,
    new Date(resolved.now()).toISOString(),
  );
  const ctx: EmulatorContext = {
    options: resolved,
    org,
    presence: new PresenceStore(org, resolved.now),
    tokens: new TokenStore(resolved.now),
    faults: new FaultState(resolved.latencyMs, resolved.seed),
    counters: new CallCounters(),
    baseUrl: '',
  };

  const app = Fastify({
    logger: false,
    bodyLimit: 512_000,
    forceCloseConnections: true,
    return503OnClosing: true,
  });
  // The official SDK sends `Content-Type: application/json` with an empty body on POSTs without one.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim().length === 0) {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('The request body is not valid JSON.'), { statusCode: 400 }), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  app.addHook('onRequest', async (_request, reply) => {
    reply.header(CORRELATION_HEADER, randomUUID());
  });
  installErrorHandling(app);

  const hub = new NotificationHub(resolved.now, () => ctx.baseUrl, resolved.heartbeatMs);
  publishPresenceEvents(ctx.presence, hub, resolved.presenceSpelling);
  ctx.tokens.onInvalidated((tokens) => hub.endChannelsOfTokens(new Set(tokens.map((t) => t.token))));
  const schedules = new ScheduleGenerator(resolved.seed, org);
  const searches = new WfmSearches(
    () => ctx.baseUrl,
    hub,
    () => resolved.wfmAsyncDelayMs,
  );

  const hooks: AdminHooks = {
    dropWebSockets: () => hub.dropAll(),
    sendSocketClosing: (closeAfterMs) => hub.socketClosing(closeAfterMs),
    completePendingSearches: () => searches.completeAll(),
    reset: () => {
      searches.reset();
      hub.reset();
    },
  };
  const admin = createEmulatorAdmin(ctx, hooks);

  registerOauthRoutes(app, ctx);
  registerDownloadRoutes(app, searches);
  await app.register(
    async (api) => {
      api.addHook('onRequest', async (request, reply) => {
        if (!(await guardRequest(ctx, request, reply, true))) {
          return reply;
        }
        return undefined;
      });
      registerUserRoutes(api, ctx);
      registerPresenceRoutes(api, ctx);
      registerWfmRoutes(api, ctx, schedules, searches);
      registerAnalyticsRoutes(api, ctx);
      registerNotificationRoutes(api, ctx, hub);
    },
    { prefix: '/api/v2' },
  );
  await app.register(async (scope) => registerAdminRoutes(scope, admin), { prefix: '/__emulator' });

  app.server.on('upgrade', (request, socket, head) => hub.handleUpgrade(request, socket, head));
  await app.listen({ port: resolved.port, host: resolved.host });
  const address = app.server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('emulator: unexpected listen address');
  }
  ctx.baseUrl = resolved.publicUrl ?? `http://${resolved.host}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    url: ctx.baseUrl,
    port: address.port,
    clientId: resolved.clientId,
    clientSecret: resolved.clientSecret,
    admin,
    close: () => {
      searches.reset();
      hub.closeAll();
      closing ??= app.close();
      return closing;
    },
  };
}
