import { readFileSync } from 'node:fs';
import platformClient from 'purecloud-platform-client-v2';
import type * as Views from '../../src/emulator/api-models';
import { openChannelSocket, startTestEmulator, type TestEmulator } from '../helpers/emulator';

/*
 * Compile-time half of the contract: every response type the emulator declares is assignable to the
 * official SDK model it stands for, so a drift fails `npm run typecheck`.
 */
export const typeContract = {
  userPresence: (v: Views.UserPresenceView): platformClient.Models.UserPresence => v,
  ucUserPresence: (v: Views.UcUserPresenceView): platformClient.Models.UcUserPresence => v,
  routingStatus: (v: Views.RoutingStatusView): platformClient.Models.RoutingStatus => v,
  user: (v: Views.UserView): platformClient.Models.User => v,
  users: (v: Views.PagedListing<Views.UserView>): platformClient.Models.UserEntityListing => v,
  definition: (
    v: Views.OrganizationPresenceDefinitionView,
  ): platformClient.Models.OrganizationPresenceDefinition => v,
  legacyDefinitions: (
    v: Views.PagedListing<Views.OrganizationPresenceView>,
  ): platformClient.Models.OrganizationPresenceEntityListing => v,
  systemPresence: (v: Views.SystemPresenceView): platformClient.Models.SystemPresence => v,
  businessUnits: (v: {
    entities: Views.BusinessUnitListItemView[];
  }): platformClient.Models.BusinessUnitListing => v,
  businessUnit: (v: Views.BusinessUnitView): platformClient.Models.BusinessUnitResponse => v,
  managementUnit: (
    v: Views.AgentManagementUnitReferenceView,
  ): platformClient.Models.AgentManagementUnitReference => v,
  activityCode: (v: Views.BusinessUnitActivityCodeView): platformClient.Models.BusinessUnitActivityCode => v,
  search: (
    v: Views.BuAsyncAgentSchedulesSearchResponseView,
  ): platformClient.Models.BuAsyncAgentSchedulesSearchResponse => v,
  details: (
    v: Views.AnalyticsUserDetailsQueryResponseView,
  ): platformClient.Models.AnalyticsUserDetailsQueryResponse => v,
};

/*
 * Run-time half: the SDK's model definitions are read from its index.d.ts and every response is checked
 * field by field: no field the model lacks, every required field present, primitive types right, nested
 * models and arrays recursively.
 */
const MODEL_SOURCE = readFileSync(require.resolve('purecloud-platform-client-v2/index.d.ts'), 'utf8');
const modelCache = new Map<string, Map<string, { type: string; required: boolean }>>();

function modelFields(name: string): Map<string, { type: string; required: boolean }> {
  const cached = modelCache.get(name);
  if (cached !== undefined) {
    return cached;
  }
  const start = MODEL_SOURCE.indexOf(`\n\texport interface ${name} { \n`);
  if (start < 0) {
    throw new Error(`Models.${name} not found in the SDK`);
  }
  const end = MODEL_SOURCE.indexOf('\n\t}\n', start);
  const fields = new Map<string, { type: string; required: boolean }>();
  for (const line of MODEL_SOURCE.slice(start, end).split('\n').slice(2)) {
    const match = /^\t\t"([^"]+)"(\??): (.+);$/.exec(line);
    if (match !== null) {
      fields.set(match[1]!, { type: match[3]!, required: match[2] !== '?' });
    }
  }
  modelCache.set(name, fields);
  return fields;
}

function checkType(value: unknown, type: string, path: string, errors: string[]): void {
  if (type === 'string' || type === 'number' || type === 'boolean') {
    if (typeof value !== type) {
      errors.push(`${path}: expected ${type}, got ${JSON.stringify(value)}`);
    }
    return;
  }
  const array = /^Array<(.+)>$/.exec(type);
  if (array !== null) {
    if (!Array.isArray(value)) {
      errors.push(`${path}: expected an array`);
      return;
    }
    value.forEach((item, i) => checkType(item, array[1]!, `${path}[${i}]`, errors));
    return;
  }
  const model = /^Models\.(\w+)$/.exec(type);
  if (model !== null) {
    checkModel(value, model[1]!, path, errors);
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map !== null) {
    if (typeof value !== 'object' || value === null) {
      errors.push(`${path}: expected a map`);
      return;
    }
    for (const [k, v] of Object.entries(value)) {
      checkType(v, map[1]!, `${path}.${k}`, errors);
    }
  }
}

