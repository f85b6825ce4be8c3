import { DEFAULT_PRESENCE_POLICY } from '../../src/policy/presence-policy';
import { PresenceWorker } from '../../src/workers/presence-worker';
import { testRedis } from '../helpers/redis';
import { PipelineHarness } from './pipeline-harness';

/** The composition root hands the worker its one `Queue` per name; the worker uses them and leaves them open. */
describe('presence worker with the caller’s queues', () => {
  let h: PipelineHarness;

  afterEach(async () => {
    await h.stop();
  });

  test('dead-letters through the given queue and does not close the given queues on stop', async () => {
    h = await PipelineHarness.start();
    const connection = testRedis();
    const genesys = h.newClient();
    const deadLetterAdds = jest.spyOn(h.deadLetters, 'add');
    let deadLettered!: (code: string) => void;
    const dead = new Promise<string>((resolve) => (deadLettered = resolve));
    const worker = new PresenceWorker({
      config: h.config,
      connection,
      genesys,
      schedule: h.scheduleSource(),
      policy: DEFAULT_PRESENCE_POLICY,
      audit: h.audit,
      logger: h.logger,
      observer: { onDeadLetter: (code) => deadLettered(code) },
      queues: { presenceChange: h.queue, deadLetter: h.deadLetters },
    });
    await worker.start();
    try {
      const job = await h.queue.add('presence-change', { userId: 'not-a-request' });
      expect(await dead).toBe('JOB_INVALID_PAYLOAD');
      expect(deadLetterAdds).toHaveBeenCalledTimes(1);
      expect(deadLetterAdds.mock.calls[0]?.[2]).toMatchObject({ jobId: `dl-${job.id}` });
    } finally {
      await worker.stop();
      await genesys.stop();
      await connection.quit();
    }
    // Still open: the caller closes them.
    expect(await h.deadLetters.getWaitingCount()).toBe(1);
    expect(await h.queue.getFailedCount()).toBe(1);
  });
});
