import { PresenceLeaseKeeper } from '../../src/workers/presence-lease-keeper';

function keeperWith(renew: (leases: ReadonlyArray<{ userId: string; token: string }>) => Promise<string[]>) {
  const warnings: unknown[] = [];
  const keeper = new PresenceLeaseKeeper({ renew }, 3_000, { warn: (obj: unknown) => warnings.push(obj) });
  return { keeper, warnings };
}

describe('PresenceLeaseKeeper', () => {
  it('warns about a lease that is gone while its change is still held', async () => {
    const { keeper, warnings } = keeperWith(async () => ['u1']);
    keeper.hold('u1', 't1');
    await keeper.renewAll();
    expect(warnings).toEqual([{ users: 1 }]);
  });

  it('does not warn about a lease released by a change that finished while the renewal ran', async () => {
    const { keeper, warnings } = keeperWith(async () => {
      keeper.drop('u1', 't1');
      return ['u1'];
    });
    keeper.hold('u1', 't1');
    keeper.hold('u2', 't2');
    await keeper.renewAll();
    expect(warnings).toEqual([]);
  });

  it('does not warn when the agent is held again under a new token by then', async () => {
    const { keeper, warnings } = keeperWith(async () => {
      keeper.drop('u1', 't1');
      keeper.hold('u1', 't9');
      return ['u1'];
    });
    keeper.hold('u1', 't1');
    await keeper.renewAll();
    expect(warnings).toEqual([]);
  });
});
