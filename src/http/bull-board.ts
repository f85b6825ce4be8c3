import basicAuth from '@fastify/basic-auth';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../app-error';
import { hasScope, type ApiKeyRing } from './api-keys';
import { bearerToken, forbidden, REALM, unauthenticated } from './bearer-auth';

export const BULL_BOARD_PATH = '/admin/queues';

export interface BullBoardOptions {
  keys: ApiKeyRing;
  queues: readonly Queue[];
  readOnly: boolean;
  basePath?: string;
}

/**
 * Bull Board for every queue, behind the `admin` scope. Browsers log in with HTTP basic auth (any user name,
 * the API key as password); scripts may send `Authorization: Bearer <key>`. The guard covers the page, its
 * JSON API and its static assets alike. `readOnly` hides every queue and job action.
 */
export async function registerBullBoard(app: FastifyInstance, opts: BullBoardOptions): Promise<void> {
  const basePath = opts.basePath ?? BULL_BOARD_PATH;
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: opts.queues.map(
      (q) => new BullMQAdapter(q, { readOnlyMode: opts.readOnly, allowRetries: !opts.readOnly }),
    ),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: opts.readOnly ? 'presence-worker (read-only)' : 'presence-worker',
        hideDocsLink: true,
      },
    },
  });

  await app.register(async (scope) => {
    await scope.register(basicAuth, {
      authenticate: { realm: REALM },
      validate: async (_user: string, password: string, request: FastifyRequest) => {
        const principal = opts.keys.authenticate(password);
        if (principal === undefined) {
          // No statusCode: the plugin sets 401 and the WWW-Authenticate challenge.
          throw new AppError('UNAUTHENTICATED', 'The API key is not valid');
        }
        request.principal = principal;
        if (!hasScope(principal, 'admin')) {
          throw forbidden(`API key "${principal.name}" lacks the "admin" scope`);
        }
      },
    });
    scope.addHook(
      'onRequest',
      (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
        const bearer = bearerToken(request.headers.authorization);
        if (bearer === undefined) {
          scope.basicAuth(request, reply, done);
          return;
        }
        const principal = opts.keys.authenticate(bearer);
        if (principal === undefined) {
          done(unauthenticated(reply, 'Basic', 'The API key is not valid'));
          return;
        }
        request.principal = principal;
        done(
          hasScope(principal, 'admin')
            ? undefined
            : forbidden(`API key "${principal.name}" lacks the "admin" scope`),
        );
      },
    );
    await scope.register(serverAdapter.registerPlugin(), { prefix: basePath });
  });
}
