import type {
  AnalyticsRoutingStatusRecordView,
  AnalyticsUserDetailsQueryResponseView,
  AnalyticsUserDetailView,
  AnalyticsUserPresenceRecordView,
} from './api-models';
import { badRequest } from './error-body';
import type { AgentState } from './presence-store';

const DAY = 86_400_000;
const MAX_DAYS_WITHOUT_FILTERS = 7;
const MAX_DAYS_WITH_FILTERS = 31;
const MAX_PAGE_SIZE = 100;

type Dimension = 'userId' | 'systemPresence' | 'organizationPresenceId' | 'routingStatus';

interface Predicate {
  dimension: Dimension;
  operator: 'matches' | 'exists' | 'notExists';
  value: string | undefined;
}

interface Filter {
  type: 'and' | 'or';
  predicates: Predicate[];
  clauses: Array<{ type: 'and' | 'or'; predicates: Predicate[] }>;
}

export interface UserDetailsQuery {
  start: number;
  end: number;
  userFilters: Filter[];
  presenceFilters: Filter[];
  routingStatusFilters: Filter[];
  order: 'asc' | 'desc' | 'unordered';
  pageSize: number;
  pageNumber: number;
}

const ALLOWED: Record<'userFilters' | 'presenceFilters' | 'routingStatusFilters', readonly Dimension[]> = {
  userFilters: ['userId'],
  presenceFilters: ['systemPresence', 'organizationPresenceId'],
  routingStatusFilters: ['routingStatus'],
};

function parseType(value: unknown, where: string): 'and' | 'or' {
  if (value !== 'and' && value !== 'or') {
    throw badRequest(`${where}.type is required and must be "and" or "or".`);
  }
  return value;
}

function parsePredicates(raw: unknown, where: string, allowed: readonly Dimension[]): Predicate[] {
  if (raw === undefined) {
    return [];
  }
  if (!Array.isArray(raw)) {
    throw badRequest(`${where} must be an array.`);
  }
  return raw.map((p: unknown, i) => {
    const predicate = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>;
    const dimension = predicate.dimension as Dimension;
    if (!allowed.includes(dimension)) {
      throw badRequest(`${where}[${i}].dimension must be one of ${allowed.join(', ')}.`);
    }
    const operator = (predicate.operator ?? 'matches') as Predicate['operator'];
    if (!['matches', 'exists', 'notExists'].includes(operator)) {
      throw badRequest(`${where}[${i}].operator must be matches, exists or notExists.`);
    }
    if (operator === 'matches' && typeof predicate.value !== 'string') {
      throw badRequest(`${where}[${i}].value is required for the matches operator.`);
    }
    return { dimension, operator, value: typeof predicate.value === 'string' ? predicate.value : undefined };
  });
}

function parseFilters(raw: unknown, name: keyof typeof ALLOWED): Filter[] {
  if (raw === undefined) {
    return [];
  }
  if (!Array.isArray(raw)) {
    throw badRequest(`${name} must be an array.`);
  }
  return raw.map((f: unknown, i) => {
    const filter = (typeof f === 'object' && f !== null ? f : {}) as Record<string, unknown>;
    const where = `${name}[${i}]`;
    const clausesRaw = filter.clauses === undefined ? [] : filter.clauses;
    if (!Array.isArray(clausesRaw)) {
      throw badRequest(`${where}.clauses must be an array.`);
    }
    return {
      type: parseType(filter.type, where),
      predicates: parsePredicates(filter.predicates, `${where}.predicates`, ALLOWED[name]),
      clauses: clausesRaw.map((c: unknown, j) => {
        const clause = (typeof c === 'object' && c !== null ? c : {}) as Record<string, unknown>;
        return {
          type: parseType(clause.type, `${where}.clauses[${j}]`),
          predicates: parsePredicates(clause.predicates, `${where}.clauses[${j}].predicates`, ALLOWED[name]),
        };
      }),
    };
  });
}

/** Validates a `UserDetailsQuery` body: interval, filters, order, paging and the interval caps (7 / 31 days). */
export function parseUserDetailsQuery(raw: unknown): UserDetailsQuery {
  const body = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<
    string,
    unknown
  >;
  const interval = typeof body.interval === 'string' ? body.interval.split('/') : [];
  const start = Date.parse(interval[0] ?? '');
  const end = Date.parse(interval[1] ?? '');
  if (interval.length !== 2 || !Number.isFinite(start) || !Number.isFinite(end) || end <= start) {
    throw badRequest('interval is required: an ISO-8601 "start/end" with end after start.', {
      details: [{ errorCode: 'invalid.date', fieldName: 'interval' }],
    });
  }
  const userFilters = parseFilters(body.userFilters, 'userFilters');
  const presenceFilters = parseFilters(body.presenceFilters, 'presenceFilters');
  const routingStatusFilters = parseFilters(body.routingStatusFilters, 'routingStatusFilters');
  const filtered = userFilters.length + presenceFilters.length + routingStatusFilters.length > 0;
  const maxDays = filtered ? MAX_DAYS_WITH_FILTERS : MAX_DAYS_WITHOUT_FILTERS;
  if (end - start > maxDays * DAY) {
    throw badRequest(
      `The interval may span at most ${maxDays} days ${filtered ? 'with' : 'without'} filters.`,
      { details: [{ errorCode: 'invalid.value', fieldName: 'interval' }] },
    );
  }
  const order = body.order ?? 'asc';
  if (order !== 'asc' && order !== 'desc' && order !== 'unordered') {
    throw badRequest('order must be asc, desc or unordered.');
  }
  let pageSize = 25;
  let pageNumber = 1;
  if (body.paging !== undefined) {
    const paging = (typeof body.paging === 'object' && body.paging !== null ? body.paging : {}) as Record<
      string,
      unknown
    >;
    const size = paging.pageSize;
    const number = paging.pageNumber;
    if (
      typeof size !== 'number' ||
      typeof number !== 'number' ||
      !Number.isInteger(size) ||
      !Number.isInteger(number) ||
      size < 1 ||
      size > MAX_PAGE_SIZE ||
      number < 1
    ) {
      throw badRequest(`paging needs integer pageSize (1..${MAX_PAGE_SIZE}) and pageNumber (>= 1).`);
    }
    pageSize = size;
    pageNumber = number;
  }
  return { start, end, userFilters, presenceFilters, routingStatusFilters, order, pageSize, pageNumber };
}

