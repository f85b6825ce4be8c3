import type { JobsOptions } from 'bullmq';
import type { AuditEvent } from '../../src/audit/audit-event';
import { AuditQueueEmitter, type AuditJobData } from '../../src/audit/audit-queue-emitter';
import {
  AUDIT_BATCH_JOB_NAME,
  AUDIT_JOB_NAME,
  auditBatchJobId,
  auditJobId,
  auditJobRetention,
  eventsOfAuditJob,
} from '../../src/audit/audit-queue';
import { loadConfig } from '../../src/config';

type Added = { name: string; data: AuditJobData; opts?: JobsOptions }[];

function recordingQueue(fail?: Error): { added: Added[]; addBulk(jobs: Added): Promise<void> } {
  const added: Added[] = [];
  return {
    added,
    addBulk: async (jobs) => {
      if (fail !== undefined) {
        throw fail;
      }
      added.push(jobs);
    },
  };
}

/** The event ids carried by every job added, job by job. */
function eventIdsOf(added: Added[]): string[][] {
  return added.flat().map((job) => {
    const read = eventsOfAuditJob(job.data);
    if (!read.ok) {
      throw new Error(`unreadable job: ${read.problems.join('; ')}`);
    }
    return read.events.map((e) => e.eventId);
  });
}

const event = (eventId: string, extra: Record<string, unknown> = {}): AuditEvent =>
  ({ eventId, type: 'requested', occurredAt: '2026-12-07T09:00:00.000Z', ...extra }) as AuditEvent;

