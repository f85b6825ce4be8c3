import {
  businessUnitSchedulesTopic,
  parseNotificationFrame,
  scheduleSearchTopic,
} from '../../src/genesys/notifications-events';
import { planChannels } from '../../src/genesys/notifications-plan';
import { ScheduleSearchCompletions } from '../../src/schedule/schedule-search-completions';

const CLIENT = 'emulator-client';
const BU = '2c1e5d3a-4b6f-4e1a-9c7d-0a1b2c3d4e5f';
const OPERATION = '0f9e8d7c-6b5a-4321-8fed-cba987654321';

describe('WFM notification frames', () => {
  it('names the search-completion and business-unit schedule topics as genesys-api.md §4.5 does', () => {
    expect(scheduleSearchTopic(CLIENT)).toBe(`v2.workforcemanagement.users.${CLIENT}.schedules.search`);
    expect(ScheduleSearchCompletions.topic(CLIENT)).toBe(scheduleSearchTopic(CLIENT));
    expect(businessUnitSchedulesTopic(BU)).toBe(`v2.workforcemanagement.businessunits.${BU}.schedules`);
  });

  it('reads a finished schedule search, taking the requester id from the topic name', () => {
    const frame = {
      topicName: scheduleSearchTopic(CLIENT),
      version: '2',
      eventBody: { operationId: OPERATION, businessUnitId: BU, downloadUrl: 'https://dl.example/r/1' },
      metadata: { CorrelationId: 'x' },
    };
    expect(parseNotificationFrame(JSON.stringify(frame))).toEqual({
      type: 'schedule-search',
      event: {
        requesterId: CLIENT,
        operationId: OPERATION,
        businessUnitId: BU,
        downloadUrl: 'https://dl.example/r/1',
      },
    });
  });

  it('reports a search completion without a downloadUrl as invalid', () => {
    const frame = { topicName: scheduleSearchTopic(CLIENT), eventBody: { operationId: OPERATION } };
    expect(parseNotificationFrame(JSON.stringify(frame))).toMatchObject({ type: 'invalid' });
  });

  it('reads a business unit schedule change with its status and event type', () => {
    const frame = {
      topicName: businessUnitSchedulesTopic(BU),
      eventBody: { status: 'Complete', operationId: OPERATION, eventType: 'Update', result: { id: 's1' } },
    };
    expect(parseNotificationFrame(JSON.stringify(frame))).toEqual({
      type: 'business-unit-schedules',
      event: { businessUnitId: BU, status: 'Complete', eventType: 'Update' },
    });
  });

  it('leaves the other WFM topics as other', () => {
    const topicName = `v2.workforcemanagement.managementunits.${BU}.agentschedules.changed`;
    expect(parseNotificationFrame(JSON.stringify({ topicName, eventBody: {} }))).toEqual({
      type: 'other',
      topicName,
    });
  });
});

describe('channel plan with topics that are not an agent’s', () => {
  const users = Array.from({ length: 10 }, (_, i) => `u${String(i).padStart(2, '0')}`);

  it('gives the first channel fewer agents, so its topics stay within the limit', () => {
    const plan = planChannels(users, 10, 20, 2);
    expect(plan.channels.map((c) => c.length)).toEqual([4, 5, 1]);
    expect(plan.channels.flat()).toEqual(users);
    expect(plan.overflow).toEqual([]);
  });

  it('opens one channel for those topics when no agent is followed', () => {
    expect(planChannels([], 10, 20, 2)).toEqual({ channels: [[]], overflow: [] });
    expect(planChannels([], 10, 20, 0)).toEqual({ channels: [], overflow: [] });
  });

  it('counts the reserved topics against the channel limit', () => {
    const plan = planChannels(users, 10, 2, 2);
    expect(plan.channels.map((c) => c.length)).toEqual([4, 5]);
    expect(plan.overflow).toEqual(['u09']);
  });
});
