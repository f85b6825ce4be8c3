import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorContext } from './emulator-context';
import {
  authenticationRequired,
  badCredentials,
  EmulatorHttpError,
  serverError,
  tooManyRequests,
} from './error-body';
import type { ScriptedFailure } from './fault-state';
import type { IssuedToken } from './token-store';

const tokensByRequest = new WeakMap<FastifyRequest, IssuedToken>();

/** The token that authenticated this API request (set by the guard). */
export function requestToken(request: FastifyRequest): IssuedToken {
  const token = tokensByRequest.get(request);
  if (token === undefined) {
    throw new Error('requestToken() called on a route without the API guard');
  }
  return token;
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function scriptedError(failure: ScriptedFailure): EmulatorHttpError {
  const status = failure.status ?? 503;
  switch (status) {
    case 401:
      return badCredentials();
    case 429:
      return tooManyRequests(failure.retryAfterSeconds ?? 1);
    case 400:
      return new EmulatorHttpError(
        400,
        'bad.request',
        'The request could not be understood by the server due to malformed syntax.',
      );
    case 403:
      return new EmulatorHttpError(
        403,
        'missing.permissions',
        'Unable to perform the requested action. You are missing the following permission(s): presence:userPresence:edit',
      );
    case 404:
      return new EmulatorHttpError(404, 'not.found', 'The requested resource was not found.');
    default:
      return serverError(status);
  }
}

/**
 * Runs before every emulated Genesys call, in this order: count the call, add latency, scripted failure
 * (status or connection reset), authentication (401), 429 storm, per-token rolling-minute limit (429),
 * random server errors. Returns false when the connection was reset and nothing more may be sent.
 */
export async function guardRequest(
  ctx: EmulatorContext,
  request: FastifyRequest,
  reply: FastifyReply,
  authenticate: boolean,
): Promise<boolean> {
  const method = request.method;
  ctx.counters.increment(method, request.routeOptions.url ?? pathOf(request.url));
  const faults = ctx.faults.current;
  if (faults.latencyMs > 0) {
    await delay(faults.latencyMs);
  }
  const scripted = ctx.faults.takeScripted(method, pathOf(request.url));
  if (scripted !== undefined) {
    if (scripted.kind === 'reset') {
      reply.hijack();
      request.raw.socket.destroy();
      return false;
    }
    throw scriptedError(scripted);
  }
  if (authenticate) {
    const token = authenticateRequest(ctx, request);
    if (faults.rateLimitStorm) {
      throw tooManyRequests(faults.stormRetryAfterSeconds);
    }
    const verdict = token.counter.hit(ctx.options.now(), ctx.options.rateLimitPerMinute);
    if (!verdict.allowed) {
      throw tooManyRequests(verdict.retryAfterSeconds);
    }
    tokensByRequest.set(request, token);
  }
  if (ctx.faults.rollServerError()) {
    throw serverError(faults.errorStatus);
  }
  return true;
}

function authenticateRequest(ctx: EmulatorContext, request: FastifyRequest): IssuedToken {
  const header = request.headers.authorization;
  if (header === undefined || header.length === 0) {
    throw authenticationRequired();
  }
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (match === null) {
    throw authenticationRequired();
  }
  const found = ctx.tokens.lookup(match[1]!);
  if (typeof found === 'string') {
    throw badCredentials();
  }
  return found;
}
