import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Component } from '../lifecycle';
import type { RedisConnection } from '../redis';
import * as analytics from './analytics';
import { SharedTokenProvider } from './auth';
import { GenesysConfigError } from './errors';
import type { GenesysResult } from './genesys-result';
import { GenesysHttp } from './http';
import * as notifications from './notifications-api';
import type { BreakerState, GenesysObserver } from './observer';
import * as presence from './presence';
import type { BulkPresenceResult, PresenceUpdate, RoutingStatusState, UserPresenceState } from './presence';
import { PresenceCatalog, type PresenceDefinition, type PresenceResolution } from './presence-names';
import { type BudgetDecision, RateBudget } from './rate-budget';
import { resolveGenesysHosts } from './regions';
import type { RetryPolicy } from './retry-policy';
import type {
  ActivityCode,
  AgentManagementUnit,
  AgentSchedulesSearchResult,
  AnalyticsUserDetail,
  BusinessUnit,
  BusinessUnitListItem,
  Channel,
  ChannelTopic,
  UserDetailsQuery,
  UserDetailsQueryResponse,
} from './schemas';
import { createTransport } from './transport';
import * as users from './users';
import type { GenesysUser, ListUsersOptions, UserExpand, UserPage } from './users';
import * as wfm from './wfm';
import type { ScheduleSearchOptions, ScheduleSearchOutcome, ScheduleSearchQuery } from './wfm';

/** The settings the client reads (all from src/config.ts). */
export type GenesysClientConfig = Pick<
  Config,
  | 'QUEUE_PREFIX'
  | 'GENESYS_REGION'
  | 'GENESYS_API_BASE_URL'
  | 'GENESYS_LOGIN_BASE_URL'
  | 'GENESYS_CLIENT_ID'
  | 'GENESYS_CLIENT_SECRET'
  | 'GENESYS_TIMEOUT_MS'
  | 'GENESYS_RETRIES'
  | 'GENESYS_MAX_RETRY_AFTER_MS'
  | 'GENESYS_CALL_BUDGET_MS'
  | 'GENESYS_RATE_BUDGET_PER_MINUTE'
  | 'GENESYS_RATE_BUDGET_MAX_WAIT_MS'
  | 'GENESYS_TOKEN_REFRESH_LEAD_SECONDS'
  | 'GENESYS_PRESENCE_CACHE_TTL_MS'
  | 'BREAKER_ERROR_THRESHOLD_PERCENT'
  | 'BREAKER_VOLUME_THRESHOLD'
  | 'BREAKER_RESET_MS'
>;

/** Knobs that are not settings (defaults suit production; tests shorten them). */
export interface GenesysClientTuning {
  /** First backoff of 5xx/network retries (default 250 ms; doubles, max `retryMaxDelayMs` = 2 s). */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Wait assumed for a 429 without `Retry-After` (default 3 s). */
  defaultRetryAfterMs?: number;
  /** Longest wait for another process' token refresh (default 10 s). */
  tokenWaitMaxMs?: number;
  tokenPollMs?: number;
  /** Breaker name in logs and metrics (default `genesys-api`). */
  breakerName?: string;
  /** Breaker statistics window (default 10 s). */
  breakerRollingWindowMs?: number;
  now?: () => number;
}

export interface GenesysClientDeps {
  config: GenesysClientConfig;
  /** Shared token, rate budget (any profile; the worker profile waits for Redis, the producer one fails fast). */
  redis: RedisConnection;
  logger: Logger;
  observer?: GenesysObserver;
  tuning?: GenesysClientTuning;
}

/**
 * The Genesys Cloud client. Every API method resolves with a {@link GenesysResult} (`data`, `status`,
 * `correlationId`, `latencyMs`, `calls`) and rejects with a `GenesysError` (branch on `code`). Method names are a
 * contract other modules code against.
 */
