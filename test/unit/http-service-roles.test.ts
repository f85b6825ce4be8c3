import { parseRoles } from '../../src/service/roles';

describe('parseRoles', () => {
  it.each([
    ['api', ['api']],
    ['worker,api', ['api', 'worker']],
    [' stream , scheduler ', ['stream', 'scheduler']],
    ['all', ['api', 'worker', 'stream', 'scheduler']],
    ['api,all', ['api', 'worker', 'stream', 'scheduler']],
    ['API,Worker,api', ['api', 'worker']],
  ])('reads --role %p as %p', (value, roles) => {
    expect(parseRoles(value)).toEqual(roles);
  });

  it('accepts the option given several times', () => {
    expect(parseRoles(['api', 'stream'])).toEqual(['api', 'stream']);
  });

  it.each([[''], ['web'], ['api,web,cron']])('refuses %p naming the unknown roles', (value) => {
    expect(() => parseRoles(value)).toThrow(/role/);
  });
});
