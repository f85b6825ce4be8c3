import { run } from '../../src/cli/enqueue-command';
import { captureCli, cliEnv } from './cli-harness';
import { PipelineHarness } from './pipeline-harness';

/** `presence-worker enqueue` in process, against real Redis and the emulator (for presence names). */
describe('presence-worker enqueue', () => {
  let h: PipelineHarness;
  const saved = { ...process.env };

  beforeAll(async () => {
    h = await PipelineHarness.start();
    Object.assign(process.env, cliEnv(h));
  });

  afterAll(async () => {
    process.env = saved;
    await h.stop();
  });

  const cli = (args: string[]) => captureCli(run, args);

  test('enqueues a change by presence name and prints the request id and version', async () => {
    const [agent] = h.agents as [string];
    const { code, out } = await cli([
      '--user',
      agent,
      '--presence',
      'ON_QUEUE',
      '--reason',
      'test',
      '--requested-by',
      'ops',
    ]);
    expect(code).toBe(0);
    const answer = JSON.parse(out) as {
      requestId: string;
      version: number;
      status: string;
      replayed: boolean;
    };
    expect(answer).toMatchObject({ version: 1, status: 'queued', replayed: false });
    expect(await h.producer.getRequestStatus(answer.requestId)).toMatchObject({
      source: 'cli',
      requestedBy: 'ops',
      presence: { id: 'e08eaf1b-ee47-4fa9-a231-1200e284798f' },
    });
    expect((await h.queue.getJob(answer.requestId))?.data).toEqual({
      userId: agent,
      version: 1,
      requestId: answer.requestId,
    });
  });

  test('--if-version is the compare-and-set: a stale version is refused with exit code 3', async () => {
    const [, agent] = h.agents as [string, string];
    expect((await cli(['--user', agent, '--presence', 'Break', '--if-version', '0'])).code).toBe(0);
    const stale = await cli(['--user', agent, '--presence', 'Break', '--if-version', '0']);
    expect(stale.code).toBe(3);
    expect(JSON.parse(stale.err)).toMatchObject({ code: 'VERSION_CONFLICT', details: { currentVersion: 1 } });
  });

  test('refusals and bad usage have their own exit codes', async () => {
    const [agent] = h.agents as [string];
    expect((await cli(['--user', agent, '--presence', 'Gardening'])).code).toBe(3);
    expect((await cli(['--user', agent, '--presence', 'Break', '--force'])).code).toBe(3);
    expect((await cli(['--user', 'nope', '--presence', 'Break'])).code).toBe(3);
    expect((await cli(['--presence', 'Break'])).code).toBe(2);
    expect((await cli(['--user', agent, '--presence', 'Break', '--if-version', 'x'])).code).toBe(2);
    expect((await cli(['--user', agent, '--colour', 'red'])).code).toBe(2);
    expect((await cli(['--help'])).code).toBe(0);
  });
});
