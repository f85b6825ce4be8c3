import { spawnSync } from 'node:child_process';
import { checkInvariants, readAuditRecords, settle, type TrackedRequest } from '../helpers/chaos-invariants';
import type { HttpAnswer } from '../helpers/chaos-load';
import { REPO_ROOT } from '../helpers/chaos-process';
import { dumpKeys } from '../helpers/chaos-redis-dump';
import { scanForSecrets, sharedTokens, type Captured } from '../helpers/chaos-secrets';
import { ChaosStack } from '../helpers/chaos-stack';
import { testRedis, testRedisUrl } from '../helpers/redis';

/**
 * `npm audit --omit=dev`, run once when the file loads. The registry reachable here may refuse the audit
 * endpoint; then the audit test is reported as skipped with npm's own reason — never as a pass.
 */
function npmAudit():
  | { available: true; high: number; critical: number; summary: string }
  | { available: false; reason: string } {
  const result = spawnSync('npm', ['audit', '--omit=dev', '--json'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  let json: {
    metadata?: { vulnerabilities?: Record<string, number> };
    message?: string;
    error?: { summary?: string };
  };
  try {
    json = JSON.parse(result.stdout) as typeof json;
  } catch {
    const why = result.error?.message ?? (result.stderr.trim().split('\n').pop() || `exit ${result.status}`);
    return { available: false, reason: why };
  }
  const v = json.metadata?.vulnerabilities;
  if (v === undefined) {
    return { available: false, reason: json.message ?? json.error?.summary ?? 'npm audit gave no report' };
  }
  return {
    available: true,
    high: v.high ?? 0,
    critical: v.critical ?? 0,
    summary: JSON.stringify(v),
  };
}

const audit = npmAudit();

/** Scenario 6: who may call what, and secrets kept out of everything the service writes or answers. */
describe('security', () => {
  let stack: ChaosStack;
  let agents: string[];
  const answers: Captured[] = [];
  const accepted: TrackedRequest[] = [];

  const keep = <T>(where: string, answer: HttpAnswer<T>): HttpAnswer<T> => {
    answers.push({
      where: `HTTP answer to ${where}`,
      text: `${JSON.stringify([...answer.headers])} ${answer.text}`,
    });
    return answer;
  };

  const body = (source = 'crm'): Record<string, unknown> => ({
    presence: 'Available',
    source,
    requestedBy: 'chaos-test',
  });

  beforeAll(async () => {
    stack = await ChaosStack.start({ name: 'security', redis: { url: testRedisUrl() } });
    agents = stack.emulator.admin.agentIds();
  });

  afterAll(async () => {
    await ChaosStack.dispose(stack, { deleteKeys: true });
  });

  it('refuses requests without a key, with a wrong key, or with a malformed Authorization header (401)', async () => {
    const user = agents[0] ?? '';
    const anonymous = stack.client.withKey(undefined);
    const wrong = stack.client.withKey(`ck_${'0'.repeat(48)}`);
    const attempts: Array<[string, () => Promise<HttpAnswer<{ code?: string }>>]> = [
      ['POST without key', () => anonymous.postPresence(user, body())],
      ['GET request without key', () => anonymous.getRequest(`${user}.abcdef123456`)],
      ['GET agent without key', () => anonymous.getAgent(user)],
      ['POST with a wrong key', () => wrong.postPresence(user, body())],
      ['GET agent with a wrong key', () => wrong.getAgent(user)],
      [
        'POST with Basic instead of Bearer',
        () =>
          anonymous.postPresence(user, body(), {
            authorization: `Basic ${Buffer.from(`x:${stack.keys.admin}`).toString('base64')}`,
          }),
      ],
      ['POST with an empty Bearer', () => anonymous.postPresence(user, body(), { authorization: 'Bearer ' })],
    ];
    for (const [name, send] of attempts) {
      const answer = keep(name, await send());
      expect({ name, status: answer.status, code: answer.body.code }).toEqual({
        name,
        status: 401,
        code: 'UNAUTHENTICATED',
      });
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    }
  });

  it('refuses keys used outside their scope or source (403) and accepts them inside', async () => {
    const user = agents[1] ?? '';
    const reader = stack.client.withKey(stack.keys.reader);
    const wfm = stack.client.withKey(stack.keys.wfm);

    const readerPost = keep('reader POST', await reader.postPresence<{ code?: string }>(user, body()));
    expect([readerPost.status, readerPost.body.code]).toEqual([403, 'FORBIDDEN']);

    const wfmOtherSource = keep('wfm as crm', await wfm.postPresence<{ code?: string }>(user, body('crm')));
    expect([wfmOtherSource.status, wfmOtherSource.body.code]).toEqual([403, 'FORBIDDEN']);

    const wfmRead = keep('wfm GET', await wfm.getAgent<{ code?: string }>(user));
    expect([wfmRead.status, wfmRead.body.code]).toEqual([403, 'FORBIDDEN']);

    const wfmOwn = keep('wfm as wfm', await wfm.postPresence<{ requestId: string }>(user, body('wfm')));
    expect(wfmOwn.status).toBe(202);
    accepted.push({ userId: user, requestId: wfmOwn.body.requestId });

    const readerGet = keep(
      'reader GET',
      await reader.getRequest<{ requestId: string }>(wfmOwn.body.requestId),
    );
    expect(readerGet.status).toBe(200);
    expect(readerGet.body.requestId).toBe(wfmOwn.body.requestId);
  });

  it('keeps Bull Board behind the admin scope (no auth, wrong key, reader key refused; admin key admitted)', async () => {
    const basic = (key: string): Record<string, string> => ({
      authorization: `Basic ${Buffer.from(`ops:${key}`).toString('base64')}`,
    });
    const anonymous = stack.client.withKey(undefined);
    for (const path of ['/admin/queues', '/admin/queues/api/queues']) {
      const none = keep(`${path} without auth`, await anonymous.request(path));
      expect({ path, status: none.status }).toEqual({ path, status: 401 });
      expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      const wrong = keep(
        `${path} wrong key`,
        await anonymous.request(path, { headers: basic(`ck_${'1'.repeat(48)}`) }),
      );
      expect({ path, status: wrong.status }).toEqual({ path, status: 401 });
      const reader = keep(
        `${path} reader key`,
        await anonymous.request(path, { headers: basic(stack.keys.reader) }),
      );
      expect({ path, status: reader.status }).toEqual({ path, status: 403 });
      const bearerReader = keep(
        `${path} reader bearer`,
        await stack.client.withKey(stack.keys.reader).request(path),
      );
      expect({ path, status: bearerReader.status }).toEqual({ path, status: 403 });
    }
    const admin = keep(
      'bull board admin',
      await anonymous.request('/admin/queues/api/queues', { headers: basic(stack.keys.admin) }),
    );
    expect(admin.status).toBe(200);
    expect(admin.text).toContain('presence-change');
  });

  it('keeps the client secret, API keys and Genesys tokens out of logs, job data, audit records and error bodies', async () => {
    // Traffic that exercises the error paths too: server errors, a revoked token, refused calls.
    const { admin, clientId, clientSecret } = stack.emulator;
    const redis = testRedis();
    try {
      const tokens = new Set<string>();
      for (let i = 0; i < 10; i += 1) {
        const user = agents[(i % 8) + 2] ?? '';
        const answer = keep(
          'POST',
          await stack.client.postPresence<{ requestId: string }>(user, {
            ...body(),
            presence: i % 2 === 0 ? 'Away' : 'Available',
          }),
        );
        if (answer.status === 202) {
          accepted.push({ userId: user, requestId: answer.body.requestId });
        }
        if (i === 3) {
          // Keep the token in use before revoking it, so both it and its successor are scanned for.
          await settle(stack.invariantInput(accepted), { timeoutMs: 30_000 });
          for (const t of await sharedTokens(redis, stack.prefix, clientId, clientSecret)) {
            tokens.add(t);
          }
          admin.revokeAllTokens();
          admin.failNext({ count: 3, kind: 'status', status: 503 });
        }
      }
      admin.failNext({ count: 1, kind: 'status', status: 401, pathPrefix: '/oauth/token' });
      for (const [name, send] of [
        ['readyz', () => stack.client.request('/readyz')],
        ['metrics', () => stack.client.request('/metrics')],
        ['openapi', () => stack.client.request('/docs/openapi.json')],
      ] as const) {
        keep(name, await send());
      }

      const input = stack.invariantInput(accepted);
      await settle(input, { timeoutMs: 60_000 });
      const report = await checkInvariants(input);
      expect(report.violations).toEqual([]);
      expect(stack.fatalLogs()).toEqual([]);

      for (const t of await sharedTokens(redis, stack.prefix, clientId, clientSecret)) {
        tokens.add(t);
      }
      // The token before the revocation and the one after.
      expect(tokens.size).toBeGreaterThanOrEqual(2);
      const secrets = [
        ...stack.secrets(),
        ...[...tokens].map((value, i) => ({ name: `Genesys access token #${i + 1}`, value })),
      ];
      // The scanner itself finds a planted secret in its plain and Basic-auth forms.
      for (const probe of secrets) {
        const planted = [
          { where: 'probe', text: `x${probe.value}x` },
          { where: 'probe-basic', text: Buffer.from(`${clientId}:${probe.value}`).toString('base64') },
        ];
        expect(scanForSecrets(planted, [probe], { clientId }).length).toBeGreaterThanOrEqual(2);
      }
      const auditRecords = await readAuditRecords(stack.auditConfig);
      const captured: Captured[] = [
        ...(await stack.captured()),
        ...(await dumpKeys(redis, stack.prefix)),
        ...answers,
        ...auditRecords.map((r) => ({ where: `audit record ${r.seq}`, text: JSON.stringify(r) })),
      ];
      const findings = scanForSecrets(captured, secrets, { clientId });
      process.stdout.write(
        `chaos security: scanned ${captured.length} sources (${Math.round(captured.reduce((n, c) => n + c.text.length, 0) / 1024)} KiB) for ${secrets.length} secrets: ${findings.length} finding(s)\n`,
      );
      expect(findings).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  if (audit.available) {
    it('has no high or critical findings in `npm audit --omit=dev`', () => {
      process.stdout.write(`chaos security: npm audit --omit=dev ${audit.summary}\n`);
      expect({ high: audit.high, critical: audit.critical }).toEqual({ high: 0, critical: 0 });
    });
  } else {
    // Reported as skipped (not passed), with npm's reason in the test name and in the output.
    process.stdout.write(`chaos security: npm audit --omit=dev SKIPPED: ${audit.reason}\n`);
    it.skip(`npm audit --omit=dev — SKIPPED, the registry did not answer the audit: ${audit.reason}`, () =>
      undefined);
  }
});
