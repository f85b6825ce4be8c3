import { randomBytes } from 'node:crypto';
import { checkInvariants, settle, type TrackedRequest } from '../helpers/chaos-invariants';
import { RedisClusterFixture } from '../helpers/chaos-cluster';
import { ChaosStack } from '../helpers/chaos-stack';

const PRESENCES = ['Available', 'Away', 'Busy', 'Meal', 'On Queue'];

/** A small deterministic PRNG (mulberry32), so the workload is the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Scenario 8: scale-out on a Redis Cluster the test creates itself (3 masters + 3 replicas on loopback ports).
 * The race workload — several clients changing the same few agents at once, half of them compare-and-set with
 * If-Match, agents changing their own presence in Genesys meanwhile — runs against the API with two worker
 * processes, and a master is SIGKILLed mid-run (its replica is promoted). No accepted request is lost; every
 * accepted version is unique per agent; callers see only 202, 409 and (during the failover) 503.
 */
describe('Redis Cluster: race workload, two workers, a master killed mid-run', () => {
  let cluster: RedisClusterFixture;
  let stack: ChaosStack;

  beforeAll(async () => {
    cluster = await RedisClusterFixture.start();
    stack = await ChaosStack.start({
      name: 'redis-cluster',
      redis: { clusterNodes: cluster.seeds },
      // BullMQ on a cluster: one {hash-tag} for the queues; agent keys carry their own tags.
      prefix: `{c${randomBytes(3).toString('hex')}}`,
      workers: 2,
      emulator: { agents: 12, latencyMs: 20, rateLimitPerMinute: 100_000 },
      env: { GENESYS_RATE_BUDGET_PER_MINUTE: '100000' },
    });
  });

  afterAll(async () => {
    await ChaosStack.dispose(stack, { deleteKeys: false });
    await cluster?.destroy();
  });

  it('loses no request and keeps versions unique per agent through a master failover', async () => {
    const agents = stack.emulator.admin.agentIds();
    const accepted: Array<TrackedRequest & { version: number }> = [];
    const statuses: Record<string, number> = {};
    const samples: string[] = [];
    const started = Date.now();
    const runForMs = 24_000;
    const count = (key: string): void => {
      statuses[key] = (statuses[key] ?? 0) + 1;
    };

    const client = async (id: number): Promise<void> => {
      const random = prng(1000 + id);
      const useIfMatch = id % 2 === 0;
      while (Date.now() - started < runForMs) {
        const userId = agents[Math.floor(random() * agents.length)] ?? '';
        const presence = PRESENCES[Math.floor(random() * PRESENCES.length)];
        const headers: Record<string, string> = {};
        try {
          if (useIfMatch) {
            const view = await stack.client.getAgent(userId);
            count(`get:${view.status}`);
            const tag = view.headers.get('etag');
            headers['if-match'] = view.status === 200 && tag !== null ? tag : '"0"';
          }
          const answer = await stack.client.postPresence<{ requestId: string; version: number }>(
            userId,
            { presence, source: 'crm', requestedBy: `race-client-${id}` },
            headers,
          );
          count(`post:${answer.status}`);
          if (answer.status === 202) {
            accepted.push({ userId, requestId: answer.body.requestId, version: answer.body.version });
          } else if (answer.status !== 409 && samples.length < 10) {
            samples.push(`${answer.status} ${answer.text.slice(0, 200)}`);
          }
        } catch (err) {
          count('network');
          if (samples.length < 10) {
            samples.push(String(err));
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    };

    // Agents also change their own presence in Genesys now and then.
    const agentsActing = (async () => {
      const random = prng(7);
      while (Date.now() - started < runForMs) {
        await new Promise((resolve) => setTimeout(resolve, 700));
        const userId = agents[Math.floor(random() * agents.length)] ?? '';
        stack.emulator.admin.agentChangesPresence(userId, random() < 0.5 ? 'Break' : 'Available');
      }
    })();

    const failover = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      const t0 = Date.now();
      const result = await cluster.killMaster(0);
      return { ...result, atMs: t0 - started, promotedAfterMs: Date.now() - t0 };
    })();

    await Promise.all([0, 1, 2, 3, 4, 5].map(client));
    await agentsActing;
    const failed = await failover;

    const input = stack.invariantInput(accepted);
    const settleMs = await settle(input, { timeoutMs: 120_000 });
    const check = await checkInvariants(input);
    process.stdout.write(
      `chaos redis-cluster: statuses=${JSON.stringify(statuses)} accepted=${accepted.length} failover=${JSON.stringify(failed)} outcomes=${JSON.stringify(check.outcomes)} settle_ms=${Math.round(settleMs)} audit_records=${check.auditRecords} samples=${JSON.stringify(samples.slice(0, 3))}\n`,
    );

    // Only 202, 409 (lost the If-Match race) and 503 (during the failover); never a 500 or a dropped call.
    for (const key of Object.keys(statuses)) {
      expect(['get:200', 'get:404', 'get:503', 'post:202', 'post:409', 'post:503']).toContain(key);
    }
    expect(statuses['post:202']).toBeGreaterThan(50);
    expect(statuses['post:409']).toBeGreaterThan(0);
    // Compare-and-set: no version of an agent was handed out twice.
    const versions = new Set<string>();
    for (const a of accepted) {
      const key = `${a.userId}@${a.version}`;
      expect(versions.has(key)).toBe(false);
      versions.add(key);
    }
    expect(check.violations).toEqual([]);
    expect(stack.fatalLogs()).toEqual([]);
    expect(check.chainOk).toBe(true);
  });
});
