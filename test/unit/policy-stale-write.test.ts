import { alreadyInPresence, checkStaleWrite } from '../../src/policy/stale-write';

const T = Date.parse('2026-03-30T10:00:00.000Z');
const at = (offsetMs: number) => new Date(T + offsetMs).toISOString();

describe('checkStaleWrite', () => {
  test.each([
    ['no current presence known', undefined, undefined, false, 'unknown-current'],
    ['current presence without modifiedDate', { presenceId: 'p1' }, undefined, false, 'unknown-current'],
    [
      'modified before the request',
      { presenceId: 'p1', modifiedDate: at(-1) },
      undefined,
      false,
      'not-modified-since-request',
    ],
    [
      'modified exactly at the request',
      { presenceId: 'p1', modifiedDate: at(0) },
      undefined,
      false,
      'not-modified-since-request',
    ],
    [
      'modified after the request by someone else',
      { presenceId: 'p1', modifiedDate: at(5_000) },
      undefined,
      true,
      undefined,
    ],
    [
      'modified after the request by our own earlier write',
      { presenceId: 'p1', modifiedDate: at(5_000) },
      { presenceId: 'p1', modifiedDate: at(5_000) },
      false,
      'own-write',
    ],
    [
      'our write, Genesys rounding within tolerance',
      { presenceId: 'p1', modifiedDate: at(5_400) },
      { presenceId: 'p1', modifiedDate: at(5_000) },
      false,
      'own-write',
    ],
    [
      'someone changed it after our write',
      { presenceId: 'p2', modifiedDate: at(9_000) },
      { presenceId: 'p1', modifiedDate: at(5_000) },
      true,
      undefined,
    ],
    [
      'same presence re-set long after our write',
      { presenceId: 'p1', modifiedDate: at(9_000) },
      { presenceId: 'p1', modifiedDate: at(5_000) },
      true,
      undefined,
    ],
  ])('%s', (_name, current, lastServiceWrite, stale, reason) => {
    const verdict = checkStaleWrite({ requestedAtMs: T, current, lastServiceWrite });
    expect(verdict.stale).toBe(stale);
    if (!verdict.stale) {
      expect(verdict.reason).toBe(reason);
    } else {
      expect(verdict.detail).toMatch(/by someone else/);
    }
  });
});

describe('alreadyInPresence', () => {
  test('true only for the same presence with no message to set', () => {
    expect(alreadyInPresence({ presenceId: 'p1' }, 'p1', undefined)).toBe(true);
    expect(alreadyInPresence({ presenceId: 'p1' }, 'p1', 'back soon')).toBe(false);
    expect(alreadyInPresence({ presenceId: 'p2' }, 'p1', undefined)).toBe(false);
    expect(alreadyInPresence(undefined, 'p1', undefined)).toBe(false);
  });
});
