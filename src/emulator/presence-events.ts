import type { EventPublisher } from './event-publisher';
import { spellSystemPresence, type PresenceSpelling } from './presence-definitions';
import type { AgentState, PresenceStore } from './presence-store';
import { PURECLOUD_SOURCE } from './presence-views';

function presenceDefinition(agent: AgentState, spelling: PresenceSpelling) {
  return {
    id: agent.definition.id,
    systemPresence: spellSystemPresence(agent.definition.systemPresence, spelling),
  };
}

function routingStatus(agent: AgentState) {
  return { status: agent.routingStatus, startTime: new Date(agent.routingStart).toISOString() };
}

function activityBody(agent: AgentState, spelling: PresenceSpelling) {
  return {
    id: agent.user.id,
    routingStatus: routingStatus(agent),
    presence: {
      presenceDefinition: presenceDefinition(agent, spelling),
      presenceMessage: agent.message,
      modifiedDate: new Date(agent.modifiedAt).toISOString(),
    },
    outOfOffice: { active: false },
    activeQueueIds: agent.routingStatus === 'OFF_QUEUE' ? [] : [...agent.user.queueIds],
    dateActiveQueuesChanged: new Date(agent.routingStart).toISOString(),
  };
}

/**
 * Turns presence writes (API PATCH / bulk PUT, or the agent's own change) into notification events:
 * `v2.users.{id}.presence` and `.activity` on every write, `.routingStatus` when the routing status changed.
 */
export function publishPresenceEvents(
  store: PresenceStore,
  publisher: EventPublisher,
  spelling: PresenceSpelling,
): void {
  store.onChange(({ agent, routingChanged }) => {
    const userId = agent.user.id;
    publisher.publish(`v2.users.${userId}.presence`, {
      source: PURECLOUD_SOURCE,
      presenceDefinition: presenceDefinition(agent, spelling),
      primary: true,
      message: agent.message,
      modifiedDate: new Date(agent.modifiedAt).toISOString(),
    });
    if (routingChanged) {
      publisher.publish(`v2.users.${userId}.routingStatus`, {
        id: userId,
        routingStatus: routingStatus(agent),
      });
    }
    publisher.publish(`v2.users.${userId}.activity`, activityBody(agent, spelling));
  });
  store.onRoutingChange((agent) => {
    const userId = agent.user.id;
    publisher.publish(`v2.users.${userId}.routingStatus`, {
      id: userId,
      routingStatus: routingStatus(agent),
    });
    publisher.publish(`v2.users.${userId}.activity`, activityBody(agent, spelling));
  });
}
