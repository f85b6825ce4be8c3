import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../emulator-context';
import type { AgentState } from '../presence-store';
import { parseUserDetailsQuery, runUserDetailsQuery, userIdsOf } from '../user-details-query';

/** `POST /analytics/users/details/query`: presence and routing-status records from the emulator's own history. */
export function registerAnalyticsRoutes(api: FastifyInstance, ctx: EmulatorContext): void {
  api.post('/analytics/users/details/query', async (request) => {
    const query = parseUserDetailsQuery(request.body);
    const ids = userIdsOf(query);
    const candidates =
      ids === undefined
        ? ctx.org.users.map((u) => ctx.presence.get(u.id)).filter((a): a is AgentState => a !== undefined)
        : [...new Set(ids)].map((id) => ctx.presence.get(id)).filter((a): a is AgentState => a !== undefined);
    return runUserDetailsQuery(query, candidates);
  });
}
