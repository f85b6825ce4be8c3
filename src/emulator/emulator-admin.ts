import type { ActivityCategory } from './activity-codes';
import type { EmulatorContext } from './emulator-context';
import { badRequest, notFound } from './error-body';
import type { EmulatorFaults, ScriptedFailure } from './fault-state';
import { parseSystemPresence, SYSTEM_DEFINITION_IDS, type SystemPresence } from './presence-definitions';
import {
  ROUTING_STATUSES,
  type AgentState,
  type PresenceHistoryEntry,
  type RoutingStatusValue,
} from './presence-store';

/** What tests, the demo and benchmarks see of the seeded org. */
export interface EmulatorOrgSummary {
  organizationId: string;
  businessUnit: { id: string; name: string; timeZone: string };
  managementUnits: Array<{ id: string; name: string }>;
  queues: Array<{ id: string; name: string }>;
  agents: Array<{ id: string; name: string; email: string; managementUnitId: string; queueIds: string[] }>;
  presenceDefinitions: Array<{
    id: string;
    systemPresence: SystemPresence;
    label: string;
    primary: boolean;
    deactivated: boolean;
  }>;
  activityCodes: Array<{
    id: string;
    name: string;
    category: ActivityCategory;
    secondaryPresenceIds: string[];
  }>;
}

/** An agent's current presence and routing status as the emulator holds it. */
export interface AgentPresenceSnapshot {
  userId: string;
  definitionId: string;
  systemPresence: SystemPresence;
  message: string;
  /** Epoch ms. */
  modifiedAt: number;
  modifiedDate: string;
  routingStatus: RoutingStatusValue;
  routingStartTime: string;
}

/**
 * The emulator's control surface, in process (`emulator.admin`) and over HTTP under `/__emulator`.
 * Every method is synchronous; errors are `EmulatorHttpError` (status + code) for unknown ids or bad input.
 */
export interface EmulatorAdmin {
  org(): EmulatorOrgSummary;
  agentIds(): string[];
  faults(): EmulatorFaults;
  /** Changes some faults; the rest stay as they are. */
  setFaults(partial: Partial<EmulatorFaults>): EmulatorFaults;
  /** All faults off (latency back to the start-up option) and scripted failures dropped. */
  clearFaults(): EmulatorFaults;
  /** Fails the next `count` matching calls (status or connection reset). */
  failNext(failure: ScriptedFailure): void;
  /** Revokes every issued token (calls answer 401 `bad.credentials`); returns how many. */
  revokeAllTokens(): number;
  /** Closes every notification WebSocket abruptly (channels stay valid); returns how many. */
  dropWebSockets(): number;
  /**
   * Sends `v2.system.socket_closing` on every WebSocket (returns how many); with `closeAfterMs`, the
   * emulator then closes those sockets after that delay, as the real service does about a minute later.
   */
  sendSocketClosing(closeAfterMs?: number): number;
  /** Completes every WFM search still `Processing` (async mode) now; returns how many. */
  completePendingSearches(): number;
  calls(): Record<string, number>;
  /** Calls of one route, e.g. `callCount('PATCH', '/api/v2/users/:userId/presences/purecloud')`. */
  callCount(method: string, route: string): number;
  resetCalls(): void;
  presence(userId: string): AgentPresenceSnapshot;
  /** Every presence write since start or reset, oldest first. */
  presenceHistory(userId: string): PresenceHistoryEntry[];
  /**
   * The agent changes their own presence (as in the Genesys UI): `presence` is a definition id or a system
   * presence in any spelling (`Break`, `On Queue`, `ON_QUEUE`). Emits the same notifications as an API change.
   */
  agentChangesPresence(userId: string, presence: string, message?: string): PresenceHistoryEntry;
  /** Sets the ACD routing status (e.g. INTERACTING), as the routing engine would. */
  setRoutingStatus(userId: string, status: RoutingStatusValue): void;
  /**
   * Back to the start state: presence and history, faults, call counters, rate-limit counts, pending WFM
   * searches, and notification channels (their sockets are closed). Issued tokens stay valid.
   */
  reset(): void;
}

