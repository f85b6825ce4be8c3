import type { JobsOptions } from 'bullmq';
import type { AuditEvent } from '../../src/audit/audit-event';
import { AuditQueueEmitter } from '../../src/audit/audit-queue-emitter';
import { AUDIT_JOB_NAME, auditJobId, auditJobRetention } from '../../src/audit/audit-queue';
import { loadConfig } from '../../src/config';

type Added = { name: string; data: AuditEvent; opts?: JobsOptions }[];

function recordingQueue(): { added: Added[]; addBulk(jobs: Added): Promise<void> } {
  const added: Added[] = [];
  return {
    added,
    addBulk: async (jobs) => {
      added.push(jobs);
    },
  };
}

const event = (eventId: string, extra: Record<string, unknown> = {}): AuditEvent =>
  ({ eventId, type: 'requested', occurredAt: '2026-12-07T09:00:00.000Z', ...extra }) as AuditEvent;

describe('AuditQueueEmitter', () => {
  it('adds all events of one emit in one addBulk, job id = event id, with the retention given', async () => {
    const queue = recordingQueue();
    const retention = auditJobRetention(loadConfig({}));
    await new AuditQueueEmitter(queue, retention).emit([event('a-1'), event('a-2')]);
    expect(queue.added).toHaveLength(1);
    expect(queue.added[0]).toEqual([
      { name: AUDIT_JOB_NAME, data: event('a-1'), opts: { jobId: 'a-1', ...retention } },
      { name: AUDIT_JOB_NAME, data: event('a-2'), opts: { jobId: 'a-2', ...retention } },
    ]);
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
