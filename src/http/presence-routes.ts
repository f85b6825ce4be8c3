import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { AppError } from '../app-error';
import type { Metrics } from '../metrics';
import { mayUseSource, type ApiKeyRing } from './api-keys';
import { forbidden, requireScope } from './bearer-auth';
import { withDeadline } from './deadline';
import { isDependencyOutage } from './dependency-outage';
import type { Problem } from './error-response';
import type { PresenceIngress } from './presence-ingress';
import { presenceChangeBodySchema, requestIdSchema, userIdSchema, type Accepted } from './schemas';
import { etag, parseIdempotencyKey, parseIfMatch } from './version-header';

export interface PresenceRoutesOptions {
  keys: ApiKeyRing;
  ingress: PresenceIngress;
  metrics: Metrics;
  /** Longest wait for the pipeline (Redis) while the client waits; then 503. */
  dependencyTimeoutMs: number;
}

function issues(prefix: string, error: z.ZodError): Problem[] {
  return error.issues.flatMap((i): Problem[] => {
    const at = [prefix, ...i.path.map(String)];
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((key) => ({ path: [...at, key].join('.'), message: 'unknown field' }));
    }
    return [{ path: at.join('.'), message: i.message }];
  });
}

function validationFailed(problems: Problem[]): AppError {
  return new AppError('VALIDATION_FAILED', `The request has ${problems.length} problem(s)`, {
    httpStatus: 400,
    details: { problems },
  });
}

function notFound(what: string): AppError {
  return new AppError('NOT_FOUND', `${what} not found`, { httpStatus: 404 });
}

/** Ingress result label for `gpw_ingress_requests_total`, from the error code the request ended with. */
function ingressResult(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  switch (code) {
    case 'VALIDATION_FAILED':
    case 'UNKNOWN_PRESENCE':
      return 'invalid';
    case 'FORBIDDEN':
      return 'forbidden';
    case 'VERSION_CONFLICT':
      return 'conflict';
    case 'IDEMPOTENCY_MISMATCH':
      return 'idempotency_mismatch';
    default:
      return isDependencyOutage(err) ? 'unavailable' : 'error';
  }
}

/**
 * `/v1`: the ingress API. Handlers read as: authenticate, validate everything (one 400 listing every
 * problem), authorise the source, call the pipeline within a deadline, answer with the version as ETag.
 */
export async function presenceRoutes(app: FastifyInstance, opts: PresenceRoutesOptions): Promise<void> {
  const { ingress, metrics, dependencyTimeoutMs } = opts;

  app.post(
    '/v1/agents/:userId/presence',
    { onRequest: requireScope(opts.keys, 'enqueue') },
    async (request, reply) => {
      const problems: Problem[] = [];
      const userId = userIdSchema.safeParse((request.params as { userId?: unknown }).userId);
      if (!userId.success) {
        problems.push(...issues('path.userId', userId.error));
      }
      const body = presenceChangeBodySchema.safeParse(request.body ?? undefined);
      if (!body.success) {
        problems.push(...issues('body', body.error));
      }
      const ifMatch = parseIfMatch(request.headers['if-match']);
      if (!ifMatch.ok) {
        problems.push({ path: 'header.if-match', message: ifMatch.message });
      }
      const idem = parseIdempotencyKey(request.headers['idempotency-key']);
      if (!idem.ok) {
        problems.push({ path: 'header.idempotency-key', message: idem.message });
      }
      const source = body.success ? body.data.source : 'unknown';
      try {
        if (!userId.success || !body.success || !ifMatch.ok || !idem.ok) {
          throw validationFailed(problems);
        }
        const principal = request.principal;
        if (principal === undefined || !mayUseSource(principal, source)) {
          throw forbidden(`API key "${principal?.name ?? '?'}" may not send requests as source "${source}"`);
        }
        const answer = await withDeadline(
          ingress.enqueue({
            ...body.data,
            userId: userId.data,
            ...(ifMatch.expectedVersion === undefined ? {} : { expectedVersion: ifMatch.expectedVersion }),
            ...(idem.key === undefined ? {} : { idempotencyKey: idem.key }),
          }),
          dependencyTimeoutMs,
          'the presence pipeline',
        );
        const statusUrl = `/v1/requests/${encodeURIComponent(answer.requestId)}`;
        const response: Accepted = {
          requestId: answer.requestId,
          version: answer.version,
          status: answer.status,
          statusUrl,
          ...(answer.replayed === true ? { replayed: true } : {}),
        };
        metrics.recordIngress(source, answer.replayed === true ? 'replayed' : 'accepted');
        request.log.info(
          { userId: userId.data, requestId: answer.requestId, version: answer.version, source },
          'presence change accepted',
        );
        return reply
          .code(202)
          .header('etag', etag(answer.version))
          .header('location', statusUrl)
          .send(response);
      } catch (err) {
        metrics.recordIngress(source, ingressResult(err));
        throw err;
      }
    },
  );

  app.get(
    '/v1/requests/:requestId',
    { onRequest: requireScope(opts.keys, 'read') },
    async (request, reply) => {
      const requestId = requestIdSchema.safeParse((request.params as { requestId?: unknown }).requestId);
      if (!requestId.success) {
        throw validationFailed(issues('path.requestId', requestId.error));
      }
      const status = await withDeadline(
        ingress.getRequestStatus(requestId.data),
        dependencyTimeoutMs,
        'the request store',
      );
      if (status === undefined) {
        throw notFound(`Request ${requestId.data}`);
      }
      return reply.send(status);
    },
  );

  app.get('/v1/agents/:userId', { onRequest: requireScope(opts.keys, 'read') }, async (request, reply) => {
    const userId = userIdSchema.safeParse((request.params as { userId?: unknown }).userId);
    if (!userId.success) {
      throw validationFailed(issues('path.userId', userId.error));
    }
    const view = await withDeadline(
      ingress.getAgentView(userId.data),
      dependencyTimeoutMs,
      'the agent state',
    );
    if (view === undefined) {
      throw notFound(`Agent ${userId.data}`);
    }
    const tag = etag(view.version);
    reply.header('etag', tag);
    if (request.headers['if-none-match'] === tag) {
      return reply.code(304).send();
    }
    return reply.send(view);
  });
}