function checkModel(value: unknown, name: string, path: string, errors: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    errors.push(`${path}: expected Models.${name}, got ${JSON.stringify(value)}`);
    return;
  }
  const fields = modelFields(name);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!fields.has(key)) {
      errors.push(`${path}.${key} is not a field of Models.${name}`);
    }
  }
  for (const [field, spec] of fields) {
    if (record[field] === undefined) {
      if (spec.required) {
        errors.push(`${path}.${field} is required by Models.${name}`);
      }
    } else {
      checkType(record[field], spec.type, `${path}.${field}`, errors);
    }
  }
}

/** Asserts that `value` is a well-formed instance of the SDK model `name` (or an array of it). */
function expectModel(value: unknown, name: string): void {
  const errors: string[] = [];
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkModel(item, name, `[${i}]`, errors));
  } else {
    checkModel(value, name, name, errors);
  }
  expect(errors).toEqual([]);
}

const ON_QUEUE = 'e08eaf1b-ee47-4fa9-a231-1200e284798f';
const BREAK = '227b37e2-f1d0-4dd0-8f50-badd7cf6d158';

describe('official SDK (purecloud-platform-client-v2) against the emulator', () => {
  let emu: TestEmulator;
  let users: string[];
  let buId: string;
  const client = platformClient.ApiClient.instance;
  const usersApi = new platformClient.UsersApi();
  const presenceApi = new platformClient.PresenceApi();
  const wfmApi = new platformClient.WorkforceManagementApi();
  const analyticsApi = new platformClient.AnalyticsApi();
  const notificationsApi = new platformClient.NotificationsApi();

  beforeAll(async () => {
    emu = await startTestEmulator({ agents: 12 });
    users = emu.admin.agentIds();
    buId = emu.admin.org().businessUnit.id;
    client.setGateway({ host: '127.0.0.1', protocol: 'http', port: emu.emulator.port });
  });
  afterAll(() => emu.stop());

  it('logs in with the client-credentials grant through the gateway settings', async () => {
    const auth = await client.loginClientCredentialsGrant(emu.clientId, emu.clientSecret);
    expect(auth.accessToken).toEqual(expect.any(String));
    expect(auth.tokenExpiryTime).toBeGreaterThan(Date.now() + 86_000_000);
  });

  it('rejects wrong credentials with the invalid_client payload', async () => {
    await expect(client.loginClientCredentialsGrant(emu.clientId, 'wrong')).rejects.toMatchObject({
      response: { status: 401, data: { error: 'invalid_client' } },
    });
    await client.loginClientCredentialsGrant(emu.clientId, emu.clientSecret);
  });

  it('pages users with presence and routing status expanded (Models.UserEntityListing, User)', async () => {
    const page = await usersApi.getUsers({
      pageSize: 5,
      pageNumber: 2,
      expand: ['presence', 'routingStatus'],
    });
    expectModel(page, 'UserEntityListing');
    expect(page).toMatchObject({ pageSize: 5, pageNumber: 2, total: 12, pageCount: 3 });
    expect(page.entities!.map((u) => u.id)).toEqual(users.slice(5, 10));
    expect(page.entities![0]!.presence!.presenceDefinition!.id).toEqual(expect.any(String));
    const byId = await usersApi.getUsers({ id: users.slice(0, 3), expand: ['presence'] });
    expect(byId.entities!.map((u) => u.id)).toEqual(users.slice(0, 3));
    const one = await usersApi.getUser(users[0]!, { expand: ['presence', 'routingStatus'] });
    expectModel(one, 'User');
    expect(one.routingStatus!.userId).toBe(users[0]);
  });

  it('reads presence definitions on both paths (OrganizationPresenceDefinition, OrganizationPresence, SystemPresence)', async () => {
    const modern = await presenceApi.getPresenceDefinitions0();
    expectModel(modern, 'OrganizationPresenceDefinitionEntityListing');
    expect(modern.entities!.find((d) => d.id === ON_QUEUE)!.systemPresence).toBe('OnQueue');
    expectModel(await presenceApi.getPresenceDefinition0(BREAK), 'OrganizationPresenceDefinition');
    const legacy = await presenceApi.getPresencedefinitions({ pageSize: 100 });
    expectModel(legacy, 'OrganizationPresenceEntityListing');
    expect(legacy.entities!.find((d) => d.id === ON_QUEUE)!.systemPresence).toBe('On Queue');
    expectModel(await presenceApi.getPresencedefinition(ON_QUEUE), 'OrganizationPresence');
    const system = await presenceApi.getSystempresences();
    expectModel(system, 'SystemPresence');
    expect(system).toHaveLength(10);
  });

  it('reads and PATCHes one user presence (UserPresence) and reads routing status (RoutingStatus)', async () => {
    const before = await presenceApi.getUserPresencesPurecloud(users[1]!);
    expectModel(before, 'UserPresence');
    const patched = await presenceApi.patchUserPresencesPurecloud(users[1]!, {
      presenceDefinition: { id: ON_QUEUE },
      message: 'from the SDK',
    });
    expectModel(patched, 'UserPresence');
    expect(patched).toMatchObject({
      presenceDefinition: { id: ON_QUEUE },
      message: 'from the SDK',
      primary: true,
    });
    const routing = await usersApi.getUserRoutingstatus(users[1]!);
    expectModel(routing, 'RoutingStatus');
    expect(routing.status).toBe('IDLE');
  });

  it('reads presences in bulk with the SDK-joined id list and writes them with PUT bulk', async () => {
    const bulk = await presenceApi.getUsersPresencesPurecloudBulk({ id: users.slice(0, 10) });
    expectModel(bulk, 'UcUserPresence');
    expect(bulk.map((p) => p.userId)).toEqual(users.slice(0, 10));
    const written = await presenceApi.putUsersPresencesBulk(
      users.slice(0, 4).map((id) => ({ id, presenceDefinition: { id: BREAK } })),
    );
    expectModel(written, 'UserPresence');
    expect(written.map((p) => p.presenceDefinition!.id)).toEqual([BREAK, BREAK, BREAK, BREAK]);
  });

  it('gets Genesys errors as the ErrorBody model, including 429 with the normalised code', async () => {
    const notFound = await presenceApi.getUserPresencesPurecloud('ghost').then(
      () => undefined,
      (err: unknown) => err,
    );
    expectModel(notFound, 'ErrorBody');
    expect(notFound).toMatchObject({ status: 404, code: 'not.found' });
    const tooMany = await presenceApi
      .getUsersPresencesPurecloudBulk({ id: Array.from({ length: 51 }, (_, i) => `u${i}`) })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(tooMany).toMatchObject({ status: 400, code: 'bad.request' });
    emu.admin.setFaults({ rateLimitStorm: true });
    const limited = await usersApi.getUsers().then(
      () => undefined,
      (err: unknown) => err,
    );
    emu.admin.setFaults({ rateLimitStorm: false });
    expectModel(limited, 'ErrorBody');
    expect(limited).toMatchObject({ status: 429, code: 'too.many.requests.retry.after' });
  });

  it('reads WFM business units, the agent management unit and activity codes', async () => {
    const units = await wfmApi.getWorkforcemanagementBusinessunits();
    expectModel(units, 'BusinessUnitListing');
    const unit = await wfmApi.getWorkforcemanagementBusinessunit(buId, { expand: ['settings.timeZone'] });
    expect(unit.settings!.timeZone).toBe('America/New_York');
    const errors: string[] = [];
    checkModel({ ...unit, settings: undefined }, 'BusinessUnitResponse', 'BusinessUnitResponse', errors);
    expect(errors).toEqual([]);
    const mu = await wfmApi.getWorkforcemanagementAgentManagementunit(users[2]!);
    expectModel(mu, 'AgentManagementUnitReference');
    expect(mu.businessUnit!.id).toBe(buId);
    const codes = await wfmApi.getWorkforcemanagementBusinessunitActivitycodes(buId);
    expectModel(codes, 'BusinessUnitActivityCodeListing');
    expectModel(
      await wfmApi.getWorkforcemanagementBusinessunitActivitycode(buId, codes.entities![0]!.id),
      'BusinessUnitActivityCode',
    );
  });

  it('searches agent schedules on the BU and MU routes, inline and with forceDownloadService', async () => {
    const body = {
      startDate: new Date(Date.now() - 86_400_000).toISOString(),
      endDate: new Date(Date.now() + 2 * 86_400_000).toISOString(),
      userIds: users.slice(0, 6),
    };
    const inline = await wfmApi.postWorkforcemanagementBusinessunitAgentschedulesSearch(buId, body);
    expectModel(inline, 'BuAsyncAgentSchedulesSearchResponse');
    expect(inline.status).toBe('Complete');
    expect(inline.result!.agentSchedules!.some((a) => (a.shifts ?? []).length > 0)).toBe(true);
    const download = await wfmApi.postWorkforcemanagementBusinessunitAgentschedulesSearch(buId, body, {
      forceDownloadService: true,
    });
    expect(download.downloadUrl).toEqual(expect.stringContaining('/downloads/wfm/'));
    const document = (await (await fetch(download.downloadUrl!)).json()) as unknown;
    expectModel(document, 'BuAgentSchedulesSearchResponse');
    const muId = emu.admin.org().managementUnits[0]!.id;
    const mu = await wfmApi.postWorkforcemanagementManagementunitAgentschedulesSearch(muId, body);
    expectModel(mu, 'BuAsyncAgentSchedulesSearchResponse');
  });

  it('queries analytics user details (AnalyticsUserDetailsQueryResponse)', async () => {
    const now = Date.now();
    const details = await analyticsApi.postAnalyticsUsersDetailsQuery({
      interval: `${new Date(now - 3_600_000).toISOString()}/${new Date(now + 60_000).toISOString()}`,
      userFilters: [{ type: 'or', predicates: [{ dimension: 'userId', value: users[1]! }] }],
      order: 'asc',
      paging: { pageSize: 10, pageNumber: 1 },
    });
    expectModel(details, 'AnalyticsUserDetailsQueryResponse');
    expect(details.totalHits).toBe(1);
    expect(details.userDetails![0]!.primaryPresence!.map((p) => p.systemPresence)).toContain('ON_QUEUE');
  });

  it('creates a channel, manages subscriptions and receives events on its connectUri', async () => {
    const channel = await notificationsApi.postNotificationsChannels();
    expectModel(channel, 'Channel');
    await expect(notificationsApi.headNotificationsChannel(channel.id!)).resolves.toBeUndefined();
    const put = await notificationsApi.putNotificationsChannelSubscriptions(channel.id!, [
      { id: `v2.users.${users[3]}.presence` },
    ]);
    expectModel(put, 'ChannelTopicEntityListing');
    await notificationsApi.postNotificationsChannelSubscriptions(channel.id!, [
      { id: `v2.users.${users[3]}.routingStatus` },
    ]);
    const listed = await notificationsApi.getNotificationsChannelSubscriptions(channel.id!);
    expect(listed.entities!.map((t) => t.id)).toHaveLength(2);
    expectModel(await notificationsApi.getNotificationsChannels(), 'ChannelEntityListing');

    const socket = await openChannelSocket(channel.connectUri!);
    try {
      await presenceApi.patchUserPresencesPurecloud(users[3]!, { presenceDefinition: { id: ON_QUEUE } });
      await socket.waitFor((f) => f.topicName === `v2.users.${users[3]}.presence`);
      await socket.waitFor((f) => f.topicName === `v2.users.${users[3]}.routingStatus`);
    } finally {
      await socket.close();
    }
    await notificationsApi.deleteNotificationsChannelSubscriptions(channel.id!);
    expect((await notificationsApi.getNotificationsChannelSubscriptions(channel.id!)).entities).toEqual([]);
    // A HEAD 404 has no body, so the SDK rejects with an empty reason.
    const head404 = await notificationsApi.headNotificationsChannel('no-such-channel').then(
      () => 'resolved',
      () => 'rejected',
    );
    expect(head404).toBe('rejected');
  });
});
