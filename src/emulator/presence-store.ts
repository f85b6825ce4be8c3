import type { SeededOrg, SeededUser } from './org-seed';
import { SYSTEM_DEFINITION_IDS, type PresenceDefinition, type SystemPresence } from './presence-definitions';

export const ROUTING_STATUSES = [
  'OFF_QUEUE',
  'IDLE',
  'INTERACTING',
  'NOT_RESPONDING',
  'COMMUNICATING',
] as const;
export type RoutingStatusValue = (typeof ROUTING_STATUSES)[number];

/** Who made a presence change: the service (an API client) or the agent themself (Genesys UI, phone, …). */
export type ChangedBy = 'service' | 'agent';

/** One presence write, as the admin API reports it. */
export interface PresenceHistoryEntry {
  userId: string;
  /** Epoch ms of the emulator clock. */
  time: number;
  /** ISO-8601 form of `time` (the presence's `modifiedDate`). */
  modifiedDate: string;
  definitionId: string;
  systemPresence: SystemPresence;
  message: string;
  changedBy: ChangedBy;
  /** The OAuth client id when `changedBy` is `service`, else null. */
  clientId: string | null;
  /** Which surface made the change. */
  via: 'patch' | 'bulk' | 'agent';
}

export interface PresenceSegment {
  start: number;
  definitionId: string;
  systemPresence: SystemPresence;
}

export interface RoutingSegment {
  start: number;
  status: RoutingStatusValue;
}

export interface AgentState {
  readonly user: SeededUser;
  definition: PresenceDefinition;
  message: string;
  modifiedAt: number;
  routingStatus: RoutingStatusValue;
  routingStart: number;
  /** Every presence since start (first entry = initial state); consecutive entries differ in definition. */
  readonly presenceTimeline: PresenceSegment[];
  readonly routingTimeline: RoutingSegment[];
  readonly history: PresenceHistoryEntry[];
}

/**
 * Per-agent memory bound: history and timelines keep the newest entries only (trimmed in chunks, so a write
 * stays O(1) amortised). Analytics cannot see further back than what is kept.
 */
export const MAX_ENTRIES_PER_AGENT = 10_000;
const TRIM_CHUNK = 1_000;

function pushBounded<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > MAX_ENTRIES_PER_AGENT + TRIM_CHUNK) {
    list.splice(0, list.length - MAX_ENTRIES_PER_AGENT);
  }
}

export interface PresenceChange {
  agent: AgentState;
  entry: PresenceHistoryEntry;
  routingChanged: boolean;
}

export interface PresenceWrite {
  definitionId?: string;
  message?: string;
  changedBy: ChangedBy;
  clientId: string | null;
  via: PresenceHistoryEntry['via'];
}

/**
 * Current presence and routing status of every agent, their history, and change listeners.
 * All lookups are by id (Map); nothing here walks all agents except `reset`.
 */
export class PresenceStore {
  private readonly agents = new Map<string, AgentState>();
  private readonly definitions = new Map<string, PresenceDefinition>();
  private readonly listeners: Array<(change: PresenceChange) => void> = [];
  private readonly routingListeners: Array<(agent: AgentState) => void> = [];

  constructor(
    private readonly org: SeededOrg,
    private readonly now: () => number,
  ) {
    for (const definition of org.presenceDefinitions) {
      this.definitions.set(definition.id, definition);
    }
    this.reset();
  }

  /** Back to the seeded initial state at the current clock time; history is cleared. */
  reset(): void {
    this.agents.clear();
    const at = this.now();
    for (const user of this.org.users) {
      const definition = this.requireDefinition(SYSTEM_DEFINITION_IDS[user.initialPresence]);
      const routingStatus: RoutingStatusValue =
        definition.systemPresence === 'ON_QUEUE' && user.queueIds.length > 0 ? 'IDLE' : 'OFF_QUEUE';
      this.agents.set(user.id, {
        user,
        definition,
        message: '',
        modifiedAt: at,
        routingStatus,
        routingStart: at,
        presenceTimeline: [
          { start: at, definitionId: definition.id, systemPresence: definition.systemPresence },
        ],
        routingTimeline: [{ start: at, status: routingStatus }],
        history: [],
      });
    }
  }

  get(userId: string): AgentState | undefined {
    return this.agents.get(userId);
  }

  definition(id: string): PresenceDefinition | undefined {
    return this.definitions.get(id);
  }

  onChange(listener: (change: PresenceChange) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Applies one write (last write wins; no versions). On Queue → routing IDLE (when in a queue),
   * anything else → OFF_QUEUE. The caller has validated the user and the definition.
   */
  write(agent: AgentState, write: PresenceWrite): PresenceChange {
    const at = this.now();
    const definition =
      write.definitionId === undefined ? agent.definition : this.requireDefinition(write.definitionId);
    if (definition.id !== agent.definition.id) {
      pushBounded(agent.presenceTimeline, {
        start: at,
        definitionId: definition.id,
        systemPresence: definition.systemPresence,
      });
    }
    agent.definition = definition;
    if (write.message !== undefined) {
      agent.message = write.message;
    }
    agent.modifiedAt = at;

    const routing: RoutingStatusValue =
      definition.systemPresence === 'ON_QUEUE' && agent.user.queueIds.length > 0
        ? agent.routingStatus === 'OFF_QUEUE'
          ? 'IDLE'
          : agent.routingStatus
        : 'OFF_QUEUE';
    const routingChanged = this.setRouting(agent, routing, at);

    const entry: PresenceHistoryEntry = {
      userId: agent.user.id,
      time: at,
      modifiedDate: new Date(at).toISOString(),
      definitionId: definition.id,
      systemPresence: definition.systemPresence,
      message: agent.message,
      changedBy: write.changedBy,
      clientId: write.clientId,
      via: write.via,
    };
    pushBounded(agent.history, entry);
    const change = { agent, entry, routingChanged };
    for (const listener of this.listeners) {
      listener(change);
    }
    return change;
  }

  /** Sets the ACD routing status directly (the system does this in reality; here it is an admin action). */
  setRoutingStatus(agent: AgentState, status: RoutingStatusValue): boolean {
    const changed = this.setRouting(agent, status, this.now());
    if (changed) {
      for (const listener of this.routingListeners) {
        listener(agent);
      }
    }
    return changed;
  }

  onRoutingChange(listener: (agent: AgentState) => void): void {
    this.routingListeners.push(listener);
  }

  private setRouting(agent: AgentState, status: RoutingStatusValue, at: number): boolean {
    if (agent.routingStatus === status) {
      return false;
    }
    agent.routingStatus = status;
    agent.routingStart = at;
    pushBounded(agent.routingTimeline, { start: at, status });
    return true;
  }

  private requireDefinition(id: string): PresenceDefinition {
    const definition = this.definitions.get(id);
    if (definition === undefined) {
      throw new Error(`unknown presence definition ${id}`);
    }
    return definition;
  }
}
