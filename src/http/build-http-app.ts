import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics';
import type { ApiKeyRing } from './api-keys';
import { registerBullBoard } from './bull-board';
import { toErrorResponse } from './error-response';
import { healthRoutes } from './health-routes';
import { buildOpenApiDocument } from './openapi';
import type { PresenceIngress } from './presence-ingress';
import { presenceRoutes } from './presence-routes';
import type { ReadinessCheck } from './readiness';

export interface HttpAppDeps {
  logger: Logger;
  metrics: Metrics;
  keys: ApiKeyRing;
  /** The pipeline's producer side; without it `/v1` answers 503 (e.g. while a role is not wired). */
  ingress: PresenceIngress | undefined;
  /** Queues shown in Bull Board (one `Queue` object per name, shared with the rest of the process). */
  queues: readonly Queue[];
  readiness: readonly ReadinessCheck[];
  bodyLimitBytes: number;
  bullBoardReadOnly: boolean;
  /** Longest wait for Redis while an HTTP client waits (default 5,000 ms). */
  dependencyTimeoutMs?: number;
  /** Per-check bound of `/readyz` (default 2,000 ms). */
  readinessTimeoutMs?: number;
  /** Version reported in the OpenAPI document. */
  version?: string;
}

/** Quiet routes: probes, scrapes and Bull Board's polling log at debug, everything else at info. */
const QUIET = /^\/(healthz|readyz|metrics)$|^\/admin\/queues\/(static|api)\//;

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * The `api` role's Fastify app: `/v1` ingress, `/docs/openapi.json`, Bull Board at `/admin/queues`,
 * `/metrics`, `/healthz`, `/readyz`. Not listening yet: `HttpServer` does that, tests use `inject`.
 */
export async function buildHttpApp(deps: HttpAppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // One line per request is written by the onResponse hook below (with the key name, never the key).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  app.decorateRequest('principal', undefined);
  // JSON only: text/plain bodies get 415 rather than a confusing validation error.
  app.removeContentTypeParser('text/plain');

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.recordHttp(request.method, route, reply.statusCode, reply.elapsedTime);
    const line = {
      method: request.method,
      url: request.url.split('?')[0],
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      key: request.principal?.name,
    };
    if (QUIET.test(line.url ?? '') && reply.statusCode < 400) {
      request.log.debug(line, 'request');
    } else {
      request.log.info(line, 'request');
    }
  });

  app.setErrorHandler((err, request, reply) => {
    const response = toErrorResponse(err);
    if (response.status >= 500) {
      request.log.error({ err, status: response.status }, 'request failed');
    } else if (response.status !== 401 && response.status !== 404) {
      request.log.info({ code: response.body.code, status: response.status }, 'request refused');
    }
    void reply
      .code(response.status)
      .headers(response.headers)
      .send({ ...response.body, traceId: request.id });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({
      code: 'NOT_FOUND',
      message: `No route ${request.method} ${request.url.split('?')[0]}`,
      traceId: request.id,
    });
  });

  const openapi = buildOpenApiDocument(deps.version ?? '0.0.0');
  app.get('/docs/openapi.json', async () => openapi);

  await app.register(healthRoutes, {
    readiness: deps.readiness,
    readinessTimeoutMs: deps.readinessTimeoutMs ?? 2_000,
    metrics: deps.metrics,
  });
  await app.register(presenceRoutes, {
    keys: deps.keys,
    ingress: deps.ingress ?? unavailableIngress,
    metrics: deps.metrics,
    dependencyTimeoutMs: deps.dependencyTimeoutMs ?? 5_000,
  });
  await registerBullBoard(app, {
    keys: deps.keys,
    queues: deps.queues,
    readOnly: deps.bullBoardReadOnly,
  });
  return app;
}

function notWired(): Promise<never> {
  const err = Object.assign(new Error('The presence pipeline is not available in this process'), {
    code: 'DEPENDENCY_UNAVAILABLE',
  });
  return Promise.reject(err);
}

const unavailableIngress: PresenceIngress = {
  enqueue: notWired,
  getRequestStatus: notWired,
  getAgentView: notWired,
};
