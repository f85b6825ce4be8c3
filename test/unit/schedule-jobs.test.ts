import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { HEARTBEAT_JOB_NAME, heartbeatSchedulerProvider } from '../../src/workers/heartbeat-job';
import { handleSweepError } from '../../src/workers/scheduler-job-errors';
import { specFingerprint } from '../../src/workers/scheduler-role';
import {
  HEARTBEAT_QUEUE,
  SCHEDULE_FOLLOW_QUEUE,
  SCHEDULE_SYNC_QUEUE,
} from '../../src/workers/scheduler-spec';
import {
  followBoundaryJobId,
  scheduleFollowSchedulerProvider,
} from '../../src/workers/schedule-follower-job';
import {
  requestScheduleSync,
  scheduleSyncJobSchema,
  scheduleSyncSchedulerProvider,
} from '../../src/workers/schedule-sync-job';

describe('sweep scheduler specs', () => {
  it('gives the heartbeat one scheduler on its queue', async () => {
    const provider = heartbeatSchedulerProvider(60_000);
    expect(provider.queueNames).toEqual([HEARTBEAT_QUEUE]);
    expect(await provider.specs()).toEqual([
      expect.objectContaining({
        queueName: HEARTBEAT_QUEUE,
        schedulerId: 'heartbeat',
        everyMs: 60_000,
        jobName: HEARTBEAT_JOB_NAME,
      }),
    ]);
  });

  it('gives each configured business unit its own sync scheduler without asking WFM', async () => {
    const listBusinessUnits = jest.fn();
    const specs = await scheduleSyncSchedulerProvider({
      everyMs: 900_000,
      businessUnitIds: ['bu-b', 'bu-a', 'bu-a'],
      listBusinessUnits,
    }).specs();
    expect(specs.map((s) => [s.queueName, s.schedulerId, s.data])).toEqual([
      [SCHEDULE_SYNC_QUEUE, 'schedule-sync-bu-a', { businessUnitId: 'bu-a', reason: 'scheduled' }],
      [SCHEDULE_SYNC_QUEUE, 'schedule-sync-bu-b', { businessUnitId: 'bu-b', reason: 'scheduled' }],
    ]);
    expect(listBusinessUnits).not.toHaveBeenCalled();
  });

  it('lists the business units from WFM when none is configured', async () => {
    const specs = await scheduleSyncSchedulerProvider({
      everyMs: 900_000,
      businessUnitIds: [],
      listBusinessUnits: async () => ({ data: [{ id: 'bu-1' }, { id: 'bu-2' }] }),
    }).specs();
    expect(specs.map((s) => s.schedulerId)).toEqual(['schedule-sync-bu-1', 'schedule-sync-bu-2']);
  });

  it('registers the follower tick only when someone follows their schedule', async () => {
    expect(await scheduleFollowSchedulerProvider({ tickMs: 15_000, enabled: false }).specs()).toEqual([]);
    const on = scheduleFollowSchedulerProvider({ tickMs: 15_000, enabled: true });
    expect(on.queueNames).toEqual([SCHEDULE_FOLLOW_QUEUE]);
    expect((await on.specs())[0]).toMatchObject({ everyMs: 15_000, jobName: 'follow-tick' });
    expect(followBoundaryJobId(1741791600000)).toBe('follow-boundary-1741791600000');
  });

  it('fingerprints specs by content, not by key order', () => {
    const a = { queueName: 'q', schedulerId: 's', everyMs: 1_000, jobName: 'j', data: { x: 1, y: 'b' } };
    const b = { jobName: 'j', everyMs: 1_000, schedulerId: 's', queueName: 'q', data: { y: 'b', x: 1 } };
    expect(specFingerprint(a)).toBe(specFingerprint(b));
    expect(specFingerprint({ ...a, everyMs: 2_000 })).not.toBe(specFingerprint(a));
    expect(specFingerprint({ ...a, jobOptions: { attempts: 2 } })).not.toBe(specFingerprint(a));
  });
});

describe('schedule-sync job', () => {
  it('validates the payload and defaults the reason', () => {
    expect(scheduleSyncJobSchema.parse({ businessUnitId: 'bu-1' })).toEqual({
      businessUnitId: 'bu-1',
      reason: 'scheduled',
    });
    expect(scheduleSyncJobSchema.safeParse({ businessUnitId: 'bu 1' }).success).toBe(false);
    expect(scheduleSyncJobSchema.safeParse({ businessUnitId: 'bu-1', token: 'x' }).success).toBe(false);
  });

  it('asks for an on-demand sync with a per-BU deduplication id', async () => {
    const add = jest.fn(async () => ({ id: '7' }));
    expect(await requestScheduleSync({ add } as never, 'bu-1', 'wfm-change')).toBe('7');
    expect(add).toHaveBeenCalledWith(
      'schedule-sync',
      { businessUnitId: 'bu-1', reason: 'wfm-change' },
      expect.objectContaining({ attempts: 3, deduplication: { id: 'schedule-sync-request-bu-1' } }),
    );
  });
});

describe('handleSweepError', () => {
  const job = (attemptsMade = 0, attempts = 3) => {
    const moveToDelayed = jest.fn(async () => undefined);
    return { job: { attemptsMade, opts: { attempts }, moveToDelayed } as unknown as Job, moveToDelayed };
  };
  const options = { breakerResetMs: 15_000, defaultRateLimitMs: 3_000, now: () => 1_000 };

  it('delays a rate-limited sync job by Retry-After without using an attempt', async () => {
    const { job: j, moveToDelayed } = job();
    const err = Object.assign(new Error('429'), { code: 'GENESYS_RATE_LIMITED', retryAfterMs: 42_000 });
    await expect(handleSweepError(err, j, 'tok', { ...options, onThrottle: 'delay' })).rejects.toBeInstanceOf(
      DelayedError,
    );
    expect(moveToDelayed).toHaveBeenCalledWith(43_000, 'tok');
  });

  it('skips a heartbeat run while the breaker is open', async () => {
    const { job: j, moveToDelayed } = job();
    const err = Object.assign(new Error('open'), { code: 'GENESYS_CIRCUIT_OPEN' });
    expect(await handleSweepError(err, j, 'tok', { ...options, onThrottle: 'skip' })).toEqual({
      skipped: 'GENESYS_CIRCUIT_OPEN: waiting 15000 ms',
    });
    expect(moveToDelayed).not.toHaveBeenCalled();
  });

  it('rethrows transient errors for BullMQ back-off and makes permanent ones unrecoverable', async () => {
    const transient = Object.assign(new Error('503'), { code: 'GENESYS_SERVER', httpStatus: 503 });
    await expect(
      handleSweepError(transient, job().job, 'tok', { ...options, onThrottle: 'delay' }),
    ).rejects.toBe(transient);
    const permanent = Object.assign(new Error('403'), { code: 'GENESYS_FORBIDDEN', httpStatus: 403 });
    await expect(
      handleSweepError(permanent, job().job, 'tok', { ...options, onThrottle: 'delay' }),
    ).rejects.toBeInstanceOf(UnrecoverableError);
    const pending = Object.assign(new Error('processing'), { code: 'SCHEDULE_SEARCH_PENDING' });
    await expect(
      handleSweepError(pending, job(2, 3).job, 'tok', { ...options, onThrottle: 'delay' }),
    ).rejects.toBeInstanceOf(UnrecoverableError);
  });
});
