import type {
  OrganizationPresenceDefinitionView,
  OrganizationPresenceView,
  RoutingStatusView,
  UcUserPresenceView,
  UserPresenceView,
} from './api-models';
import { spellSystemPresence, type PresenceDefinition, type PresenceSpelling } from './presence-definitions';
import type { AgentState } from './presence-store';

export const PURECLOUD_SOURCE = 'PURECLOUD';

export function definitionRef(definition: PresenceDefinition, spelling: PresenceSpelling) {
  return {
    id: definition.id,
    systemPresence: spellSystemPresence(definition.systemPresence, spelling),
    selfUri: `/api/v2/presencedefinitions/${definition.id}`,
  };
}

/** `UserPresence` of the PURECLOUD source (GET/PATCH `/users/{id}/presences/purecloud`, bulk PUT items). */
export function userPresenceView(agent: AgentState, spelling: PresenceSpelling): UserPresenceView {
  return {
    source: PURECLOUD_SOURCE,
    sourceId: PURECLOUD_SOURCE,
    primary: true,
    presenceDefinition: definitionRef(agent.definition, spelling),
    message: agent.message,
    modifiedDate: new Date(agent.modifiedAt).toISOString(),
    selfUri: `/api/v2/users/${agent.user.id}/presences/${PURECLOUD_SOURCE}`,
  };
}

/** `UcUserPresence` (bulk GET items). */
export function ucUserPresenceView(agent: AgentState, spelling: PresenceSpelling): UcUserPresenceView {
  return {
    userId: agent.user.id,
    source: PURECLOUD_SOURCE,
    sourceId: PURECLOUD_SOURCE,
    presenceDefinition: definitionRef(agent.definition, spelling),
    message: agent.message,
    modifiedDate: new Date(agent.modifiedAt).toISOString(),
    selfUri: `/api/v2/users/${agent.user.id}/presences/${PURECLOUD_SOURCE}`,
  };
}

export function routingStatusView(agent: AgentState): RoutingStatusView {
  return {
    userId: agent.user.id,
    status: agent.routingStatus,
    startTime: new Date(agent.routingStart).toISOString(),
  };
}

/** `OrganizationPresenceDefinition` (`/api/v2/presence/definitions`): `OnQueue` spelling, `type`. */
export function organizationPresenceDefinitionView(
  definition: PresenceDefinition,
  divisionId: string,
): OrganizationPresenceDefinitionView {
  return {
    id: definition.id,
    name: definition.label,
    type: definition.primary ? 'System' : 'User',
    languageLabels: { en_US: definition.label },
    systemPresence: spellSystemPresence(definition.systemPresence, 'camel'),
    divisionId,
    deactivated: definition.deactivated,
    selfUri: `/api/v2/presence/definitions/${definition.id}`,
  };
}

/** `OrganizationPresence` (legacy `/api/v2/presencedefinitions`): `On Queue` spelling, `primary`. */
export function organizationPresenceView(definition: PresenceDefinition): OrganizationPresenceView {
  return {
    id: definition.id,
    name: definition.label,
    languageLabels: { en_US: definition.label },
    systemPresence: spellSystemPresence(definition.systemPresence, 'legacy'),
    deactivated: definition.deactivated,
    primary: definition.primary,
    createdDate: definition.createdDate,
    selfUri: `/api/v2/presencedefinitions/${definition.id}`,
  };
}
