import { observedKey, timelineKey } from '../../src/jobs/keys';
import { checkInvariants, readRequests, settle, type TrackedRequest } from '../helpers/chaos-invariants';
import { runLoad, type LoadReport } from '../helpers/chaos-load';
import { metricSum, scrapeMetrics, waitForMetrics } from '../helpers/chaos-metrics';
import { freePort } from '../helpers/chaos-redis';
import { ChaosStack } from '../helpers/chaos-stack';
import { testRedisUrl } from '../helpers/redis';

const PRESENCES = ['Available', 'Away', 'Busy', 'Available', 'Meal'];

/**
 * Scenario 4: the Genesys side misbehaves, one fault at a time, while requests flow: 5xx for 20 s (the breaker
 * opens, half-opens, closes again), a 429 storm, latency above the client timeout, every token revoked, the
 * notification WebSockets dropped, and a WFM schedule search stuck in `Processing`. After each, everything
 * accepted settles; nothing fails for good.
 */
describe('Genesys Cloud faults', () => {
  let stack: ChaosStack;
  let workerMetrics: string;
  let streamMetrics: string;
  let agents: string[];
  const accepted: TrackedRequest[] = [];
  const figures: Record<string, unknown> = {};

  /** Requests at `rate`/s for `ms`, cycling over the agents; keeps what was accepted. */
  const traffic = async (rate: number, ms: number, tag: string): Promise<LoadReport> => {
    const report = await runLoad({
      api: stack.client,
      rate,
      durationMs: ms,
      request: (i) => ({
        userId: agents[i % agents.length] ?? '',
        body: { presence: PRESENCES[i % PRESENCES.length], source: 'crm', requestedBy: `chaos-${tag}` },
      }),
    });
    accepted.push(...report.accepted);
    expect({ tag, byStatus: report.byStatus }).toEqual({ tag, byStatus: { '202': report.sent } });
    return report;
  };

  /** Settles what was accepted so far; no request may have failed for good. */
  const settleAll = async (tag: string): Promise<void> => {
    const ms = await settle(stack.invariantInput(accepted), { timeoutMs: 90_000 });
    const records = await readRequests(stack.redis(), stack.prefix, accepted);
    const failed = [...records.values()].filter((r) => r?.status === 'failed');
    figures[`${tag}_settle_ms`] = Math.round(ms);
    expect({
      tag,
      failed: failed.map(
        (r) => `${r?.requestId}: ${r?.outcome?.errorCode ?? ''} ${r?.outcome?.detail ?? ''}`,
      ),
    }).toEqual({
      tag,
      failed: [],
    });
  };

  beforeAll(async () => {
    stack = await ChaosStack.start({
      name: 'genesys-faults',
      redis: { url: testRedisUrl() },
      workers: 0,
      emulator: { agents: 30, rateLimitPerMinute: 100_000, heartbeatMs: 1_000 },
      env: {
        GENESYS_RATE_BUDGET_PER_MINUTE: '100000',
        STREAM_RECONNECT_MIN_MS: '200',
        STREAM_RECONNECT_MAX_MS: '2000',
      },
    });
    const workerPort = await freePort();
    const streamPort = await freePort();
    await stack.startWorker({ METRICS_PORT: String(workerPort) });
    await stack.startRole('stream', { METRICS_PORT: String(streamPort) });
    workerMetrics = `http://127.0.0.1:${workerPort}`;
    streamMetrics = `http://127.0.0.1:${streamPort}`;
    agents = stack.emulator.admin.agentIds();
  });

  afterAll(async () => {
    process.stdout.write(`chaos genesys-faults: ${JSON.stringify(figures)}\n`);
    await ChaosStack.dispose(stack, { deleteKeys: true });
  });

  it('opens the breaker on 20 s of 5xx, half-opens, and closes again once Genesys recovers', async () => {
    await traffic(5, 2_000, 'warm-up');
    await settleAll('warm-up');
    stack.emulator.admin.setFaults({ errorRatio: 1, errorStatus: 503 });
    const faultStarted = Date.now();
    await traffic(5, 20_000, '5xx');
    stack.emulator.admin.clearFaults();
    figures.fault_5xx_ms = Date.now() - faultStarted;
    const during = await scrapeMetrics(workerMetrics);
    expect(metricSum(during, 'gpw_genesys_breaker_transitions_total', { state: 'open' })).toBeGreaterThan(0);
    expect(
      metricSum(during, 'gpw_genesys_breaker_transitions_total', { state: 'half-open' }),
    ).toBeGreaterThan(0);
    const recoveredAt = Date.now();
    await waitForMetrics(
      workerMetrics,
      'breaker closed after recovery',
      (m) =>
        metricSum(m, 'gpw_genesys_breaker_state') === 0 &&
        metricSum(m, 'gpw_genesys_breaker_transitions_total', { state: 'closed' }) > 0,
      30_000,
    );
    figures.breaker_closed_after_ms = Date.now() - recoveredAt;
    figures.breaker_opened = metricSum(during, 'gpw_genesys_breaker_transitions_total', { state: 'open' });
    await settleAll('5xx');
  });

  it('waits out a 429 storm without failing requests', async () => {
    const before = metricSum(await scrapeMetrics(workerMetrics), 'gpw_genesys_rate_limited_total');
    stack.emulator.admin.setFaults({ rateLimitStorm: true, stormRetryAfterSeconds: 1 });
    await traffic(5, 6_000, '429');
    stack.emulator.admin.setFaults({ rateLimitStorm: false });
    await settleAll('429');
    const after = metricSum(await scrapeMetrics(workerMetrics), 'gpw_genesys_rate_limited_total');
    figures.rate_limited_answers = after - before;
    expect(after).toBeGreaterThan(before);
  });

  it('survives latency spikes above the client timeout', async () => {
    stack.emulator.admin.setFaults({ latencyMs: 3_000 }); // GENESYS_TIMEOUT_MS is 2,000 in chaos runs
    await traffic(5, 8_000, 'latency');
    stack.emulator.admin.setFaults({ latencyMs: 0 });
    await settleAll('latency');
  });

  it('gets a new token once after every token is revoked', async () => {
    const tokenCalls = (): number => stack.emulator.admin.callCount('POST', '/oauth/token');
    const before = tokenCalls();
    const load = traffic(5, 6_000, 'revoke');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    figures.tokens_revoked = stack.emulator.admin.revokeAllTokens();
    await load;
    await settleAll('revoke');
    figures.token_requests_after_revoke = tokenCalls() - before;
    // The worker and the stream share one token through Redis: a handful of requests, not one per call.
    expect(tokenCalls() - before).toBeGreaterThanOrEqual(1);
    expect(tokenCalls() - before).toBeLessThanOrEqual(4);
  });

  it('reconnects the notification stream after the WebSockets are dropped and keeps observing presence', async () => {
    await waitForMetrics(
      streamMetrics,
      'stream connected',
      (m) => metricSum(m, 'gpw_stream_connected') === 1,
      30_000,
    );
    const reconnectsBefore = metricSum(await scrapeMetrics(streamMetrics), 'gpw_stream_reconnects_total');
    const dropped = stack.emulator.admin.dropWebSockets();
    expect(dropped).toBeGreaterThan(0);
    const droppedAt = Date.now();
    await waitForMetrics(
      streamMetrics,
      'stream reconnected',
      (m) =>
        metricSum(m, 'gpw_stream_reconnects_total') > reconnectsBefore &&
        metricSum(m, 'gpw_stream_connected') === 1,
      30_000,
    );
    figures.stream_reconnect_ms = Date.now() - droppedAt;

    // A change the agent makes in Genesys after the reconnect reaches the observed state in Redis.
    const agent = agents[agents.length - 1] ?? '';
    const redis = stack.redis();
    const deadline = Date.now() + 20_000;
    let seen: string | null = null;
    let changed = '';
    for (const presence of ['Meal', 'Training', 'Meal']) {
      changed = stack.emulator.admin.agentChangesPresence(agent, presence).definitionId;
      while (Date.now() < deadline) {
        seen = await redis.hget(observedKey(stack.prefix, agent), 'presenceDefinitionId');
        if (seen === changed) {
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      if (seen === changed) {
        break;
      }
    }
    figures.stream_observed_after_drop_ms = Date.now() - droppedAt;
    expect(seen).toBe(changed);
  });

  it('decides a request even while the WFM schedule search is stuck in Processing', async () => {
    stack.emulator.admin.setFaults({ wfmSearchMode: 'stuck' });
    // An agent whose schedule is not cached: the worker must search WFM for it.
    const agent = agents[0] ?? '';
    await stack.redis().del(timelineKey(stack.prefix, agent));
    const answer = await stack.client.postPresence<{ requestId: string }>(agent, {
      presence: 'Available',
      source: 'crm',
      requestedBy: 'chaos-wfm-stuck',
    });
    expect(answer.status).toBe(202);
    accepted.push({ userId: agent, requestId: answer.body.requestId });
    const started = Date.now();
    await settleAll('wfm-stuck');
    figures.wfm_stuck_decided_ms = Date.now() - started;
    const record = (await readRequests(stack.redis(), stack.prefix, [accepted[accepted.length - 1]!])).get(
      answer.body.requestId,
    );
    figures.wfm_stuck_outcome = `${record?.status} (${record?.outcome?.rule ?? ''})`;
    stack.emulator.admin.setFaults({ wfmSearchMode: 'inline' });
  });

  it('ends with every accepted request settled once, audited once, and presence consistent', async () => {
    const input = stack.invariantInput(accepted);
    await settle(input, { timeoutMs: 60_000 });
    const check = await checkInvariants(input);
    figures.accepted = check.requests;
    figures.outcomes = check.outcomes;
    figures.audit_records = check.auditRecords;
    expect(check.violations).toEqual([]);
    expect(stack.fatalLogs()).toEqual([]);
    expect(check.chainOk).toBe(true);
  });
});
