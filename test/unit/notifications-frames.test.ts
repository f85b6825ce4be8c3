import { parseNotificationFrame } from '../../src/genesys/notifications-events';
import { planChannels, reconnectDelay, topicsOf } from '../../src/genesys/notifications-plan';

const USER = '6a1a522e-ff3f-4a2e-b6e2-ff970073f3a4';

describe('notification frames', () => {
  it.each([
    [{ topicName: 'channel.metadata', eventBody: { message: 'WebSocket Heartbeat' } }, { type: 'heartbeat' }],
    [{ topicName: 'channel.metadata', eventBody: { message: 'pong' } }, { type: 'pong' }],
    [{ topicName: 'v2.system.socket_closing', eventBody: {} }, { type: 'socket-closing' }],
    [{ topicName: 'v2.system.token_revoked.abc', eventBody: {} }, { type: 'token-revoked' }],
    [{ topicName: 'v2.system.no_longer_subscribed.abc', eventBody: {} }, { type: 'no-longer-subscribed' }],
    [
      { topicName: `v2.users.${USER}.activity`, eventBody: {} },
      { type: 'other', topicName: `v2.users.${USER}.activity` },
    ],
    [
      { result: '200', status: 'subscribed' },
      { type: 'other', topicName: undefined },
    ],
  ])('classifies %j', (frame, expected) => {
    expect(parseNotificationFrame(JSON.stringify(frame))).toEqual(expected);
  });

  it('reads a presence event, taking the user id from the topic name', () => {
    const frame = {
      topicName: `v2.users.${USER}.presence`,
      version: '2',
      eventBody: {
        source: 'PURECLOUD',
        presenceDefinition: { id: 'e08eaf1b-ee47-4fa9-a231-1200e284798f', systemPresence: 'On Queue' },
        primary: true,
        modifiedDate: '2026-03-01T10:00:00.123Z',
      },
      metadata: { CorrelationId: 'x' },
    };
    expect(parseNotificationFrame(JSON.stringify(frame))).toEqual({
      type: 'presence',
      event: {
        userId: USER,
        presenceDefinitionId: 'e08eaf1b-ee47-4fa9-a231-1200e284798f',
        systemPresence: 'On Queue',
        modifiedDate: '2026-03-01T10:00:00.123Z',
      },
    });
  });

  it('reads a routing-status event (capital S topic)', () => {
    const frame = {
      topicName: `v2.users.${USER}.routingStatus`,
      eventBody: { id: USER, routingStatus: { status: 'INTERACTING', startTime: '2026-03-01T10:00:01Z' } },
    };
    expect(parseNotificationFrame(JSON.stringify(frame))).toEqual({
      type: 'routing-status',
      event: { userId: USER, status: 'INTERACTING', startTime: '2026-03-01T10:00:01Z' },
    });
  });

  it('reports unreadable frames as invalid instead of throwing', () => {
    expect(parseNotificationFrame('not json').type).toBe('invalid');
    expect(parseNotificationFrame('42').type).toBe('invalid');
    expect(
      parseNotificationFrame(
        JSON.stringify({ topicName: `v2.users.${USER}.presence`, eventBody: { presenceDefinition: {} } }),
      ).type,
    ).toBe('invalid');
  });
});

describe('channel plan', () => {
  const users = Array.from({ length: 2_345 }, (_, i) => `user-${String(i).padStart(5, '0')}`);

  it('puts both topics of an agent on one channel, at most 1,000 topics per channel', () => {
    const plan = planChannels(users, 1_000);
    expect(plan.channels.map((c) => c.length)).toEqual([500, 500, 500, 500, 345]);
    expect(plan.overflow).toEqual([]);
    expect(topicsOf(plan.channels[0] ?? [])).toHaveLength(1_000);
    expect(topicsOf(['u'])).toEqual(['v2.users.u.presence', 'v2.users.u.routingStatus']);
  });

  it('never plans more than 20 channels and reports the agents left over', () => {
    const plan = planChannels(users, 100);
    expect(plan.channels).toHaveLength(20);
    expect(plan.channels.flat()).toHaveLength(1_000);
    expect(plan.overflow).toHaveLength(1_345);
  });

  it('ignores duplicate ids and is stable whatever the input order', () => {
    expect(planChannels(['b', 'a', 'b'], 1_000).channels).toEqual([['a', 'b']]);
  });
});

describe('reconnect delay', () => {
  it('grows exponentially up to the maximum, with full jitter', () => {
    const top = (attempt: number) => reconnectDelay(attempt, 1_000, 60_000, () => 0.999_999);
    expect([0, 1, 2, 3, 6, 7, 50].map(top)).toEqual([999, 1_999, 3_999, 7_999, 59_999, 59_999, 59_999]);
    expect(reconnectDelay(5, 1_000, 60_000, () => 0)).toBe(0);
    expect(reconnectDelay(2, 1_000, 60_000, () => 0.5)).toBe(2_000);
  });
});
