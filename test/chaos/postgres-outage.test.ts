import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { checkInvariants, readRequests, settle } from '../helpers/chaos-invariants';
import { runLoad, statusCount } from '../helpers/chaos-load';
import { TcpProxy } from '../helpers/chaos-proxy';
import { ChaosStack } from '../helpers/chaos-stack';
import { testDatabaseUrl } from '../helpers/postgres';
import { testRedisUrl } from '../helpers/redis';

const PRESENCES = ['Available', 'Away', 'Busy', 'Available', 'Meal'];

/**
 * Scenario 3: the audit store (the shared PostgreSQL, reached through a TCP proxy the test controls — the server
 * itself is never stopped) is unreachable for 30 s under audit load: 15 s silently dropping packets, then 15 s
 * refusing connections. Presence changes keep being accepted and applied; audit events wait in the queue and are
 * all written, once, in one verifiable chain after the store is back.
 */
describe('PostgreSQL unreachable for 30 s under audit load', () => {
  const database = new URL(testDatabaseUrl());
  const schema = `chaos_${randomBytes(4).toString('hex')}`;
  let proxy: TcpProxy;
  let stack: ChaosStack;

  const admin = async (sql: string): Promise<void> => {
    const client = new Client({ connectionString: testDatabaseUrl() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    await admin(`CREATE SCHEMA ${schema}`);
    proxy = await TcpProxy.start({ host: database.hostname, port: Number(database.port || 5432) });
    const viaProxy = new URL(testDatabaseUrl());
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    stack = await ChaosStack.start({
      name: 'postgres-outage',
      redis: { url: testRedisUrl() },
      workers: 1,
      audit: { kind: 'postgres', url: viaProxy.toString(), schema },
      emulator: { agents: 30, latencyMs: 20 },
    });
  });

  afterAll(async () => {
    proxy?.restore();
    await ChaosStack.dispose(stack, { deleteKeys: true });
    await proxy?.close();
    await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it('keeps applying presence changes while the audit store is away and writes every audit record once afterwards', async () => {
    const agents = stack.emulator.admin.agentIds();
    const started = Date.now();
    const at = (ms: number): Promise<void> =>
      new Promise((resolve) => setTimeout(resolve, Math.max(0, started + ms - Date.now())));

    const load = runLoad({
      api: stack.client,
      rate: 20,
      durationMs: 40_000,
      request: (i) => ({
        userId: agents[i % agents.length] ?? '',
        body: { presence: PRESENCES[i % PRESENCES.length], source: 'crm', requestedBy: 'chaos-postgres' },
      }),
    });

    await at(5_000);
    const cutAt = Date.now();
    proxy.cut('blackhole');
    await at(20_000);
    proxy.cut('reset');
    await at(35_000);
    const restoredAt = Date.now();
    proxy.restore();

    const report = await load;
    const input = stack.invariantInput(report.accepted);
    const settleStarted = Date.now();
    const settleMs = await settle(input, { timeoutMs: 120_000 });
    const check = await checkInvariants(input);

    // Requests decided while the audit store was unreachable.
    const records = await readRequests(input.redis, input.prefix, report.accepted);
    const decidedDuringCut = [...records.values()].filter((r) => {
      const atMs = r?.outcome === undefined ? Number.NaN : Date.parse(r.outcome.at);
      return atMs > cutAt && atMs < restoredAt;
    }).length;
    process.stdout.write(
      `chaos postgres-outage: sent=${report.sent} by_status=${JSON.stringify(report.byStatus)} cut_ms=${restoredAt - cutAt} decided_during_cut=${decidedDuringCut} outcomes=${JSON.stringify(check.outcomes)} audit_drain_ms=${Math.round(settleMs)} (from ${settleStarted - restoredAt} ms after restore) audit_records=${check.auditRecords}\n`,
    );

    expect(statusCount(report, 202)).toBe(report.sent);
    expect(decidedDuringCut).toBeGreaterThan(0);
    expect(check.violations).toEqual([]);
    expect(stack.fatalLogs()).toEqual([]);
    expect(check.chainOk).toBe(true);
  });
});
