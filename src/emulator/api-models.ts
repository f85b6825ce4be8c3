/**
 * Response shapes the emulator serves, mirroring the official SDK's models (purecloud-platform-client-v2
 * `index.d.ts`, namespace `Models`) field for field. The SDK contract test checks these types are assignable
 * to the SDK's, so a drift fails `npm run typecheck`.
 */
export interface PresenceDefinitionRef {
  id: string;
  systemPresence?: string;
  selfUri?: string;
}

export interface UserPresenceView {
  /** Only in bulk PUT answers: the user's id (as in `MutableUserPresence`). */
  id?: string;
  name?: string;
  source: string;
  sourceId?: string;
  primary: boolean;
  presenceDefinition: PresenceDefinitionRef;
  message: string;
  modifiedDate: string;
  selfUri: string;
}

export interface UcUserPresenceView {
  userId: string;
  source: string;
  sourceId?: string;
  presenceDefinition: PresenceDefinitionRef;
  message: string;
  modifiedDate: string;
  selfUri: string;
}

export interface RoutingStatusView {
  userId: string;
  status: string;
  /** Absent for a user that does not exist (the real API answers OFF_QUEUE, not 404). */
  startTime?: string;
}

export interface UserView {
  id: string;
  name: string;
  division: { id: string; name: string; selfUri: string };
  chat: { jabberId: string };
  email: string;
  primaryContactInfo: Array<{ address: string; mediaType: string; type: string }>;
  addresses: Array<{ address: string; mediaType: string; type: string }>;
  state: string;
  username: string;
  version: number;
  acdAutoAnswer: boolean;
  selfUri: string;
  presence?: UserPresenceView;
  routingStatus?: RoutingStatusView;
}

export interface PagedListing<T> {
  entities: T[];
  pageSize: number;
  pageNumber: number;
  total: number;
  pageCount: number;
  firstUri: string;
  selfUri: string;
  lastUri: string;
  nextUri?: string;
  previousUri?: string;
}

export interface OrganizationPresenceDefinitionView {
  id: string;
  name: string;
  type: 'System' | 'User';
  languageLabels: Record<string, string>;
  systemPresence: string;
  divisionId: string;
  deactivated: boolean;
  selfUri: string;
}

export interface OrganizationPresenceView {
  id: string;
  name: string;
  languageLabels: Record<string, string>;
  systemPresence: string;
  deactivated: boolean;
  primary: boolean;
  createdDate: string;
  selfUri: string;
}

export interface SystemPresenceView {
  id: string;
  name: string;
  selfUri: string;
}

export interface AuthTokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
}

export interface EntityRef {
  id: string;
  selfUri: string;
}

export interface BusinessUnitListItemView {
  id: string;
  name: string;
  authorized: boolean;
  division: EntityRef;
  selfUri: string;
}

export interface BusinessUnitView {
  id: string;
  name: string;
  division: EntityRef;
  settings?: {
    startDayOfWeek: string;
    timeZone: string;
    metadata: { version: number; dateModified: string };
  };
  selfUri: string;
}

export interface AgentManagementUnitReferenceView {
  user: EntityRef;
  managementUnit: EntityRef;
  businessUnit: EntityRef;
}

export interface BusinessUnitActivityCodeView {
  id: string;
  name: string;
  active: boolean;
  defaultCode: boolean;
  category: string;
  lengthInMinutes: number;
  countsAsPaidTime: boolean;
  countsAsWorkTime: boolean;
  agentTimeOffSelectable: boolean;
  countsTowardShrinkage: boolean;
  plannedShrinkage: boolean;
  interruptible: boolean;
  secondaryPresences: EntityRef[];
  style: { backgroundColor: string; textColorTheme: string };
  metadata: { version: number; dateCreated: string; dateModified: string };
  selfUri: string;
}

export interface BuAgentScheduleActivityView {
  startDate: string;
  lengthMinutes: number;
  description: string;
  activityCodeId: string;
  paid: boolean;
  payableMinutes: number;
}

export interface BuAgentScheduleShiftView {
  id: string;
  startDate: string;
  lengthMinutes: number;
  activities: BuAgentScheduleActivityView[];
  manuallyEdited: boolean;
  schedule: { id: string; weekDate: string; selfUri: string };
}

export interface BuFullDayTimeOffMarkerView {
  businessUnitDate: string;
  startOffsetMinutes: number;
  endOffsetMinutes: number;
  lengthMinutes: number;
  description: string;
  activityCodeId: string;
  paid: boolean;
  payableMinutes: number;
}

export interface BuAgentScheduleSearchView {
  user: EntityRef;
  shifts: BuAgentScheduleShiftView[];
  fullDayTimeOffMarkers: BuFullDayTimeOffMarkerView[];
}

export interface BuAgentSchedulesSearchResponseView {
  agentSchedules: BuAgentScheduleSearchView[];
  businessUnitTimeZone: string;
  publishedSchedules: Array<{ id: string; weekDate: string; weekCount: number; selfUri: string }>;
}

export interface BuAsyncAgentSchedulesSearchResponseView {
  status: 'Processing' | 'Complete' | 'Canceled' | 'Error';
  operationId: string;
  result?: BuAgentSchedulesSearchResponseView;
  progress?: number;
  downloadUrl?: string;
}

export interface AnalyticsUserPresenceRecordView {
  startTime: string;
  endTime?: string;
  systemPresence: string;
  organizationPresenceId: string;
}

export interface AnalyticsRoutingStatusRecordView {
  startTime: string;
  endTime?: string;
  routingStatus: string;
}

export interface AnalyticsUserDetailView {
  userId: string;
  primaryPresence?: AnalyticsUserPresenceRecordView[];
  routingStatus?: AnalyticsRoutingStatusRecordView[];
}

export interface AnalyticsUserDetailsQueryResponseView {
  userDetails?: AnalyticsUserDetailView[];
  totalHits: number;
}
