import { enqueueVerdict, jobVerdict, type JobState } from '../../src/policy/version-rules';

describe('enqueueVerdict', () => {
  test.each([
    [
      'first request, no expectation',
      { version: 0 },
      undefined,
      { kind: 'accept', version: 1, supersedes: undefined },
    ],
    ['first request expecting 0', { version: 0 }, 0, { kind: 'accept', version: 1, supersedes: undefined }],
    ['expectation matches', { version: 7 }, 7, { kind: 'accept', version: 8, supersedes: undefined }],
    ['expectation behind', { version: 7 }, 6, { kind: 'conflict', currentVersion: 7 }],
    ['expectation ahead', { version: 7 }, 9, { kind: 'conflict', currentVersion: 7 }],
    [
      'open request is superseded',
      { version: 3, openRequestId: 'r3' },
      undefined,
      { kind: 'accept', version: 4, supersedes: 'r3' },
    ],
    [
      'open request in flight is left to its worker',
      { version: 3, openRequestId: 'r3', inFlightRequestId: 'r3' },
      undefined,
      { kind: 'accept', version: 4, supersedes: undefined },
    ],
    [
      'an older request in flight does not protect the open one',
      { version: 3, openRequestId: 'r3', inFlightRequestId: 'r2' },
      3,
      { kind: 'accept', version: 4, supersedes: 'r3' },
    ],
  ])('%s', (_name, state, expected, verdict) => {
    expect(enqueueVerdict(state, expected)).toEqual(verdict);
  });
});

describe('jobVerdict', () => {
  const base: JobState = { jobVersion: 5, desiredVersion: 5, requestStatus: 'pending', lease: 'free' };
  test.each<[string, Partial<JobState>, ReturnType<typeof jobVerdict>]>([
    ['current version, lease free → claim', {}, 'claim'],
    ['request record gone → nothing to do', { requestStatus: 'missing' }, 'missing'],
    ['request already decided → nothing to do', { requestStatus: 'terminal' }, 'terminal'],
    ['decided even if older', { requestStatus: 'terminal', jobVersion: 2 }, 'terminal'],
    ['older version → superseded, no API call', { jobVersion: 4 }, 'superseded'],
    [
      'older version while another change is in flight → still superseded',
      { jobVersion: 4, lease: 'other-request' },
      'superseded',
    ],
    ['the same request in flight elsewhere → wait', { lease: 'same-request' }, 'busy'],
    [
      'older and in flight elsewhere → wait for that worker',
      { jobVersion: 4, lease: 'same-request' },
      'busy',
    ],
    ['another change of the agent in flight → wait', { lease: 'other-request' }, 'busy'],
    ['version above desired (state lost) → ahead', { jobVersion: 6 }, 'ahead'],
  ])('%s', (_name, patch, verdict) => {
    expect(jobVerdict({ ...base, ...patch })).toBe(verdict);
  });
});
