import type { AgentStateView, PresenceIngress } from '../http/presence-ingress';
import { timelineKey } from '../jobs/keys';
import type { PresenceProducer } from '../jobs/presence-producer';
import { agentTimelineSchema, type ScheduleLookup } from '../schedule/agent-timeline';
import { lookupActivity } from '../schedule/lookup-activity';

/** What the adapter reads from Redis (the producer-profile connection: fails fast → 503). */
export interface TimelineReader {
  get(key: string): Promise<string | null>;
}

export interface PresenceIngressAdapterDeps {
  producer: Pick<PresenceProducer, 'enqueuePresenceChange' | 'getRequestStatus' | 'getAgentView'>;
  redis: TimelineReader;
  prefix: string;
  now?: () => number;
}

/** The scheduled activity shown in the agent view: from the schedule cache only (a GET never calls WFM). */
export type ScheduledActivityView =
  | {
      kind: 'activity';
      activityCodeId: string;
      category: string;
      start: string;
      end: string;
      timeZone: string;
    }
  | { kind: 'unscheduled'; timeZone: string }
  | { kind: 'unknown'; reason: string };

function toView(lookup: ScheduleLookup): ScheduledActivityView {
  switch (lookup.kind) {
    case 'activity':
      return {
        kind: 'activity',
        activityCodeId: lookup.activity.activityCodeId,
        category: lookup.activity.category,
        start: lookup.activity.start,
        end: lookup.activity.end,
        timeZone: lookup.timeZone,
      };
    case 'unscheduled':
      return { kind: 'unscheduled', timeZone: lookup.timeZone };
    case 'unknown':
      return { kind: 'unknown', reason: lookup.reason };
  }
}

/**
 * The HTTP API's view of the pipeline: the producer's calls, plus the agent's scheduled activity now (read from
 * the Redis schedule cache the schedule sync keeps warm) in `GET /v1/agents/{userId}`. An agent with a cached
 * schedule but no request yet is shown at version 0; one the service knows nothing about is a 404.
 */
export function presenceIngressAdapter(deps: PresenceIngressAdapterDeps): PresenceIngress {
  const now = deps.now ?? Date.now;

  async function scheduledActivity(userId: string): Promise<ScheduledActivityView> {
    const raw = await deps.redis.get(timelineKey(deps.prefix, userId));
    if (raw === null) {
      return { kind: 'unknown', reason: 'no schedule cached for this agent' };
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return { kind: 'unknown', reason: 'unreadable schedule cache entry' };
    }
    const parsed = agentTimelineSchema.safeParse(json);
    return parsed.success
      ? toView(lookupActivity(parsed.data, new Date(now())))
      : { kind: 'unknown', reason: 'unreadable schedule cache entry' };
  }

  return {
    async enqueue(command) {
      const result = await deps.producer.enqueuePresenceChange(command);
      return {
        requestId: result.requestId,
        version: result.version,
        status: result.status,
        replayed: result.replayed,
      };
    },

    getRequestStatus: (requestId) => deps.producer.getRequestStatus(requestId),

    async getAgentView(userId) {
      const [view, activity] = await Promise.all([
        deps.producer.getAgentView(userId),
        scheduledActivity(userId),
      ]);
      if (view === undefined) {
        // No request yet, but the schedule sync knows the agent: version 0 ("no desired state", If-Match "0").
        if (activity.kind === 'unknown') {
          return undefined;
        }
        const scheduledOnly: AgentStateView = {
          userId,
          version: 0,
          scheduledActivity: activity,
        } as AgentStateView;
        return scheduledOnly;
      }
      const withActivity: AgentStateView = { ...view, scheduledActivity: activity } as AgentStateView;
      return withActivity;
    },
  };
}
