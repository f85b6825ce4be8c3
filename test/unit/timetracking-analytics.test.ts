import { splitInterval, transitionsFromAnalytics } from '../../src/timetracking/analytics-transitions';

describe('analytics records to transitions', () => {
  it('turns presence and routing records into backfill transitions with normalised states', () => {
    const transitions = transitionsFromAnalytics([
      {
        userId: 'u1',
        primaryPresence: [
          {
            startTime: '2026-01-01T08:00:00Z',
            endTime: '2026-01-01T09:00:00Z',
            systemPresence: 'ON_QUEUE',
            organizationPresenceId: 'oq',
          },
          { startTime: '2026-01-01T09:00:00.000Z', systemPresence: 'BREAK', organizationPresenceId: 'br' },
        ],
        routingStatus: [{ startTime: '2026-01-01T08:00:00Z', routingStatus: 'IDLE' }],
      },
    ]);
    expect(transitions).toEqual([
      {
        kind: 'presence',
        userId: 'u1',
        start: '2026-01-01T08:00:00.000Z',
        presenceDefinitionId: 'oq',
        systemPresence: 'ON_QUEUE',
        source: 'backfill',
      },
      {
        kind: 'presence',
        userId: 'u1',
        start: '2026-01-01T09:00:00.000Z',
        presenceDefinitionId: 'br',
        systemPresence: 'BREAK',
        source: 'backfill',
      },
      {
        kind: 'routing',
        userId: 'u1',
        start: '2026-01-01T08:00:00.000Z',
        routingStatus: 'IDLE',
        source: 'backfill',
      },
    ]);
  });

  it('merges records repeated across pages and skips records without a state or a readable start', () => {
    const record = { startTime: '2026-01-01T23:00:00Z', systemPresence: 'MEAL', organizationPresenceId: 'm' };
    const transitions = transitionsFromAnalytics([
      {
        userId: 'u2',
        primaryPresence: [record, { ...record }, { startTime: 'garbage', systemPresence: 'MEAL' }],
      },
      { userId: 'u2', primaryPresence: [record], routingStatus: [{ startTime: '2026-01-01T23:00:00Z' }] },
    ]);
    expect(transitions).toHaveLength(1);
  });

  it('splits long intervals at the analytics cap', () => {
    const day = 86_400_000;
    expect(splitInterval(0, 70 * day, 31 * day)).toEqual([
      { fromMs: 0, toMs: 31 * day },
      { fromMs: 31 * day, toMs: 62 * day },
      { fromMs: 62 * day, toMs: 70 * day },
    ]);
    expect(splitInterval(5, 5, 10)).toEqual([]);
  });
});
