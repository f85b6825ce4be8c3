import type { Logger } from 'pino';

/** What the generator needs of the emulator: agents changing their own presence in the "Genesys UI". */
export interface AgentConsole {
  agentChangesPresence(userId: string, presence: string): unknown;
}

export interface TrafficOptions {
  /** Base URL of the service's HTTP API. */
  apiUrl: string;
  /** A key with the enqueue and read scopes for the sources below. */
  apiKey: string;
  agents: readonly string[];
  emulator: AgentConsole;
  /** HTTP requests per second outside shift boundaries (default 20). */
  ratePerSecond?: number;
  /** A shift boundary (a burst putting a third of the agents On Queue) this often (default 15 s). */
  shiftBoundaryEveryMs?: number;
  /** An agent changes their own presence in the UI this often (default 700 ms). */
  agentChangeEveryMs?: number;
  random?: () => number;
  logger: Pick<Logger, 'debug' | 'warn'>;
}

export interface TrafficStats {
  sent: number;
  /** HTTP status → count (0 = no answer). */
  byStatus: Record<number, number>;
  agentChanges: number;
  shiftBoundaries: number;
}

interface Kind {
  weight: number;
  build(agent: string): { body: Record<string, unknown>; headers?: Record<string, string> };
}

/** Placeholder presence: the generator asks the agent view for the scheduled activity and follows it. */
const FOLLOW_SCHEDULE = '<scheduled>';

const change = (
  presence: string,
  source: string,
  requestedBy: string,
  extra: Record<string, unknown> = {},
) => ({
  body: { presence, source, requestedBy, ...extra },
});

/**
 * The realistic mix the demo sends through the HTTP API: WFM shift changes (On Queue, breaks, meals,
 * training), CRM and IVR changes, forced supervisor changes, compare-and-set writes with a stale If-Match,
 * retries with an Idempotency-Key, and bad requests (unknown presence, missing fields, a source the key may
 * not use) — plus shift-boundary bursts and agents changing their own presence in the emulator's "UI".
 */
const KINDS: readonly Kind[] = [
  {
    weight: 40,
    build: () => change(FOLLOW_SCHEDULE, 'wfm', 'wfm-shift-planner', { reason: 'scheduled activity' }),
  },
  { weight: 6, build: () => change('On Queue', 'wfm', 'wfm-shift-planner') },
  { weight: 5, build: () => change('Break', 'wfm', 'wfm-shift-planner', { reason: 'unscheduled break' }) },
  { weight: 3, build: () => change('Meal', 'wfm', 'wfm-shift-planner') },
  { weight: 2, build: () => change('Training', 'wfm', 'wfm-shift-planner') },
  { weight: 2, build: () => change('Meeting', 'wfm', 'team-lead') },
  { weight: 6, build: () => change('Busy', 'crm', 'crm-case-router', { message: 'Wrapping up a case' }) },
  { weight: 4, build: () => change('Away', 'ivr', 'ivr-flow') },
  {
    weight: 3,
    build: () =>
      change('On Queue', 'supervisor', 'supervisor-console', { force: true, reason: 'queue spike' }),
  },
  {
    weight: 5,
    // A compare-and-set write from a client that last saw the agent before any change: 409 once it has one.
    build: () => ({ ...change('On Queue', 'wfm', 'wfm-shift-planner'), headers: { 'if-match': '"0"' } }),
  },
  {
    weight: 3,
    build: (agent) => ({
      ...change('Break', 'wfm', 'wfm-shift-planner'),
      headers: { 'idempotency-key': `break-${agent.slice(0, 8)}` },
    }),
  },
  { weight: 3, build: () => change('Sunbathing', 'wfm', 'wfm-shift-planner') },
  { weight: 2, build: () => ({ body: { presence: 'Break', source: 'wfm' } }) },
  { weight: 2, build: () => change('Available', 'hr', 'hr-attendance') },
];
/** The presence an activity category maps to (what a WFM tool sends at the activity's start). */
const BY_CATEGORY: Record<string, string> = {
  OnQueueWork: 'On Queue',
  Break: 'Break',
  Meal: 'Meal',
  Meeting: 'Meeting',
  Training: 'Training',
  OffQueueWork: 'Busy',
  Unavailable: 'Away',
  TimeOff: 'Away',
};
const TOTAL_WEIGHT = KINDS.reduce((sum, k) => sum + k.weight, 0);
const OWN_CHANGES = ['Available', 'Away', 'Busy', 'Break', 'On Queue', 'Meal'];

