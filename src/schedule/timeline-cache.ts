import { timelineKey, wfmUnitKey } from '../jobs/keys';
import type { RedisConnection } from '../redis';
import { agentTimelineSchema, type AgentTimeline } from './agent-timeline';

/** An agent's WFM units as cached under `wfmUnitKey` (the presence worker's schedule source reads the same). */
export type WfmUnit = { businessUnitId: string; managementUnitId?: string | undefined } | { none: true };

/** Commands per round trip when writing or reading many agents. */
const CHUNK = 500;

/**
 * The Redis schedule cache: one `AgentTimeline` JSON per agent under `timelineKey` (with a TTL), and the agent's
 * business / management unit under `wfmUnitKey`. Many agents are written and read in pipelined round trips of
 * 500 commands. On Redis Cluster the agents' keys live in different slots, so the commands are sent one by one
 * (ioredis still writes them back to back) instead of as one pipeline.
 */
export class TimelineCache {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  async writeTimelines(timelines: readonly AgentTimeline[], ttlMs: number): Promise<void> {
    await this.setMany(
      timelines.map((t) => [timelineKey(this.prefix, t.userId), JSON.stringify(t)]),
      ttlMs,
    );
  }

  /** Timelines of the agents that have a valid one cached. */
  async readTimelines(userIds: readonly string[]): Promise<Map<string, AgentTimeline>> {
    const raw = await this.getMany(userIds.map((id) => timelineKey(this.prefix, id)));
    const out = new Map<string, AgentTimeline>();
    userIds.forEach((userId, i) => {
      const parsed = parseTimeline(raw[i]);
      if (parsed !== undefined && parsed.userId === userId) {
        out.set(userId, parsed);
      }
    });
    return out;
  }

  async writeUnits(units: ReadonlyMap<string, WfmUnit>, ttlMs: number): Promise<void> {
    await this.setMany(
      [...units].map(([userId, unit]) => [wfmUnitKey(this.prefix, userId), JSON.stringify(unit)]),
      ttlMs,
    );
  }

  async readUnits(userIds: readonly string[]): Promise<Map<string, WfmUnit>> {
    const raw = await this.getMany(userIds.map((id) => wfmUnitKey(this.prefix, id)));
    const out = new Map<string, WfmUnit>();
    userIds.forEach((userId, i) => {
      const value = raw[i];
      if (value === null || value === undefined) {
        return;
      }
      try {
        const unit = JSON.parse(value) as WfmUnit;
        if ('none' in unit || typeof unit.businessUnitId === 'string') {
          out.set(userId, unit);
        }
      } catch {
        // unreadable entry: treated as missing
      }
    });
    return out;
  }

  private async setMany(entries: ReadonlyArray<[string, string]>, ttlMs: number): Promise<void> {
    const ttl = Math.max(1, Math.round(ttlMs));
    for (let i = 0; i < entries.length; i += CHUNK) {
      const chunk = entries.slice(i, i + CHUNK);
      if (this.redis.isCluster) {
        await Promise.all(chunk.map(([key, value]) => this.redis.set(key, value, 'PX', ttl)));
        continue;
      }
      const pipeline = this.redis.pipeline();
      for (const [key, value] of chunk) {
        pipeline.set(key, value, 'PX', ttl);
      }
      const results = await pipeline.exec();
      const failed = results?.find(([err]) => err !== null);
      if (failed?.[0] !== undefined && failed[0] !== null) {
        throw failed[0];
      }
    }
  }

  private async getMany(keys: readonly string[]): Promise<Array<string | null>> {
    const out: Array<string | null> = [];
    for (let i = 0; i < keys.length; i += CHUNK) {
      const chunk = keys.slice(i, i + CHUNK);
      if (this.redis.isCluster) {
        out.push(...(await Promise.all(chunk.map((key) => this.redis.get(key)))));
        continue;
      }
      const pipeline = this.redis.pipeline();
      for (const key of chunk) {
        pipeline.get(key);
      }
      const results = (await pipeline.exec()) ?? [];
      for (const [err, value] of results) {
        if (err !== null) {
          throw err;
        }
        out.push(typeof value === 'string' ? value : null);
      }
    }
    return out;
  }
}

function parseTimeline(raw: string | null | undefined): AgentTimeline | undefined {
  if (raw === null || raw === undefined) {
    return undefined;
  }
  try {
    const parsed = agentTimelineSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