export interface GenesysClient extends Component {
  // presence
  getPresenceDefinitions(): Promise<GenesysResult<PresenceDefinition[]>>;
  /** Name in any spelling (`OnQueue`, `On Queue`, `ON_QUEUE`, a secondary label) or id → active definition (cached). */
  resolvePresence(nameOrId: string): Promise<PresenceDefinition | undefined>;
  /** Same, telling unknown / deactivated / ambiguous apart. */
  resolvePresenceDetailed(nameOrId: string): Promise<PresenceResolution>;
  getUserPresence(userId: string): Promise<GenesysResult<UserPresenceState>>;
  getUserPresencesBulk(userIds: readonly string[]): Promise<GenesysResult<UserPresenceState[]>>;
  patchUserPresence(
    userId: string,
    update: { presenceDefinitionId: string; message?: string | undefined },
  ): Promise<GenesysResult<UserPresenceState>>;
  putUserPresencesBulk(updates: readonly PresenceUpdate[]): Promise<GenesysResult<BulkPresenceResult[]>>;
  getRoutingStatus(userId: string): Promise<GenesysResult<RoutingStatusState>>;
  // users
  listUsers(options?: ListUsersOptions): Promise<GenesysResult<UserPage>>;
  listAllUsers(
    options?: Omit<ListUsersOptions, 'pageNumber'> & { maxPages?: number },
  ): Promise<GenesysResult<GenesysUser[]>>;
  getUser(userId: string, expand?: readonly UserExpand[]): Promise<GenesysResult<GenesysUser>>;
  // WFM
  listBusinessUnits(): Promise<GenesysResult<BusinessUnitListItem[]>>;
  getBusinessUnit(businessUnitId: string): Promise<GenesysResult<BusinessUnit>>;
  getAgentManagementUnit(userId: string): Promise<GenesysResult<AgentManagementUnit>>;
  listActivityCodes(businessUnitId: string): Promise<GenesysResult<ActivityCode[]>>;
  searchAgentSchedules(
    businessUnitId: string,
    query: ScheduleSearchQuery,
    options?: ScheduleSearchOptions,
  ): Promise<GenesysResult<ScheduleSearchOutcome>>;
  fetchScheduleSearchResult(downloadUrl: string): Promise<GenesysResult<AgentSchedulesSearchResult>>;
  // analytics
  queryUserDetails(body: UserDetailsQuery): Promise<GenesysResult<UserDetailsQueryResponse>>;
  queryAllUserDetails(
    body: UserDetailsQuery,
    options?: { pageSize?: number; maxPages?: number },
  ): Promise<GenesysResult<AnalyticsUserDetail[]>>;
  // notifications (REST control plane)
  createChannel(): Promise<GenesysResult<Channel>>;
  channelExists(channelId: string): Promise<GenesysResult<boolean>>;
  putSubscriptions(
    channelId: string,
    topics: readonly string[],
    options?: { ignoreErrors?: boolean },
  ): Promise<GenesysResult<ChannelTopic[]>>;
  addSubscriptions(
    channelId: string,
    topics: readonly string[],
    options?: { ignoreErrors?: boolean },
  ): Promise<GenesysResult<ChannelTopic[]>>;
  getSubscriptions(channelId: string): Promise<GenesysResult<ChannelTopic[]>>;
  deleteSubscriptions(channelId: string): Promise<GenesysResult<undefined>>;
  // plumbing
  /** The shared bearer token (for the WebSocket consumer); never log it. */
  getToken(): Promise<string>;
  /** Would `n` calls fit the shared budget now? Takes nothing (the client takes a unit per HTTP attempt itself). */
  checkBudget(n?: number): Promise<BudgetDecision>;
  /** The shared budget itself (`tryAcquire` takes units: only for callers that do not then call the client). */
  readonly budget: RateBudget;
  readonly breakerState: BreakerState;
}

