import { run } from '../../src/cli/dead-letter-command';
import { captureCli, cliEnv } from './cli-harness';
import { PipelineHarness } from './pipeline-harness';

/** `presence-worker dead-letter list | redrive` in process, against real Redis, the workers and the emulator. */
describe('presence-worker dead-letter', () => {
  let h: PipelineHarness;
  const saved = { ...process.env };
  const BREAK = '227b37e2-f1d0-4dd0-8f50-badd7cf6d158';

  beforeAll(async () => {
    h = await PipelineHarness.start({ agents: 10 });
    Object.assign(process.env, cliEnv(h));
  });

  afterAll(async () => {
    process.env = saved;
    await h.stop();
  });

  async function cli(
    args: string[],
  ): Promise<{ code: number; lines: Record<string, unknown>[]; err: string }> {
    const { code, out, err } = await captureCli(run, args);
    const lines = out
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { code, lines, err };
  }

  async function failOnce(userId: string): Promise<string> {
    h.emulator.admin.failNext({ count: 1, kind: 'status', status: 400, method: 'PATCH' });
    const { requestId } = await h.producer.enqueuePresenceChange({
      userId,
      presence: 'Break',
      source: 'crm',
      requestedBy: 'tester',
      message: 'back soon',
    });
    await h.audit.waitForOutcomes([requestId], 10_000);
    expect(h.audit.outcomeOf(requestId)).toBe('failed');
    return requestId;
  }

  test('lists failed changes and re-drives the ones no later change has replaced', async () => {
    const [a, b] = h.agents as [string, string];
    await h.setSchedule(a, 'Break');
    await h.setSchedule(b, 'Break');
    await h.startWorkers(1);
    const failedA = await failOnce(a);
    const failedB = await failOnce(b);
    // B's agent is asked for something else afterwards: re-driving B's old change would override it.
    const later = await h.producer.enqueuePresenceChange({ userId: b, presence: 'Break', source: 'wfm' });
    await h.audit.waitForOutcomes([later.requestId], 10_000);
    expect(h.audit.outcomeOf(later.requestId)).toBe('applied');
    // The outcome is recorded before the job is dead-lettered: wait for both entries.
    await waitFor(async () => (await h.deadLetters.getWaitingCount()) === 2);

    const listed = await cli(['list']);
    expect(listed.code).toBe(0);
    expect(listed.lines).toEqual([
      expect.objectContaining({ requestId: failedA, userId: a, code: 'GENESYS_BAD_REQUEST' }),
      expect.objectContaining({ requestId: failedB, userId: b, code: 'GENESYS_BAD_REQUEST' }),
    ]);

    const dry = await cli(['redrive', '--all', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.lines).toEqual([
      expect.objectContaining({ requestId: failedA, result: 'would-redrive', presence: BREAK }),
      expect.objectContaining({ requestId: failedB, result: 'superseded' }),
    ]);
    expect(await h.deadLetters.getWaitingCount()).toBe(2);
    expect(h.emulator.admin.presence(a).definitionId).not.toBe(BREAK);

    const redriven = await cli(['redrive', '--all']);
    expect(redriven.code).toBe(0);
    expect(redriven.lines).toEqual([
      expect.objectContaining({ requestId: failedA, result: 'redriven', newRequestId: expect.any(String) }),
      expect.objectContaining({ requestId: failedB, result: 'superseded' }),
    ]);
    const newRequestId = redriven.lines[0]?.newRequestId as string;
    await h.audit.waitForOutcomes([newRequestId], 10_000);
    expect(h.audit.outcomeOf(newRequestId)).toBe('applied');
    expect(h.emulator.admin.presence(a).definitionId).toBe(BREAK);
    expect(await h.producer.getRequestStatus(newRequestId)).toMatchObject({
      source: 'crm',
      requestedBy: 'tester',
      message: 'back soon',
      reason: `re-drive of ${failedA}`,
    });
    // Re-driven entries leave the queue; the superseded one stays for the operator to read.
    const after = await cli(['list']);
    expect(after.lines).toEqual([expect.objectContaining({ requestId: failedB })]);
    const again = await cli(['redrive', '--request', failedA]);
    expect(again.lines).toEqual([{ requestId: failedA, result: 'not-found' }]);
  });

  test('bad usage exits with 2 and says why', async () => {
    expect((await cli([])).code).toBe(2);
    expect((await cli(['redrive'])).err).toContain('--request REQUEST_ID (repeatable) or --all');
    expect((await cli(['redrive', '--all', '--request', 'x'])).code).toBe(2);
    expect((await cli(['list', '--limit', '0'])).err).toContain('--limit must be a whole number');
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) {
      throw new Error('condition not met in time');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
