import { checkBatchAnswer, confirmByReadBack } from '../../src/policy/bulk-results';

const asked = [
  { userId: 'a', presenceId: 'p1' },
  { userId: 'b', presenceId: 'p2' },
  { userId: 'c', presenceId: 'p3' },
];

describe('checkBatchAnswer', () => {
  test('users answered with the asked presence are confirmed; missing or different ones are not', () => {
    const check = checkBatchAnswer(asked, [
      { userId: 'a', presenceId: 'p1', modifiedDate: '2026-03-30T10:00:00Z' },
      { userId: 'b', presenceId: 'p9' },
      { userId: 'x', presenceId: 'p3' },
    ]);
    expect([...check.confirmed.keys()]).toEqual(['a']);
    expect(check.unconfirmed).toEqual(['b', 'c']);
  });
});

describe('confirmByReadBack', () => {
  const sent = Date.parse('2026-03-30T10:00:00Z');
  test('a read-back shows which users of an unknown write did get it', () => {
    const check = confirmByReadBack(
      asked,
      [
        { userId: 'a', presenceId: 'p1', modifiedDate: '2026-03-30T10:00:00.200Z' },
        { userId: 'b', presenceId: 'p2', modifiedDate: '2026-03-30T09:00:00Z' },
        { userId: 'c', presenceId: 'p3', modifiedDate: '2026-03-30T09:59:59.500Z' },
      ],
      sent,
    );
    // b shows p2 but from long before the write: it was not our write
    expect([...check.confirmed.keys()]).toEqual(['a', 'c']);
    expect(check.unconfirmed).toEqual(['b']);
  });
});
