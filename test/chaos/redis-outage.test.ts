import { checkInvariants, discoverRequests, settle } from '../helpers/chaos-invariants';
import { runLoad, statusCount } from '../helpers/chaos-load';
import { OwnRedis } from '../helpers/chaos-redis';
import { ChaosStack } from '../helpers/chaos-stack';

const PRESENCES = ['Available', 'Away', 'Busy', 'Available', 'Meal'];

/**
 * Scenario 2: the service's Redis (the test's own redis-server, AOF with fsync always, on a free loopback port)
 * is killed and restarted mid-run — down for a few seconds, data kept by the AOF — and later frozen (SIGSTOP)
 * for eight seconds, as a partition looks to clients. While it is away the HTTP API answers 503 with
 * Retry-After, never 500; afterwards everything accepted reaches its outcome.
 */
describe('Redis restarted and briefly unreachable', () => {
  let redis: OwnRedis;
  let stack: ChaosStack;

  beforeAll(async () => {
    redis = await OwnRedis.start();
    stack = await ChaosStack.start({
      name: 'redis-outage',
      redis: { url: redis.url },
      workers: 1,
      emulator: { agents: 30, latencyMs: 20 },
    });
  });

  afterAll(async () => {
    redis?.resume();
    await ChaosStack.dispose(stack, { deleteKeys: false });
    await redis?.destroy();
  });

  it('answers 503 (never 500) while Redis is away and loses nothing accepted', async () => {
    const agents = stack.emulator.admin.agentIds();
    const started = Date.now();
    const at = (ms: number): Promise<void> =>
      new Promise((resolve) => setTimeout(resolve, Math.max(0, started + ms - Date.now())));
    const timeline: Record<string, number> = {};
    const answersDuring: Record<string, number> = {};
    let phase = 'before';
    const sentIn: string[] = [];

    const load = runLoad({
      api: stack.client,
      rate: 25,
      durationMs: 32_000,
      request: (i) => {
        sentIn[i] = phase;
        return {
          userId: agents[i % agents.length] ?? '',
          body: { presence: PRESENCES[i % PRESENCES.length], source: 'crm', requestedBy: 'chaos-redis' },
        };
      },
      onAnswer: ({ i, status }) => {
        // Answers counted by the phase their request was sent in.
        const key = `${sentIn[i] ?? '?'}:${status}`;
        answersDuring[key] = (answersDuring[key] ?? 0) + 1;
      },
    });

    await at(6_000);
    phase = 'down';
    timeline.killedAt = Date.now() - started;
    await redis.kill();
    await at(9_000);
    await redis.boot();
    timeline.bootedAt = Date.now() - started;
    phase = 'after-restart';

    await at(18_000);
    phase = 'frozen';
    timeline.frozenAt = Date.now() - started;
    redis.pause();
    // Longer than the API's 5 s dependency deadline: callers get 503 rather than waiting on.
    await at(26_000);
    redis.resume();
    timeline.thawedAt = Date.now() - started;
    phase = 'after-freeze';

    const report = await load;
    // Also the requests that went through although their caller got 503 at the deadline (frozen Redis).
    const reader = redis.client();
    const inRedis = await discoverRequests(reader, stack.prefix);
    reader.disconnect();
    const answered = new Set(report.accepted.map((r) => r.requestId));
    const unanswered = inRedis.filter((r) => !answered.has(r.requestId)).length;
    const input = stack.invariantInput([...report.accepted, ...inRedis]);
    const settleMs = await settle(input, { timeoutMs: 120_000 });
    const check = await checkInvariants(input);
    process.stdout.write(
      `chaos redis-outage: sent=${report.sent} by_status=${JSON.stringify(report.byStatus)} by_phase=${JSON.stringify(answersDuring)} timeline=${JSON.stringify(timeline)} accepted_in_redis=${inRedis.length} accepted_but_503=${unanswered} outcomes=${JSON.stringify(check.outcomes)} settle_ms=${Math.round(settleMs)} audit_records=${check.auditRecords} samples=${JSON.stringify(report.samples.slice(0, 3))}\n`,
    );

    // Only 202 and 503: no 500, no dropped connection.
    expect(Object.keys(report.byStatus).sort()).toEqual(expect.arrayContaining(['202', '503']));
    expect(statusCount(report, 202) + statusCount(report, 503)).toBe(report.sent);
    expect(statusCount(report, 503)).toBeGreaterThan(0);
    expect(answersDuring['down:503']).toBeGreaterThan(0);
    expect(answersDuring['frozen:503']).toBeGreaterThan(0);
    expect(report.accepted.length).toBeGreaterThan(0);
    expect(report.accepted.every((r) => inRedis.some((x) => x.requestId === r.requestId))).toBe(true);
    expect(check.violations).toEqual([]);
    expect(stack.fatalLogs()).toEqual([]);
    expect(check.chainOk).toBe(true);
  });
});