describe('AuditQueueEmitter', () => {
  it('adds the events of one emit as ONE batch job whose id is a digest of the event ids', async () => {
    const queue = recordingQueue();
    const retention = auditJobRetention(loadConfig({}));
    await new AuditQueueEmitter(queue, retention).emit([event('a-1'), event('a-2')]);
    expect(queue.added).toEqual([
      [
        {
          name: AUDIT_BATCH_JOB_NAME,
          data: { events: [event('a-1'), event('a-2')] },
          opts: { jobId: auditBatchJobId(['a-1', 'a-2']), ...retention },
        },
      ],
    ]);
  });

  it('adds a lone event as a single-event job, job id = event id (the form older audit workers read)', async () => {
    const queue = recordingQueue();
    const retention = auditJobRetention(loadConfig({}));
    await new AuditQueueEmitter(queue, retention).emit([event('a-1')]);
    expect(queue.added).toEqual([
      [{ name: AUDIT_JOB_NAME, data: event('a-1'), opts: { jobId: 'a-1', ...retention } }],
    ]);
  });

  it('gives a retried identical emit the same batch job id, and other events or another order a different one', () => {
    expect(auditBatchJobId(['r:requested', 'q:superseded'])).toBe(
      auditBatchJobId(['r:requested', 'q:superseded']),
    );
    expect(auditBatchJobId(['r:requested', 'q:superseded'])).toMatch(/^batch-[0-9a-f]{40}$/);
    expect(auditBatchJobId(['q:superseded', 'r:requested'])).not.toBe(
      auditBatchJobId(['r:requested', 'q:superseded']),
    );
    expect(auditBatchJobId(['a', 'b'])).not.toBe(auditBatchJobId(['a\nb']));
  });

  it('adds nothing for an empty list', async () => {
    const queue = recordingQueue();
    await new AuditQueueEmitter(queue).emit([]);
    expect(queue.added).toHaveLength(0);
  });

  it('refuses the whole call when one event is invalid, naming fields but never values', async () => {
    const queue = recordingQueue();
    const bad = event('b-2', { token: 'Bearer s3cr3t', userId: 42 });
    const err = (await new AuditQueueEmitter(queue)
      .emit([event('b-1'), bad])
      .catch((e: unknown) => e)) as Error & {
      code: string;
    };
    expect(err.code).toBe('AUDIT_INVALID_EVENT');
    expect(err.message).toMatch(/#1 is invalid/);
    expect(err.message).toMatch(/userId/);
    expect(err.message).not.toContain('s3cr3t');
    expect(queue.added).toHaveLength(0);
  });

  it('maps event ids BullMQ would refuse (integers, colons) to a stable digest', () => {
    expect(auditJobId('req-1:applied')).toMatch(/^evt-[0-9a-f]{40}$/);
    expect(auditJobId('12345')).toMatch(/^evt-[0-9a-f]{40}$/);
    expect(auditJobId('req-1:applied')).toBe(auditJobId('req-1:applied'));
    expect(auditJobId('0b6c2f3e-applied')).toBe('0b6c2f3e-applied');
  });
});

describe('AuditQueueEmitter with a batch window', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends the events of calls made within the window as one batch job, in call order', async () => {
    const queue = recordingQueue();
    const emitter = new AuditQueueEmitter(queue, undefined, { batchWindowMs: 5, maxBatchCalls: 10 });
    let settled = 0;
    const calls = [
      emitter.emit([event('r1:requested'), event('q1:superseded')]),
      emitter.emit([event('r2:applied')]),
      emitter.emit([event('r3:blocked')]),
    ].map((p) => p.then(() => (settled += 1)));
    await jest.advanceTimersByTimeAsync(4);
    expect(queue.added).toHaveLength(0);
    expect(settled).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    await Promise.all(calls);
    expect(eventIdsOf(queue.added)).toEqual([['r1:requested', 'q1:superseded', 'r2:applied', 'r3:blocked']]);
    expect(settled).toBe(3);
  });

  it('sends a batch as soon as it holds maxBatchCalls calls, without waiting for the window', async () => {
    const queue = recordingQueue();
    const emitter = new AuditQueueEmitter(queue, undefined, { batchWindowMs: 1_000, maxBatchCalls: 2 });
    const first = [emitter.emit([event('a')]), emitter.emit([event('b')])];
    const third = emitter.emit([event('c')]);
    await Promise.all(first);
    expect(eventIdsOf(queue.added)).toEqual([['a', 'b']]);
    await jest.advanceTimersByTimeAsync(1_000);
    await third;
    expect(eventIdsOf(queue.added)).toEqual([['a', 'b'], ['c']]);
  });

  it('fails every call of a batch whose job could not be added (none resolves as if queued)', async () => {
    const queue = recordingQueue(new Error('Redis down'));
    const emitter = new AuditQueueEmitter(queue, undefined, { batchWindowMs: 2 });
    const a = emitter.emit([event('a')]).catch((e: unknown) => e);
    const b = emitter.emit([event('b')]).catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(2);
    expect(await a).toEqual(new Error('Redis down'));
    expect(await b).toEqual(new Error('Redis down'));
  });

  it('refuses an invalid event to its own caller at once, and batches the valid calls around it', async () => {
    const queue = recordingQueue();
    const emitter = new AuditQueueEmitter(queue, undefined, { batchWindowMs: 2 });
    const ok1 = emitter.emit([event('a')]);
    const bad = emitter.emit([event('b', { userId: 42 })]).then(
      () => undefined,
      (e: unknown) => e as { code?: string },
    );
    const ok2 = emitter.emit([event('c')]);
    expect((await bad)?.code).toBe('AUDIT_INVALID_EVENT');
    await jest.advanceTimersByTimeAsync(2);
    await Promise.all([ok1, ok2]);
    expect(eventIdsOf(queue.added)).toEqual([['a', 'c']]);
  });

  it('flush() sends what is being collected without waiting for the window', async () => {
    const queue = recordingQueue();
    const emitter = new AuditQueueEmitter(queue, undefined, { batchWindowMs: 60_000 });
    const call = emitter.emit([event('a')]);
    await emitter.flush();
    await call;
    expect(eventIdsOf(queue.added)).toEqual([['a']]);
  });
});

describe('eventsOfAuditJob', () => {
  it('reads a batch job and an old single-event job alike', () => {
    expect(eventsOfAuditJob({ events: [event('a'), event('b')] })).toEqual({
      ok: true,
      events: [event('a'), event('b')],
    });
    expect(eventsOfAuditJob(event('a'))).toEqual({ ok: true, events: [event('a')] });
  });

  it('refuses an empty batch, a batch with an invalid event and an invalid single event, naming fields only', () => {
    expect(eventsOfAuditJob({ events: [] }).ok).toBe(false);
    const bad = eventsOfAuditJob({ events: [event('a'), event('b', { token: 'Bearer s3cr3t' })] });
    expect(bad.ok).toBe(false);
    expect(JSON.stringify(bad)).not.toContain('s3cr3t');
    expect(eventsOfAuditJob({ eventId: 'x', type: 'nonsense' }).ok).toBe(false);
  });
});
