import { z } from 'zod';

/**
 * zod schemas of the Genesys Cloud responses this service depends on, following the official SDK models
 * (`purecloud-platform-client-v2` 262 `index.d.ts`; genesys-api.md). Only the fields we read are required; every
 * other SDK field is optional and unknown fields pass through (Genesys adds fields over time — that is not
 * drift; a missing or mistyped field we rely on is, and surfaces as `GENESYS_RESPONSE_INVALID`).
 */

const str = z.string();
const optStr = z.string().optional();

/** `ErrorBody` (genesys-api.md §2). Lenient: used to describe failures, never to reject them. */
export const errorBodySchema = z.looseObject({
  message: z.string().optional(),
  code: z.string().optional(),
  status: z.number().optional(),
  contextId: z.string().optional(),
  messageWithParams: z.string().optional(),
  messageParams: z.record(z.string(), z.string()).optional(),
  details: z.array(z.unknown()).optional(),
  errors: z.array(z.unknown()).optional(),
  limit: z.looseObject({ key: optStr, namespace: optStr, value: z.number().optional() }).optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** OAuth token endpoint error (`{"error":"invalid_client","error_description":…}`, §1.4). */
export const oauthErrorSchema = z.looseObject({
  error: z.string(),
  error_description: optStr,
  description: optStr,
});

/** Token response (§1.3). */
export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: optStr,
  expires_in: z.number().int().positive(),
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

// ---------------------------------------------------------------- presence (§3)

/** `PresenceDefinition` as embedded in a user presence. */
export const presenceDefinitionRefSchema = z.looseObject({
  id: str,
  systemPresence: optStr,
  selfUri: optStr,
});

/** `UserPresence` (GET/PATCH `…/presences/purecloud`, bulk PUT answer). */
export const userPresenceSchema = z.looseObject({
  id: optStr,
  name: optStr,
  source: optStr,
  sourceId: optStr,
  primary: z.boolean().optional(),
  presenceDefinition: presenceDefinitionRefSchema,
  futurePresenceDefinition: presenceDefinitionRefSchema.optional(),
  message: optStr,
  modifiedDate: optStr,
  selfUri: optStr,
});
export type UserPresence = z.infer<typeof userPresenceSchema>;

/** `UcUserPresence` (bulk GET): like UserPresence plus `userId`. */
export const ucUserPresenceSchema = userPresenceSchema.extend({ userId: str });
export type UcUserPresence = z.infer<typeof ucUserPresenceSchema>;

/** Bulk PUT answer `UserPresence[]`, where `id` is the user's id (MutableUserPresence semantics). */
export const bulkPresenceResponseSchema = z.array(userPresenceSchema.extend({ id: str }));

/** `OrganizationPresenceDefinition` (`/api/v2/presence/definitions`). */
export const organizationPresenceDefinitionSchema = z.looseObject({
  id: str,
  name: optStr,
  type: optStr,
  languageLabels: z.record(z.string(), z.string()).optional(),
  systemPresence: optStr,
  divisionId: optStr,
  deactivated: z.boolean().optional(),
  selfUri: optStr,
});
export const organizationPresenceDefinitionListingSchema = z.looseObject({
  total: z.number().optional(),
  entities: z.array(organizationPresenceDefinitionSchema),
});

/** `OrganizationPresence` (legacy `/api/v2/presencedefinitions`). */
export const organizationPresenceSchema = z.looseObject({
  id: str,
  name: optStr,
  languageLabels: z.record(z.string(), z.string()).optional(),
  systemPresence: optStr,
  deactivated: z.boolean().optional(),
  primary: z.boolean().optional(),
  modifiedDate: optStr,
  selfUri: optStr,
});
export const organizationPresenceListingSchema = z.looseObject({
  entities: z.array(organizationPresenceSchema),
  pageSize: z.number().optional(),
  pageNumber: z.number().optional(),
  total: z.number().optional(),
  pageCount: z.number().optional(),
  nextUri: z.string().nullable().optional(),
});

/** `RoutingStatus` (§3.4). */
export const routingStatusSchema = z.looseObject({
  userId: optStr,
  status: str,
  startTime: optStr,
});
export type RoutingStatus = z.infer<typeof routingStatusSchema>;

// ---------------------------------------------------------------- users

/** `User` — the fields we read; `expand=presence,routingStatus` fills the last two (best effort). */
export const userSchema = z.looseObject({
  id: str,
  name: optStr,
  email: optStr,
  state: optStr,
  username: optStr,
  version: z.number().optional(),
  presence: userPresenceSchema.optional(),
  routingStatus: routingStatusSchema.optional(),
  selfUri: optStr,
});
export type GenesysUserModel = z.infer<typeof userSchema>;

/** `UserEntityListing`. */
export const userListingSchema = z.looseObject({
  entities: z.array(userSchema),
  pageSize: z.number().optional(),
  pageNumber: z.number().optional(),
  total: z.number().optional(),
  pageCount: z.number().optional(),
});

// ---------------------------------------------------------------- WFM (§4)

const entityRef = z.looseObject({ id: str, selfUri: optStr });

/** `BusinessUnitListItem` / `BusinessUnitListing`. */
export const businessUnitListItemSchema = z.looseObject({
  id: str,
  name: optStr,
  authorized: z.boolean().optional(),
  division: z.looseObject({ id: optStr, name: optStr }).optional(),
  selfUri: optStr,
});
export type BusinessUnitListItem = z.infer<typeof businessUnitListItemSchema>;
export const businessUnitListingSchema = z.looseObject({ entities: z.array(businessUnitListItemSchema) });

/** `BusinessUnitResponse` (`GET …/businessunits/{buId}?expand=settings`); the time zone is what we need. */
export const businessUnitSchema = z.looseObject({
  id: str,
  name: optStr,
  settings: z
    .looseObject({
      startDayOfWeek: optStr,
      timeZone: str,
    })
    .optional(),
  division: z.looseObject({ id: optStr, name: optStr }).optional(),
  selfUri: optStr,
});
export type BusinessUnit = z.infer<typeof businessUnitSchema>;

/** `AgentManagementUnitReference` (§4.1); `businessUnit` may be absent (unverified). */
export const agentManagementUnitSchema = z.looseObject({
  user: entityRef.optional(),
  managementUnit: entityRef,
  businessUnit: entityRef.optional(),
});
export type AgentManagementUnit = z.infer<typeof agentManagementUnitSchema>;

/** `BusinessUnitActivityCode` (§4.2). */
export const activityCodeSchema = z.looseObject({
  id: str,
  name: optStr,
  active: z.boolean().optional(),
  defaultCode: z.boolean().optional(),
  category: optStr,
  lengthInMinutes: z.number().optional(),
  countsAsPaidTime: z.boolean().optional(),
  countsAsWorkTime: z.boolean().optional(),
  agentTimeOffSelectable: z.boolean().optional(),
  countsTowardShrinkage: z.boolean().optional(),
  plannedShrinkage: z.boolean().optional(),
  interruptible: z.boolean().optional(),
  secondaryPresences: z.array(entityRef).optional(),
  planningGroups: z.array(entityRef).optional(),
  style: z.looseObject({ backgroundColor: optStr, textColorTheme: optStr }).optional(),
  metadata: z.looseObject({ version: z.number().optional() }).optional(),
  selfUri: optStr,
});
export type ActivityCode = z.infer<typeof activityCodeSchema>;
export const activityCodeListingSchema = z.looseObject({
  entities: z.array(activityCodeSchema).optional(),
  downloadUrl: optStr,
});

/** `BuAgentScheduleActivity`: the SDK marks startDate, lengthMinutes, description, activityCodeId required. */
export const scheduleActivitySchema = z.looseObject({
  startDate: str,
  lengthMinutes: z.number(),
  description: optStr,
  activityCodeId: str,
  paid: z.boolean().optional(),
  payableMinutes: z.number().optional(),
  timeOffRequestId: optStr,
  externalActivityId: optStr,
  externalActivityType: optStr,
});
export type ScheduleActivity = z.infer<typeof scheduleActivitySchema>;

/** `BuAgentScheduleShift`. */
export const scheduleShiftSchema = z.looseObject({
  id: optStr,
  startDate: optStr,
  lengthMinutes: z.number().optional(),
  activities: z.array(scheduleActivitySchema).optional(),
  manuallyEdited: z.boolean().optional(),
  schedule: z.looseObject({ id: optStr, weekDate: optStr }).optional(),
  workPlanId: optStr,
  workPlanShiftId: optStr,
});

/** `BuFullDayTimeOffMarker`: `businessUnitDate` (local BU date) is what makes a marker usable. */
export const fullDayTimeOffMarkerSchema = z.looseObject({
  businessUnitDate: str,
  startOffsetMinutes: z.number().optional(),
  endOffsetMinutes: z.number().optional(),
  lengthMinutes: z.number().optional(),
  description: optStr,
  activityCodeId: optStr,
  paid: z.boolean().optional(),
  payableMinutes: z.number().optional(),
  timeOffRequestId: optStr,
  delete: z.boolean().optional(),
});

/** `BuAgentScheduleSearchResponse`. */
export const agentScheduleSchema = z.looseObject({
  user: entityRef,
  shifts: z.array(scheduleShiftSchema).optional(),
  fullDayTimeOffMarkers: z.array(fullDayTimeOffMarkerSchema).optional(),
});

/** `BuAgentSchedulesSearchResponse` (also what a `downloadUrl` serves). */
export const agentSchedulesSearchResultSchema = z.looseObject({
  agentSchedules: z.array(agentScheduleSchema).optional(),
  businessUnitTimeZone: optStr,
  publishedSchedules: z
    .array(z.looseObject({ id: optStr, weekDate: optStr, weekCount: z.number().optional() }))
    .optional(),
});
export type AgentSchedulesSearchResult = z.infer<typeof agentSchedulesSearchResultSchema>;

/** `BuAsyncAgentSchedulesSearchResponse` (§4.3). */
export const asyncAgentSchedulesSearchSchema = z.looseObject({
  status: z.enum(['Processing', 'Complete', 'Canceled', 'Error']),
  operationId: optStr,
  result: agentSchedulesSearchResultSchema.optional(),
  progress: z.number().optional(),
  downloadUrl: optStr,
});

// ---------------------------------------------------------------- analytics (§6)

export const analyticsPresenceRecordSchema = z.looseObject({
  startTime: str,
  endTime: optStr,
  systemPresence: optStr,
  organizationPresenceId: optStr,
});
export const analyticsRoutingStatusRecordSchema = z.looseObject({
  startTime: str,
  endTime: optStr,
  routingStatus: optStr,
});
export const analyticsUserDetailSchema = z.looseObject({
  userId: str,
  primaryPresence: z.array(analyticsPresenceRecordSchema).optional(),
  routingStatus: z.array(analyticsRoutingStatusRecordSchema).optional(),
});
export type AnalyticsUserDetail = z.infer<typeof analyticsUserDetailSchema>;

/** `AnalyticsUserDetailsQueryResponse`. */
export const userDetailsQueryResponseSchema = z.looseObject({
  userDetails: z.array(analyticsUserDetailSchema).optional(),
  aggregations: z.array(z.unknown()).optional(),
  totalHits: z.number().optional(),
});
export type UserDetailsQueryResponse = z.infer<typeof userDetailsQueryResponseSchema>;

const predicateSchema = z.object({
  type: z.enum(['dimension', 'property', 'metric']).optional(),
  dimension: z.string().optional(),
  operator: z.enum(['matches', 'exists', 'notExists']).optional(),
  value: z.string().optional(),
  range: z.record(z.string(), z.unknown()).optional(),
});
const filterSchema = z.object({
  type: z.enum(['and', 'or']),
  predicates: z.array(predicateSchema).optional(),
  clauses: z
    .array(z.object({ type: z.enum(['and', 'or']), predicates: z.array(predicateSchema) }))
    .optional(),
});

/** `UserDetailsQuery` request body (validated before sending: a bad body is our bug, not a Genesys call). */
export const userDetailsQuerySchema = z.object({
  interval: z.string().regex(/^[^/]+\/[^/]+$/, 'interval must be "<start>/<end>" (ISO-8601)'),
  userFilters: z.array(filterSchema).optional(),
  presenceFilters: z.array(filterSchema).optional(),
  routingStatusFilters: z.array(filterSchema).optional(),
  presenceAggregations: z.array(z.unknown()).optional(),
  routingStatusAggregations: z.array(z.unknown()).optional(),
  order: z.enum(['asc', 'desc', 'unordered']).optional(),
  paging: z.object({ pageSize: z.number().int().min(1), pageNumber: z.number().int().min(1) }).optional(),
});
export type UserDetailsQuery = z.infer<typeof userDetailsQuerySchema>;

// ---------------------------------------------------------------- notifications (§5.1)

/** `Channel`. */
export const channelSchema = z.looseObject({
  id: str,
  connectUri: str,
  expires: optStr,
});
export type Channel = z.infer<typeof channelSchema>;

/** `ChannelTopic`. */
export const channelTopicSchema = z.looseObject({
  id: str,
  state: optStr,
  rejectionReason: optStr,
  missingPermissions: z.array(z.string()).optional(),
  selfUri: optStr,
});
export type ChannelTopic = z.infer<typeof channelTopicSchema>;

/** `ChannelTopicEntityListing`. */
export const channelTopicListingSchema = z.looseObject({ entities: z.array(channelTopicSchema).optional() });
