import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PagedListing, UserView } from '../api-models';
import type { EmulatorContext } from '../emulator-context';
import { badRequest, notFound } from '../error-body';
import type { AgentState } from '../presence-store';
import { routingStatusView, userPresenceView } from '../presence-views';
import { intParam, multiValue, pageUris, singleValue, type Query } from '../query-params';

function userView(ctx: EmulatorContext, agent: AgentState, expand: ReadonlySet<string>): UserView {
  const user = agent.user;
  const view: UserView = {
    id: user.id,
    name: user.name,
    division: {
      id: ctx.org.divisionId,
      name: 'Home',
      selfUri: `/api/v2/authorization/divisions/${ctx.org.divisionId}`,
    },
    chat: { jabberId: `${user.id.replace(/-/g, '')}@${ctx.org.organizationId.slice(0, 8)}.orgspan.com` },
    email: user.email,
    primaryContactInfo: [{ address: user.email, mediaType: 'EMAIL', type: 'PRIMARY' }],
    addresses: [],
    state: 'active',
    username: user.email,
    version: 1,
    acdAutoAnswer: false,
    selfUri: `/api/v2/users/${user.id}`,
  };
  if (expand.has('presence')) {
    view.presence = userPresenceView(agent, ctx.options.presenceSpelling);
  }
  if (expand.has('routingstatus')) {
    view.routingStatus = routingStatusView(agent);
  }
  return view;
}

function expandOf(request: FastifyRequest): Set<string> {
  return new Set(multiValue(request.query as Query, 'expand').map((e) => e.toLowerCase()));
}

/** Users: `GET /users` (paging, `id` filter, `expand=presence,routingStatus`) and `GET /users/{userId}`. */
export function registerUserRoutes(api: FastifyInstance, ctx: EmulatorContext): void {
  api.get('/users', async (request) => {
    const query = request.query as Query;
    const pageSize = intParam(query, 'pageSize', 25, 1, 500);
    const pageNumber = intParam(query, 'pageNumber', 1, 1, 1_000_000);
    const ids = multiValue(query, 'id');
    if (ids.length > 100) {
      throw badRequest('A maximum of 100 user ids may be requested.');
    }
    const state = singleValue(query, 'state');
    if (state !== undefined && !['active', 'inactive', 'deleted', 'any'].includes(state)) {
      throw badRequest(`Invalid value for state: ${state}`);
    }
    const expand = expandOf(request);
    let total: number;
    let page: AgentState[];
    const start = (pageNumber - 1) * pageSize;
    if (state === 'inactive' || state === 'deleted') {
      total = 0;
      page = [];
    } else if (ids.length > 0) {
      const found = ids.map((id) => ctx.presence.get(id)).filter((a): a is AgentState => a !== undefined);
      total = found.length;
      page = found.slice(start, start + pageSize);
    } else {
      const users = ctx.org.users;
      total = users.length;
      page = users
        .slice(start, start + pageSize)
        .map((u) => ctx.presence.get(u.id))
        .filter((a): a is AgentState => a !== undefined);
    }
    const pageCount = Math.ceil(total / pageSize);
    const listing: PagedListing<UserView> = {
      entities: page.map((a) => userView(ctx, a, expand)),
      pageSize,
      pageNumber,
      total,
      pageCount,
      ...pageUris('/api/v2/users', pageSize, pageNumber, pageCount),
    };
    return listing;
  });

  api.get<{ Params: { userId: string } }>('/users/:userId', async (request) => {
    const agent = ctx.presence.get(request.params.userId);
    if (agent === undefined) {
      throw notFound(`User ${request.params.userId} not found.`);
    }
    return userView(ctx, agent, expandOf(request));
  });
}
