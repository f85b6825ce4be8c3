import type { Redis } from 'ioredis';
import { run } from '../../src/cli/timesheet-command';
import { SegmentStore } from '../../src/timetracking/segment-store';
import type { Transition } from '../../src/timetracking/transition';
import { deleteKeys, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis';

const DAY = 86_400_000;

describe('presence-worker timesheet', () => {
  let redis: Redis;
  let prefix: string;
  const saved = { ...process.env };
  let out: string[];
  let err: string[];

  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix('tt-cli');
    process.env.REDIS_URL = testRedisUrl();
    process.env.QUEUE_PREFIX = prefix;
    delete process.env.TIMESHEET_TIME_ZONE;
    delete process.env.GENESYS_CLIENT_ID;
    out = [];
    err = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err.push(String(chunk));
      return true;
    });
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    process.env = { ...saved };
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  async function seed(): Promise<string> {
    const midnight = Math.floor(Date.now() / DAY) * DAY - 2 * DAY; // a UTC day two days back
    const store = new SegmentStore(redis, { prefix, retentionMs: 45 * DAY });
    const mk = (ms: number, s: string): Transition => ({
      kind: 'presence',
      userId: 'agent-1',
      start: new Date(ms).toISOString(),
      presenceDefinitionId: `def-${s}`,
      systemPresence: s,
      source: 'stream',
    });
    for (const t of [
      mk(midnight + 8 * 3_600_000, 'ON_QUEUE'),
      mk(midnight + 12 * 3_600_000, 'MEAL'),
      mk(midnight + 12.5 * 3_600_000, 'OFFLINE'),
    ]) {
      await store.record(t);
    }
    return new Date(midnight).toISOString().slice(0, 10);
  }

  it('prints the CSV totals of a day in the given time zone', async () => {
    const date = await seed();
    const code = await run(['--date', date, '--time-zone', 'UTC']);
    expect(err.join('')).toBe('');
    expect(code).toBe(0);
    const lines = out.join('').trim().split('\n');
    expect(lines).toEqual([
      'date,time_zone,user_id,kind,state,presence_definition_id,seconds,milliseconds',
      `${date},UTC,agent-1,presence,MEAL,def-MEAL,1800,1800000`,
      `${date},UTC,agent-1,presence,OFFLINE,def-OFFLINE,41400,41400000`,
      `${date},UTC,agent-1,presence,ON_QUEUE,def-ON_QUEUE,14400,14400000`,
    ]);
  });

  it('prints the segments as JSONL, and defaults to UTC without a zone or Genesys', async () => {
    const date = await seed();
    expect(await run(['--date', date, '--format', 'jsonl'])).toBe(0);
    const rows = out
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { state: string; end: string });
    expect(rows.map((r) => r.state)).toEqual(['ON_QUEUE', 'MEAL', 'OFFLINE']);
    expect(rows[2]?.end).toBe(new Date(Date.parse(`${date}T00:00:00Z`) + DAY).toISOString());
  });

  it('refuses a bad date, format or zone with exit code 2', async () => {
    expect(await run(['--date', '2026-02-30'])).toBe(2);
    expect(await run(['--date', '2026-02-03', '--format', 'xml'])).toBe(2);
    expect(await run(['--date', '2026-02-03', '--time-zone', 'Mars/Olympus'])).toBe(2);
    expect(await run([])).toBe(2);
    expect(err.join('')).toContain('usage:');
  });
});
