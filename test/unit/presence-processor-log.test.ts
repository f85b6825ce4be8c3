import { Writable } from 'node:stream';
import pino from 'pino';
import type { AgentStateStore, ClaimResult } from '../../src/jobs/agent-state-store';
import type { PresencePolicy } from '../../src/policy/presence-policy';
import type { ScheduleSource } from '../../src/schedule/agent-timeline';
import { PresenceProcessor, type ProcessorJob } from '../../src/workers/presence-processor';

const USER = '0b7c1e2a-3d4f-4a5b-8c6d-7e8f9a0b1c2d';
const REQUEST = `${USER}.mj3k2l0a1b2c3d4e5f6a7b8`;

/** A processor whose store answers every claim with `claim`; the log lines it writes, parsed. */
function processorFor(claim: ClaimResult): {
  processor: PresenceProcessor;
  lines: object[];
  children: () => number;
} {
  const lines: object[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as object);
      done();
    },
  });
  const logger = pino({ level: 'info' }, stream);
  const child = jest.spyOn(logger, 'child');
  const store = { claim: () => Promise.resolve(claim) } as unknown as AgentStateStore;
  const unused = (): never => {
    throw new Error('not used by these jobs');
  };
  const processor = new PresenceProcessor({
    store,
    applier: { apply: unused },
    schedule: {} as ScheduleSource,
    policy: {} as PresencePolicy,
    audit: { emit: unused },
    deadLetter: { add: unused } as never,
    leases: { hold: unused, drop: unused },
    rateLimit: unused,
    settings: {
      leaseMs: 1_000,
      requestTtlMs: 60_000,
      observedMaxAgeMs: 0,
      breakerResetMs: 1_000,
      defaultRateLimitMs: 1_000,
    },
    logger,
  });
  return { processor, lines, children: () => child.mock.calls.length };
}

const job: ProcessorJob = {
  id: 'job-1',
  data: { userId: USER, version: 2, requestId: REQUEST },
  attemptsMade: 0,
  opts: { attempts: 3 },
  moveToDelayed: () => Promise.resolve(),
};

describe('presence processor logging', () => {
  it('logs with the job bindings (queue, jobId, userId, requestId) when a job has something to say', async () => {
    const { processor, lines, children } = processorFor({ kind: 'missing' });
    await expect(processor.process(job)).resolves.toEqual({ requestId: REQUEST, result: 'missing' });
    expect(children()).toBe(1);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        queue: 'presence-change',
        jobId: 'job-1',
        userId: USER,
        requestId: REQUEST,
        msg: 'request record not found (expired or never accepted); nothing to do',
      }),
    ]);
  });

  it('makes no child logger for a job that logs nothing', async () => {
    const { processor, lines, children } = processorFor({ kind: 'terminal', status: 'superseded' });
    await expect(processor.process(job)).resolves.toEqual({ requestId: REQUEST, result: 'already-decided' });
    expect(children()).toBe(0);
    expect(lines).toEqual([]);
  });
});