/** The parts the admin needs beyond the shared context (notifications and WFM plug in here). */
export interface AdminHooks {
  dropWebSockets(): number;
  sendSocketClosing(closeAfterMs?: number): number;
  completePendingSearches(): number;
  reset(): void;
}

export function createEmulatorAdmin(ctx: EmulatorContext, hooks: AdminHooks): EmulatorAdmin {
  const requireAgent = (userId: string): AgentState => {
    const agent = ctx.presence.get(userId);
    if (agent === undefined) {
      throw notFound(`User ${userId} not found.`);
    }
    return agent;
  };

  const resolveDefinition = (presence: string): string => {
    const byId = ctx.presence.definition(presence);
    if (byId !== undefined) {
      if (byId.deactivated) {
        throw badRequest(`Presence definition ${presence} is deactivated.`);
      }
      return byId.id;
    }
    const system = parseSystemPresence(presence);
    if (system === undefined) {
      throw badRequest(`Unknown presence "${presence}": give a definition id or a system presence.`);
    }
    return SYSTEM_DEFINITION_IDS[system];
  };

  return {
    org: () => ({
      organizationId: ctx.org.organizationId,
      businessUnit: { ...ctx.org.businessUnit },
      managementUnits: ctx.org.managementUnits.map((m) => ({ ...m })),
      queues: ctx.org.queues.map((q) => ({ ...q })),
      agents: ctx.org.users.map((u) => ({
        id: u.id,
        name: u.name,
        email: u.email,
        managementUnitId: u.managementUnitId,
        queueIds: [...u.queueIds],
      })),
      presenceDefinitions: ctx.org.presenceDefinitions.map((d) => ({
        id: d.id,
        systemPresence: d.systemPresence,
        label: d.label,
        primary: d.primary,
        deactivated: d.deactivated,
      })),
      activityCodes: ctx.org.activityCodes.map((c) => ({
        id: c.id,
        name: c.name,
        category: c.category,
        secondaryPresenceIds: [...c.secondaryPresenceIds],
      })),
    }),
    agentIds: () => ctx.org.users.map((u) => u.id),
    faults: () => ({ ...ctx.faults.current }),
    setFaults: (partial) => ctx.faults.set(partial),
    clearFaults: () => {
      ctx.faults.reset();
      return { ...ctx.faults.current };
    },
    failNext: (failure) => ctx.faults.addScripted(failure),
    revokeAllTokens: () => ctx.tokens.revokeAll(),
    dropWebSockets: () => hooks.dropWebSockets(),
    sendSocketClosing: (closeAfterMs) => hooks.sendSocketClosing(closeAfterMs),
    completePendingSearches: () => hooks.completePendingSearches(),
    calls: () => ctx.counters.snapshot(),
    callCount: (method, route) => ctx.counters.get(method, route),
    resetCalls: () => ctx.counters.reset(),
    presence: (userId) => {
      const agent = requireAgent(userId);
      return {
        userId,
        definitionId: agent.definition.id,
        systemPresence: agent.definition.systemPresence,
        message: agent.message,
        modifiedAt: agent.modifiedAt,
        modifiedDate: new Date(agent.modifiedAt).toISOString(),
        routingStatus: agent.routingStatus,
        routingStartTime: new Date(agent.routingStart).toISOString(),
      };
    },
    presenceHistory: (userId) => requireAgent(userId).history.map((e) => ({ ...e })),
    agentChangesPresence: (userId, presence, message) => {
      const agent = requireAgent(userId);
      const definitionId = resolveDefinition(presence);
      const change = ctx.presence.write(agent, {
        definitionId,
        ...(message === undefined ? {} : { message }),
        changedBy: 'agent',
        clientId: null,
        via: 'agent',
      });
      return { ...change.entry };
    },
    setRoutingStatus: (userId, status) => {
      if (!ROUTING_STATUSES.includes(status)) {
        throw badRequest(`Unknown routing status ${String(status)}.`);
      }
      ctx.presence.setRoutingStatus(requireAgent(userId), status);
    },
    reset: () => {
      ctx.presence.reset();
      ctx.faults.reset();
      ctx.counters.reset();
      ctx.tokens.resetCounters();
      hooks.reset();
    },
  };
}
