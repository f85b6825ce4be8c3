/** Public surface of the Genesys Cloud client (the only module that speaks HTTP to Genesys). */
export {
  createGenesysClient,
  type GenesysClient,
  type GenesysClientConfig,
  type GenesysClientDeps,
  type GenesysClientTuning,
} from './genesys-client';
export * from './errors';
export type { CallRecord, GenesysResult } from './genesys-result';
export type { BreakerState, GenesysObserver } from './observer';
export {
  BULK_PRESENCE_MAX,
  type BulkPresenceResult,
  type PresenceUpdate,
  type RoutingStatusState,
  type RoutingStatusValue,
  type UserPresenceState,
} from './presence';
export {
  presenceKey,
  type PresenceDefinition,
  type PresenceResolution,
  resolvePresenceIn,
  SYSTEM_PRESENCES,
  type SystemPresence,
  toSystemPresence,
} from './presence-names';
export { type BudgetDecision, RateBudget } from './rate-budget';
export { GENESYS_REGIONS, type GenesysHosts, resolveGenesysHosts } from './regions';
export type {
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
export type { GenesysUser, ListUsersOptions, UserExpand, UserPage } from './users';
export type { ScheduleSearchOptions, ScheduleSearchOutcome, ScheduleSearchQuery } from './wfm';
export { MAX_TOPICS_PER_CHANNEL } from './notifications-api';
