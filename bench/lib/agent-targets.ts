import { timelineKey } from '../../src/jobs/keys';
import { DEFAULT_PRESENCE_POLICY } from '../../src/policy/presence-policy';
import { agentTimelineSchema, type ScheduleLookup } from '../../src/schedule/agent-timeline';
import { lookupActivity } from '../../src/schedule/lookup-activity';
import { GenesysScheduleSource } from '../../src/workers/presence-schedule-source';
import type { BenchProducer } from './bench-producer';
import type { EmulatorProcess } from './emulator-process';
import { chooseShiftTarget } from './shift-targets';

export interface AgentTargets {
  /** Agents that have an allowed target (in the org's order). */
  agentIds: string[];
  /** The presence each agent moves to first (≠ its presence now). */
  first: Map<string, string>;
  /** Another presence allowed for the agent (≠ first), for requests that go back and forth. */
  second: Map<string, string>;
  businessUnitId: string;
  /** Genesys calls spent warming the schedule cache. */
  warmupSearches: number;
}

/**
 * Warms what a running service keeps warm (the shared token, the presence definitions, the schedule cache: one
 * WFM search per 100 agents, as the schedule sync does) and picks, for each of the first `count` agents, presences
 * its schedule allows over the next `horizonMs` (the worker decides a little later than now). `source` is the
 * requests' source (the policy may treat sources differently).
 */
export async function prepareAgents(
  emulator: EmulatorProcess,
  producer: BenchProducer,
  prefix: string,
  count: number,
  source: string,
  horizonMs = 30_000,
): Promise<AgentTargets> {
  const org = await emulator.org();
  await producer.client.getToken();
  await producer.client.resolvePresence('On Queue');
  const agentIds = org.agents.slice(0, count).map((a) => a.id);
  const schedules = new GenesysScheduleSource({
    redis: producer.redis,
    prefix,
    wfm: producer.client,
    ttlSeconds: 3_600,
    logger: { warn: () => undefined, debug: () => undefined },
  });
  let warmupSearches = 0;
  for (let i = 0; i < agentIds.length; i += 100) {
    await schedules.prefetch(org.businessUnit.id, agentIds.slice(i, i + 100));
    warmupSearches += 1;
  }
  const now = Date.now();
  const current = new Map((await emulator.presences(agentIds)).map((p) => [p.userId, p.definitionId]));
  const keys = agentIds.map((id) => timelineKey(prefix, id));
  const raws: (string | null)[] = [];
  for (let i = 0; i < keys.length; i += 1_000) {
    raws.push(...(await producer.redis.mget(...keys.slice(i, i + 1_000))));
  }
  const first = new Map<string, string>();
  const second = new Map<string, string>();
  agentIds.forEach((userId, i) => {
    const raw = raws[i];
    const lookups: ScheduleLookup[] = [];
    if (raw === null || raw === undefined) {
      lookups.push({ kind: 'unknown', reason: 'not cached' });
    } else {
      const timeline = agentTimelineSchema.parse(JSON.parse(raw));
      for (let offset = 0; offset <= horizonMs; offset += Math.max(1_000, horizonMs / 4)) {
        lookups.push(lookupActivity(timeline, new Date(now + offset)));
      }
    }
    const choose = (currentDefinitionId: string): string | undefined =>
      chooseShiftTarget({
        policy: DEFAULT_PRESENCE_POLICY,
        definitions: org.presenceDefinitions,
        currentDefinitionId,
        schedules: lookups,
        source,
      });
    const a = choose(current.get(userId) ?? '');
    if (a !== undefined) {
      first.set(userId, a);
      const b = choose(a);
      if (b !== undefined) {
        second.set(userId, b);
      }
    }
  });
  return {
    agentIds: agentIds.filter((id) => first.has(id)),
    first,
    second,
    businessUnitId: org.businessUnit.id,
    warmupSearches,
  };
}