/** Builds the client; nothing is called until the first method call. Stop it on shutdown (breaker timers). */
export function createGenesysClient(deps: GenesysClientDeps): GenesysClient {
  const { config } = deps;
  const tuning = deps.tuning ?? {};
  const logger = deps.logger.child({ component: 'genesys' });
  const hosts = resolveGenesysHosts(config);
  if (config.GENESYS_CLIENT_ID === undefined || config.GENESYS_CLIENT_SECRET === undefined) {
    throw new GenesysConfigError('GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET must be set');
  }
  const clientKey = createHash('sha256')
    .update(`${hosts.loginBaseUrl}|${config.GENESYS_CLIENT_ID}`)
    .digest('hex')
    .slice(0, 16);
  const policy: RetryPolicy = {
    retries: config.GENESYS_RETRIES,
    maxRetryAfterMs: config.GENESYS_MAX_RETRY_AFTER_MS,
    defaultRetryAfterMs: tuning.defaultRetryAfterMs ?? 3_000,
    baseDelayMs: tuning.retryBaseDelayMs ?? 250,
    maxDelayMs: tuning.retryMaxDelayMs ?? 2_000,
    timeoutMs: config.GENESYS_TIMEOUT_MS,
    callBudgetMs: config.GENESYS_CALL_BUDGET_MS,
  };
  const budget = new RateBudget({
    redis: deps.redis,
    prefix: config.QUEUE_PREFIX,
    scope: clientKey,
    limit: config.GENESYS_RATE_BUDGET_PER_MINUTE,
  });
  const common = { policy, logger, observer: deps.observer, now: tuning.now };
  const tokens = new SharedTokenProvider({
    redis: deps.redis,
    prefix: config.QUEUE_PREFIX,
    loginBaseUrl: hosts.loginBaseUrl,
    clientId: config.GENESYS_CLIENT_ID,
    clientSecret: config.GENESYS_CLIENT_SECRET,
    transport: createTransport(common),
    refreshLeadMs: config.GENESYS_TOKEN_REFRESH_LEAD_SECONDS * 1000,
    waitMaxMs: tuning.tokenWaitMaxMs,
    pollMs: tuning.tokenPollMs,
    lockTtlMs: Math.max(5_000, config.GENESYS_CALL_BUDGET_MS + 1_000),
    logger,
    observer: deps.observer,
    now: tuning.now,
  });
  const http = new GenesysHttp({
    apiBaseUrl: hosts.apiBaseUrl,
    transport: createTransport({
      ...common,
      budget,
      budgetMaxWaitMs: config.GENESYS_RATE_BUDGET_MAX_WAIT_MS,
    }),
    downloadTransport: createTransport({ ...common, maxRedirects: 3 }),
    tokens,
    breaker: {
      name: tuning.breakerName ?? 'genesys-api',
      errorThresholdPercentage: config.BREAKER_ERROR_THRESHOLD_PERCENT,
      volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
      resetTimeoutMs: config.BREAKER_RESET_MS,
      rollingWindowMs: tuning.breakerRollingWindowMs,
    },
    defaultRetryAfterMs: policy.defaultRetryAfterMs,
    logger,
    observer: deps.observer,
    now: tuning.now,
  });
  const catalog = new PresenceCatalog({
    load: async () => (await presence.getPresenceDefinitions(http)).data,
    ttlMs: config.GENESYS_PRESENCE_CACHE_TTL_MS,
    logger,
    now: tuning.now,
  });

  return {
    name: 'genesys-client',
    start: async () => undefined,
    stop: async () => {
      http.shutdown();
    },
    getPresenceDefinitions: () => presence.getPresenceDefinitions(http),
    resolvePresence: (nameOrId) => catalog.resolve(nameOrId),
    resolvePresenceDetailed: (nameOrId) => catalog.resolveDetailed(nameOrId),
    getUserPresence: (userId) => presence.getUserPresence(http, userId),
    getUserPresencesBulk: (userIds) => presence.getUserPresencesBulk(http, userIds),
    patchUserPresence: (userId, update) => presence.patchUserPresence(http, userId, update),
    putUserPresencesBulk: (updates) => presence.putUserPresencesBulk(http, updates),
    getRoutingStatus: (userId) => presence.getRoutingStatus(http, userId),
    listUsers: (options) => users.listUsers(http, options),
    listAllUsers: (options) => users.listAllUsers(http, options),
    getUser: (userId, expand) => users.getUser(http, userId, expand),
    listBusinessUnits: () => wfm.listBusinessUnits(http),
    getBusinessUnit: (businessUnitId) => wfm.getBusinessUnit(http, businessUnitId),
    getAgentManagementUnit: (userId) => wfm.getAgentManagementUnit(http, userId),
    listActivityCodes: (businessUnitId) => wfm.listActivityCodes(http, businessUnitId),
    searchAgentSchedules: (businessUnitId, query, options) =>
      wfm.searchAgentSchedules(http, businessUnitId, query, options),
    fetchScheduleSearchResult: (downloadUrl) => wfm.fetchScheduleSearchResult(http, downloadUrl),
    queryUserDetails: (body) => analytics.queryUserDetails(http, body),
    queryAllUserDetails: (body, options) => analytics.queryAllUserDetails(http, body, options),
    createChannel: () => notifications.createChannel(http),
    channelExists: (channelId) => notifications.channelExists(http, channelId),
    putSubscriptions: (channelId, topics, options) =>
      notifications.putSubscriptions(http, channelId, topics, options),
    addSubscriptions: (channelId, topics, options) =>
      notifications.addSubscriptions(http, channelId, topics, options),
    getSubscriptions: (channelId) => notifications.getSubscriptions(http, channelId),
    deleteSubscriptions: (channelId) => notifications.deleteSubscriptions(http, channelId),
    getToken: () => tokens.getToken(),
    checkBudget: (n = 1) => budget.peek(n),
    budget,
    get breakerState() {
      return http.breakerState;
    },
  };
}
