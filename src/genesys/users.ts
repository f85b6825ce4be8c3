import { combineResults, type GenesysResult, mapResult } from './genesys-result';
import type { GenesysHttp } from './http';
import {
  type RoutingStatusState,
  toPresenceState,
  toRoutingStatusState,
  type UserPresenceState,
} from './presence';
import { type GenesysUserModel, userListingSchema, userSchema } from './schemas';

export type UserExpand = 'presence' | 'routingStatus';

/** A Genesys user as this service sees it; `presence` / `routingStatus` only with the matching `expand`. */
export interface GenesysUser {
  id: string;
  name: string | undefined;
  email: string | undefined;
  /** `active`, `inactive`, `deleted`. */
  state: string | undefined;
  presence: UserPresenceState | undefined;
  routingStatus: RoutingStatusState | undefined;
}

export interface UserPage {
  users: GenesysUser[];
  pageNumber: number;
  pageSize: number;
  total: number | undefined;
  pageCount: number | undefined;
}

export interface ListUsersOptions {
  /** Default 100 (Genesys default 25, max 500). */
  pageSize?: number;
  pageNumber?: number;
  /** Best effort on Genesys' side: a user may come back without them. */
  expand?: readonly UserExpand[];
  state?: 'active' | 'inactive' | 'deleted' | 'any';
}

const USERS = '/api/v2/users';
const USER = '/api/v2/users/{userId}';

export function toGenesysUser(u: GenesysUserModel): GenesysUser {
  return {
    id: u.id,
    name: u.name,
    email: u.email,
    state: u.state,
    presence: u.presence === undefined ? undefined : toPresenceState(u.id, u.presence),
    routingStatus: u.routingStatus === undefined ? undefined : toRoutingStatusState(u.id, u.routingStatus),
  };
}

export async function listUsers(
  http: GenesysHttp,
  options: ListUsersOptions = {},
): Promise<GenesysResult<UserPage>> {
  const pageSize = options.pageSize ?? 100;
  const pageNumber = options.pageNumber ?? 1;
  const result = await http.request({
    method: 'GET',
    route: USERS,
    query: {
      pageSize,
      pageNumber,
      expand: options.expand !== undefined && options.expand.length > 0 ? options.expand : undefined,
      state: options.state,
    },
    schema: userListingSchema,
  });
  return mapResult(result, (listing) => ({
    users: listing.entities.map(toGenesysUser),
    pageNumber: listing.pageNumber ?? pageNumber,
    pageSize: listing.pageSize ?? pageSize,
    total: listing.total,
    pageCount: listing.pageCount,
  }));
}

/** Every user, page after page (bounded by `maxPages`, default 200 pages). */
export async function listAllUsers(
  http: GenesysHttp,
  options: Omit<ListUsersOptions, 'pageNumber'> & { maxPages?: number } = {},
): Promise<GenesysResult<GenesysUser[]>> {
  const startedAt = Date.now();
  const parts: GenesysResult<unknown>[] = [];
  const users: GenesysUser[] = [];
  const maxPages = options.maxPages ?? 200;
  for (let pageNumber = 1; pageNumber <= maxPages; pageNumber += 1) {
    const page = await listUsers(http, { ...options, pageNumber });
    parts.push(page);
    users.push(...page.data.users);
    const done =
      page.data.users.length === 0 ||
      (page.data.pageCount !== undefined
        ? pageNumber >= page.data.pageCount
        : page.data.users.length < page.data.pageSize);
    if (done) {
      break;
    }
  }
  return combineResults(users, parts, startedAt);
}

export async function getUser(
  http: GenesysHttp,
  userId: string,
  expand: readonly UserExpand[] = [],
): Promise<GenesysResult<GenesysUser>> {
  const result = await http.request({
    method: 'GET',
    route: USER,
    path: { userId },
    query: { expand: expand.length > 0 ? expand : undefined },
    schema: userSchema,
  });
  return mapResult(result, toGenesysUser);
}
