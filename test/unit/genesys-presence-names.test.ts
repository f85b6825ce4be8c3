import {
  PresenceCatalog,
  type PresenceDefinition,
  presenceKey,
  resolvePresenceIn,
  toSystemPresence,
} from '../../src/genesys/presence-names';

const def = (over: Partial<PresenceDefinition> & { id: string }): PresenceDefinition => ({
  name: over.id,
  systemPresence: undefined,
  systemPresenceRaw: undefined,
  primary: false,
  deactivated: false,
  labels: {},
  ...over,
});

const ON_QUEUE = 'e08eaf1b-ee47-4fa9-a231-1200e284798f';
const BREAK = '227b37e2-f1d0-4dd0-8f50-badd7cf6d158';
const AVAILABLE = '6a3af858-942f-489d-9700-5f9bcdcdae9b';

const definitions: PresenceDefinition[] = [
  def({
    id: ON_QUEUE,
    name: 'On Queue',
    systemPresence: 'ON_QUEUE',
    primary: true,
    labels: { en_US: 'On Queue' },
  }),
  def({
    id: BREAK,
    name: 'Break',
    systemPresence: 'BREAK',
    primary: true,
    labels: { en_US: 'Break', de: 'Pause' },
  }),
  def({ id: AVAILABLE, name: 'Available', systemPresence: 'AVAILABLE', primary: true }),
  def({ id: 'sec-lunch', name: 'Lunch', systemPresence: 'MEAL', labels: { en_US: 'Lunch' } }),
  def({ id: 'sec-coffee', name: 'Coffee', systemPresence: 'BREAK' }),
  def({ id: 'sec-remote-1', name: 'Remote', systemPresence: 'AVAILABLE' }),
  def({ id: 'sec-remote-2', name: 'Remote', systemPresence: 'BUSY' }),
  def({ id: 'sec-old', name: 'Old status', systemPresence: 'AWAY', deactivated: true }),
];

describe('presence name normalisation', () => {
  it.each(['OnQueue', 'On Queue', 'ON_QUEUE', 'on_queue', 'on-queue', ' on queue '])(
    '%p → ON_QUEUE',
    (name) => {
      expect(toSystemPresence(name)).toBe('ON_QUEUE');
      expect(presenceKey(name)).toBe('onqueue');
    },
  );

  it.each([
    ['Available', 'AVAILABLE'],
    ['BREAK', 'BREAK'],
    ['meal', 'MEAL'],
    ['Idle', 'IDLE'],
    ['Out of Office', undefined],
    [undefined, undefined],
  ])('%p → %p', (name, expected) => {
    expect(toSystemPresence(name)).toBe(expected);
  });
});

describe('resolvePresenceIn', () => {
  it.each([
    ['an id', ON_QUEUE, ON_QUEUE],
    ['an id in another case', ON_QUEUE.toUpperCase(), ON_QUEUE],
    ['the analytics spelling', 'ON_QUEUE', ON_QUEUE],
    ['the new-API spelling', 'OnQueue', ON_QUEUE],
    ['the legacy spelling', 'On Queue', ON_QUEUE],
    ['a system presence with secondaries of the same system presence', 'Break', BREAK],
    ['a secondary label', 'lunch', 'sec-lunch'],
    ['a secondary label in another spelling', 'COFFEE', 'sec-coffee'],
    ['a language label', 'Pause', BREAK],
  ])('finds %s', (_name, input, id) => {
    const r = resolvePresenceIn(definitions, input);
    expect(r.kind).toBe('found');
    expect(r.kind === 'found' ? r.definition.id : undefined).toBe(id);
  });

  it('reports a label shared by two secondary definitions as ambiguous', () => {
    const r = resolvePresenceIn(definitions, 'Remote');
    expect(r.kind).toBe('ambiguous');
    expect(r.kind === 'ambiguous' ? r.candidates.map((c) => c.id).sort() : []).toEqual([
      'sec-remote-1',
      'sec-remote-2',
    ]);
  });

  it('reports a deactivated definition by id and does not find it by name', () => {
    expect(resolvePresenceIn(definitions, 'sec-old').kind).toBe('deactivated');
    expect(resolvePresenceIn(definitions, 'Old status').kind).toBe('unknown');
  });

  it('reports unknown names and empty input', () => {
    expect(resolvePresenceIn(definitions, 'Sleeping').kind).toBe('unknown');
    expect(resolvePresenceIn(definitions, '  ').kind).toBe('unknown');
  });

  it('uses the only definition of a system presence when none is flagged primary', () => {
    const r = resolvePresenceIn([def({ id: 'x', name: 'Meal', systemPresence: 'MEAL' })], 'MEAL');
    expect(r.kind === 'found' ? r.definition.id : r.kind).toBe('x');
  });
});

describe('PresenceCatalog', () => {
  function catalog(loads: Array<PresenceDefinition[] | Error>, ttlMs = 1_000) {
    let clock = 0;
    let calls = 0;
    const c = new PresenceCatalog({
      load: async () => {
        const next = loads[Math.min(calls, loads.length - 1)]!;
        calls += 1;
        if (next instanceof Error) {
          throw next;
        }
        return next;
      },
      ttlMs,
      missReloadMs: 100,
      now: () => clock,
    });
    return {
      c,
      calls: () => calls,
      advance: (ms: number) => {
        clock += ms;
      },
    };
  }

  it('loads once for concurrent callers and serves from cache within the TTL', async () => {
    const t = catalog([definitions]);
    const found = await Promise.all([t.c.resolve('On Queue'), t.c.resolve('BREAK'), t.c.resolve(AVAILABLE)]);
    expect(found.map((d) => d?.id)).toEqual([ON_QUEUE, BREAK, AVAILABLE]);
    t.advance(500);
    await t.c.resolve('Lunch');
    expect(t.calls()).toBe(1);
  });

  it('reloads after the TTL', async () => {
    const t = catalog([definitions]);
    await t.c.resolve('On Queue');
    t.advance(1_001);
    await t.c.resolve('On Queue');
    expect(t.calls()).toBe(2);
  });

  it('reloads once on a miss when the list is older than the miss interval, finding new definitions', async () => {
    const added = [...definitions, def({ id: 'new-one', name: 'Coaching', systemPresence: 'BUSY' })];
    const t = catalog([definitions, added]);
    expect(await t.c.resolve('Coaching')).toBeUndefined();
    expect(t.calls()).toBe(1);
    t.advance(150);
    expect((await t.c.resolve('Coaching'))?.id).toBe('new-one');
    expect(t.calls()).toBe(2);
  });

  it('keeps serving the cached list when a reload fails', async () => {
    const t = catalog([definitions, new Error('Genesys down')]);
    await t.c.resolve('On Queue');
    t.advance(2_000);
    expect((await t.c.resolve('On Queue'))?.id).toBe(ON_QUEUE);
  });

  it('fails when the first load fails', async () => {
    const t = catalog([new Error('Genesys down')]);
    await expect(t.c.resolve('On Queue')).rejects.toThrow('Genesys down');
  });
});
