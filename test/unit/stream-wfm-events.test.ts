import { EventEmitter, once } from 'node:events';
import { StreamWfmEvents, type StreamWfmEventsDeps } from '../../src/workers/stream-wfm-events';

const BU = 'bu-1';

/** Records calls and emits an event per log line (named by level), so tests await them instead of waiting. */
function harness(overrides: Partial<StreamWfmEventsDeps> = {}) {
  const events = new EventEmitter();
  const recorded: Array<{ operationId: string; downloadUrl: string }> = [];
  const syncs: Array<[string, string]> = [];
  const logs: Array<{ level: string; msg: string }> = [];
  const log =
    (level: string) =>
    (_obj: unknown, msg?: string): void => {
      logs.push({ level, msg: msg ?? '' });
      events.emit(level);
    };
  const deps: StreamWfmEventsDeps = {
    requesterId: 'client-1',
    businessUnitIds: async () => [BU, 'bu-0', BU],
    completions: {
      record: async (completion) => {
        recorded.push(completion);
        events.emit('recorded');
      },
    },
    requestScheduleSync: async (businessUnitId, reason) => {
      syncs.push([businessUnitId, reason]);
      return `job-${businessUnitId}`;
    },
    logger: { debug: log('debug'), info: log('info'), warn: log('warn') },
    ...overrides,
  };
  return { wfm: new StreamWfmEvents(deps), events, recorded, syncs, logs };
}

describe('StreamWfmEvents', () => {
  it('subscribes the requester’s search topic and each business unit’s schedules once', async () => {
    const { wfm } = harness();
    expect(await wfm.topics()).toEqual([
      'v2.workforcemanagement.users.client-1.schedules.search',
      'v2.workforcemanagement.businessunits.bu-0.schedules',
      'v2.workforcemanagement.businessunits.bu-1.schedules',
    ]);
  });

  it('still follows search completions when the business units cannot be read', async () => {
    const { wfm, logs } = harness({
      businessUnitIds: async () => {
        throw new Error('503');
      },
    });
    expect(await wfm.topics()).toEqual(['v2.workforcemanagement.users.client-1.schedules.search']);
    expect(logs).toContainEqual({
      level: 'warn',
      msg: 'business units unavailable; not following their schedule changes',
    });
  });

  it('follows no search topic without a requester id', async () => {
    const { wfm } = harness({ requesterId: undefined, businessUnitIds: async () => [] });
    expect(await wfm.topics()).toEqual([]);
  });

  it('records a finished search for the waiting sync', async () => {
    const { wfm, events, recorded } = harness();
    const done = once(events, 'recorded');
    wfm.onScheduleSearch({
      requesterId: 'client-1',
      operationId: 'op-1',
      businessUnitId: BU,
      downloadUrl: 'https://dl.example/1',
    });
    await done;
    expect(recorded).toEqual([{ operationId: 'op-1', downloadUrl: 'https://dl.example/1' }]);
  });

  it('logs, never throws, when the completion cannot be recorded', async () => {
    const { wfm, events, logs } = harness({
      completions: {
        record: async () => {
          throw new Error('redis down');
        },
      },
    });
    const warned = once(events, 'warn');
    expect(() =>
      wfm.onScheduleSearch({
        requesterId: 'client-1',
        operationId: 'op-1',
        downloadUrl: 'https://dl.example/1',
      }),
    ).not.toThrow();
    await warned;
    expect(logs.at(-1)).toEqual({
      level: 'warn',
      msg: 'schedule search completion not recorded; the sync will search again',
    });
  });

  it('asks for a sync of the business unit when its schedules changed (Complete only)', async () => {
    const { wfm, events, syncs } = harness();
    wfm.onBusinessUnitSchedules({ businessUnitId: BU, status: 'Processing', eventType: 'Update' });
    const logged = once(events, 'info');
    wfm.onBusinessUnitSchedules({ businessUnitId: BU, status: 'Complete', eventType: 'Update' });
    await logged;
    expect(syncs).toEqual([[BU, 'wfm-change']]);
  });

  it('logs, never throws, when no sync can be requested', async () => {
    const { wfm, events, logs } = harness({
      requestScheduleSync: async () => {
        throw new Error('redis down');
      },
    });
    const warned = once(events, 'warn');
    wfm.onBusinessUnitSchedules({ businessUnitId: BU, status: 'Complete' });
    await warned;
    expect(logs).toEqual([
      {
        level: 'warn',
        msg: 'WFM schedules changed but no sync could be requested; the next scheduled sync picks it up',
      },
    ]);
  });
});
