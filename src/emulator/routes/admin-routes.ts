import type { FastifyInstance } from 'fastify';
import type { EmulatorAdmin } from '../emulator-admin';
import { badRequest } from '../error-body';
import type { EmulatorFaults, ScriptedFailure } from '../fault-state';
import type { RoutingStatusValue } from '../presence-store';

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

function guarded<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RangeError) {
      throw badRequest(err.message);
    }
    throw err;
  }
}

/**
 * The admin API under `/__emulator` (not part of Genesys Cloud): the HTTP face of `EmulatorAdmin`.
 * It is neither authenticated, rate-limited, counted nor subject to faults.
 */
export function registerAdminRoutes(admin: FastifyInstance, ops: EmulatorAdmin): void {
  admin.get('/org', async () => ops.org());
  admin.get('/faults', async () => ops.faults());
  admin.patch('/faults', async (request) =>
    guarded(() => ops.setFaults(objectBody(request.body) as Partial<EmulatorFaults>)),
  );
  admin.delete('/faults', async () => ops.clearFaults());
  admin.post('/faults/scripted', async (request, reply) => {
    guarded(() => ops.failNext(objectBody(request.body) as unknown as ScriptedFailure));
    return reply.code(204).send();
  });
  admin.post('/tokens/revoke', async () => ({ revoked: ops.revokeAllTokens() }));
  admin.post('/websockets/drop', async () => ({ dropped: ops.dropWebSockets() }));
  admin.post('/websockets/socket-closing', async (request) => {
    const body = request.body === undefined || request.body === null ? {} : objectBody(request.body);
    const closeAfterMs = body.closeAfterMs;
    if (closeAfterMs !== undefined && (typeof closeAfterMs !== 'number' || closeAfterMs < 0)) {
      throw badRequest('closeAfterMs must be a non-negative number.');
    }
    return { notified: ops.sendSocketClosing(closeAfterMs) };
  });
  admin.post('/wfm/complete', async () => ({ completed: ops.completePendingSearches() }));
  admin.get('/calls', async () => ops.calls());
  admin.delete('/calls', async (_request, reply) => {
    ops.resetCalls();
    return reply.code(204).send();
  });
  admin.get<{ Params: { userId: string } }>('/agents/:userId/presence', async (request) =>
    ops.presence(request.params.userId),
  );
  admin.get<{ Params: { userId: string } }>('/agents/:userId/history', async (request) =>
    ops.presenceHistory(request.params.userId),
  );
  admin.post<{ Params: { userId: string } }>('/agents/:userId/presence', async (request) => {
    const body = objectBody(request.body);
    if (typeof body.presence !== 'string') {
      throw badRequest('presence (a definition id or system presence) is required.');
    }
    if (body.message !== undefined && typeof body.message !== 'string') {
      throw badRequest('message must be a string.');
    }
    return ops.agentChangesPresence(request.params.userId, body.presence, body.message);
  });
  admin.put<{ Params: { userId: string } }>('/agents/:userId/routingstatus', async (request, reply) => {
    const body = objectBody(request.body);
    ops.setRoutingStatus(request.params.userId, body.status as RoutingStatusValue);
    return reply.code(204).send();
  });
  admin.post('/reset', async (_request, reply) => {
    ops.reset();
    return reply.code(204).send();
  });
}
