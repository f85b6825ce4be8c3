import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../app-error';
import { hasScope, type ApiKeyRing, type ApiPrincipal, type ApiScope } from './api-keys';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated API key (name, scopes, sources), set by the auth hooks. */
    principal: ApiPrincipal | undefined;
  }
}

export const REALM = 'presence-worker';

/** The key of `Authorization: Bearer <key>`, or undefined when the header is absent or of another scheme. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) {
    return undefined;
  }
  const match = /^\s*Bearer\s+(\S{1,1024})\s*$/i.exec(header);
  return match?.[1];
}

export function unauthenticated(reply: FastifyReply, scheme: 'Bearer' | 'Basic', message: string): AppError {
  reply.header('www-authenticate', `${scheme} realm="${REALM}", charset="UTF-8"`);
  return withStatusCode(new AppError('UNAUTHENTICATED', message, { httpStatus: 401 }), 401);
}

export function forbidden(message: string): AppError {
  return withStatusCode(new AppError('FORBIDDEN', message, { httpStatus: 403 }), 403);
}

/** fastify plugins (basic auth) read `statusCode`; keep it in step with our `httpStatus`. */
function withStatusCode(err: AppError, statusCode: number): AppError {
  return Object.assign(err, { statusCode });
}

/** Checks that an authenticated principal holds `scope` (admin implies every scope). */
export function assertScope(principal: ApiPrincipal, scope: ApiScope): void {
  if (!hasScope(principal, scope) && !hasScope(principal, 'admin')) {
    throw forbidden(`API key "${principal.name}" lacks the "${scope}" scope`);
  }
}

/** An onRequest hook: a valid bearer key with `scope`, else 401 (no or unknown key) or 403 (scope). */
export function requireScope(keys: ApiKeyRing, scope: ApiScope) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const presented = bearerToken(request.headers.authorization);
    if (presented === undefined) {
      throw unauthenticated(reply, 'Bearer', 'Authorization: Bearer <api key> is required');
    }
    const principal = keys.authenticate(presented);
    if (principal === undefined) {
      throw unauthenticated(reply, 'Bearer', 'The API key is not valid');
    }
    request.principal = principal;
    assertScope(principal, scope);
  };
}
