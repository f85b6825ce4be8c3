import type { FastifyInstance } from 'fastify';
import type { AuthTokenResponse } from '../api-models';
import type { EmulatorContext } from '../emulator-context';
import { guardRequest } from '../request-guard';

interface OAuthError {
  error: string;
  description: string;
  error_description: string;
}

function oauthError(error: string, description: string): OAuthError {
  return { error, description, error_description: description };
}

function parseBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const match = header === undefined ? null : /^Basic\s+(\S+)$/i.exec(header);
  if (match === null) {
    return undefined;
  }
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/** `POST /oauth/token` (the login host): client credentials in Basic auth, form body `grant_type=client_credentials`. */
export function registerOauthRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.post('/oauth/token', async (request, reply) => {
    if (!(await guardRequest(ctx, request, reply, false))) {
      return reply;
    }
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<
      string,
      unknown
    >;
    const credentials = parseBasic(request.headers.authorization);
    const status = ctx.options.tokenErrorStatus;
    if (credentials === undefined || credentials.id !== ctx.options.clientId) {
      return reply.code(status).send(oauthError('invalid_client', 'client not found'));
    }
    if (credentials.secret !== ctx.options.clientSecret) {
      return reply.code(status).send(oauthError('invalid_client', 'authentication failed'));
    }
    if (body.grant_type !== 'client_credentials') {
      return reply
        .code(400)
        .send(oauthError('unsupported_grant_type', 'grant_type must be client_credentials for this client'));
    }
    const issued = ctx.tokens.issue(credentials.id, ctx.options.tokenTtlSeconds);
    const response: AuthTokenResponse = {
      access_token: issued.token,
      token_type: 'bearer',
      expires_in: ctx.options.tokenTtlSeconds,
    };
    return reply.code(200).send(response);
  });
}