export class TrafficGenerator {
  readonly stats: TrafficStats = { sent: 0, byStatus: {}, agentChanges: 0, shiftBoundaries: 0 };
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly random: () => number;

  constructor(private readonly options: TrafficOptions) {
    this.random = options.random ?? Math.random;
  }

  start(): void {
    const rate = this.options.ratePerSecond ?? 20;
    const tickMs = 200;
    let credit = 0;
    this.timers.push(
      setInterval(() => {
        credit += (rate * tickMs) / 1000;
        for (; credit >= 1; credit--) {
          this.send(this.pickAgent(), this.pickKind());
        }
      }, tickMs),
      setInterval(() => this.shiftBoundary(), this.options.shiftBoundaryEveryMs ?? 15_000),
      setInterval(() => this.agentChange(), this.options.agentChangeEveryMs ?? 700),
    );
    this.shiftBoundary();
  }

  /** Stops sending and waits for the requests still in flight. */
  async stop(): Promise<void> {
    for (const timer of this.timers.splice(0)) {
      clearInterval(timer);
    }
    await Promise.allSettled([...this.inFlight]);
  }

  private pickAgent(): string {
    const agents = this.options.agents;
    return agents[Math.floor(this.random() * agents.length)] ?? agents[0] ?? '';
  }

  private pickKind(): Kind {
    let r = this.random() * TOTAL_WEIGHT;
    for (const kind of KINDS) {
      r -= kind.weight;
      if (r < 0) {
        return kind;
      }
    }
    return KINDS[0] as Kind;
  }

  /** A shift boundary: a third of the agents go On Queue at once. */
  private shiftBoundary(): void {
    this.stats.shiftBoundaries++;
    for (const agent of this.options.agents) {
      if (this.random() < 1 / 3) {
        this.send(agent, KINDS[0] as Kind);
      }
    }
  }

  private agentChange(): void {
    const presence = OWN_CHANGES[Math.floor(this.random() * OWN_CHANGES.length)] ?? 'Available';
    try {
      this.options.emulator.agentChangesPresence(this.pickAgent(), presence);
      this.stats.agentChanges++;
    } catch (err) {
      this.options.logger.debug({ err }, 'demo: agent change failed');
    }
  }

  private send(agent: string, kind: Kind): void {
    const { body, headers } = kind.build(agent);
    const task = (async () => {
      try {
        if (body.presence === FOLLOW_SCHEDULE) {
          body.presence = await this.scheduledPresence(agent);
        }
        const res = await fetch(`${this.options.apiUrl}/v1/agents/${agent}/presence`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${this.options.apiKey}`,
            'content-type': 'application/json',
            ...headers,
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        this.count(res.status);
      } catch {
        this.count(0);
      }
    })();
    this.stats.sent++;
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  /** What the agent's schedule says now (from the service's agent view); On Queue when it does not know. */
  private async scheduledPresence(agent: string): Promise<string> {
    const res = await fetch(`${this.options.apiUrl}/v1/agents/${agent}`, {
      headers: { authorization: `Bearer ${this.options.apiKey}` },
      signal: AbortSignal.timeout(10_000),
    });
    if (res.status !== 200) {
      await res.arrayBuffer();
      return 'On Queue';
    }
    const view = (await res.json()) as { scheduledActivity?: { kind?: string; category?: string } };
    const activity = view.scheduledActivity;
    if (activity?.kind === 'activity' && activity.category !== undefined) {
      return BY_CATEGORY[activity.category] ?? 'On Queue';
    }
    return activity?.kind === 'unscheduled' ? 'Offline' : 'On Queue';
  }

  private count(status: number): void {
    this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
  }
}
