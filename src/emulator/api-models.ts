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