function predicateMatches(p: Predicate, values: Partial<Record<Dimension, string>>): boolean {
  const actual = values[p.dimension];
  switch (p.operator) {
    case 'exists':
      return actual !== undefined;
    case 'notExists':
      return actual === undefined;
    case 'matches':
      return actual !== undefined && actual === p.value;
  }
}

function combine(type: 'and' | 'or', results: boolean[]): boolean {
  if (results.length === 0) {
    return true;
  }
  return type === 'and' ? results.every(Boolean) : results.some(Boolean);
}

function filterMatches(filter: Filter, values: Partial<Record<Dimension, string>>): boolean {
  const results = [
    ...filter.predicates.map((p) => predicateMatches(p, values)),
    ...filter.clauses.map((c) =>
      combine(
        c.type,
        c.predicates.map((p) => predicateMatches(p, values)),
      ),
    ),
  ];
  return combine(filter.type, results);
}

const allMatch = (filters: Filter[], values: Partial<Record<Dimension, string>>): boolean =>
  filters.every((f) => filterMatches(f, values));

/** The `userId` values a user filter can select directly (so a filtered query does not walk every agent). */
export function userIdsOf(query: UserDetailsQuery): string[] | undefined {
  if (query.userFilters.length !== 1) {
    return undefined;
  }
  const filter = query.userFilters[0]!;
  if (filter.type !== 'or' || filter.clauses.length > 0) {
    return undefined;
  }
  if (!filter.predicates.every((p) => p.operator === 'matches' && p.value !== undefined)) {
    return undefined;
  }
  return filter.predicates.map((p) => p.value!);
}

/**
 * Presence and routing-status records overlapping the interval, computed from each agent's timeline
 * (records are not clipped to the interval; a still-running one has no endTime). A user is returned when
 * they pass the user filters and have at least one record passing each kind of record filter given.
 */
export function runUserDetailsQuery(
  query: UserDetailsQuery,
  candidates: Iterable<AgentState>,
): AnalyticsUserDetailsQueryResponseView {
  const matching: AnalyticsUserDetailView[] = [];
  for (const agent of candidates) {
    if (!allMatch(query.userFilters, { userId: agent.user.id })) {
      continue;
    }
    const presence: AnalyticsUserPresenceRecordView[] = [];
    agent.presenceTimeline.forEach((segment, i) => {
      const next = agent.presenceTimeline[i + 1];
      const segmentEnd = next?.start ?? Number.POSITIVE_INFINITY;
      if (segment.start >= query.end || segmentEnd <= query.start || segmentEnd === segment.start) {
        return;
      }
      if (
        !allMatch(query.presenceFilters, {
          systemPresence: segment.systemPresence,
          organizationPresenceId: segment.definitionId,
        })
      ) {
        return;
      }
      presence.push({
        startTime: new Date(segment.start).toISOString(),
        ...(next === undefined ? {} : { endTime: new Date(next.start).toISOString() }),
        systemPresence: segment.systemPresence,
        organizationPresenceId: segment.definitionId,
      });
    });
    const routing: AnalyticsRoutingStatusRecordView[] = [];
    agent.routingTimeline.forEach((segment, i) => {
      const next = agent.routingTimeline[i + 1];
      const segmentEnd = next?.start ?? Number.POSITIVE_INFINITY;
      if (segment.start >= query.end || segmentEnd <= query.start || segmentEnd === segment.start) {
        return;
      }
      if (!allMatch(query.routingStatusFilters, { routingStatus: segment.status })) {
        return;
      }
      routing.push({
        startTime: new Date(segment.start).toISOString(),
        ...(next === undefined ? {} : { endTime: new Date(next.start).toISOString() }),
        routingStatus: segment.status,
      });
    });
    if (query.presenceFilters.length > 0 && presence.length === 0) {
      continue;
    }
    if (query.routingStatusFilters.length > 0 && routing.length === 0) {
      continue;
    }
    if (presence.length === 0 && routing.length === 0) {
      continue;
    }
    if (query.order === 'desc') {
      presence.reverse();
      routing.reverse();
    }
    matching.push({
      userId: agent.user.id,
      ...(presence.length > 0 ? { primaryPresence: presence } : {}),
      ...(routing.length > 0 ? { routingStatus: routing } : {}),
    });
  }
  if (query.order !== 'unordered') {
    matching.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
    if (query.order === 'desc') {
      matching.reverse();
    }
  }
  const from = (query.pageNumber - 1) * query.pageSize;
  const page = matching.slice(from, from + query.pageSize);
  return { ...(page.length > 0 ? { userDetails: page } : {}), totalHits: matching.length };
}
