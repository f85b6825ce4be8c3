import type { Redis } from 'ioredis';
import { RateBudget } from '../../src/genesys/rate-budget';
import { deleteKeys, testRedis, uniquePrefix } from '../helpers/redis';

describe('RateBudget (shared in Redis)', () => {
  let redis: Redis;
  let prefix: string;

  beforeAll(() => {
    redis = testRedis();
  });

  beforeEach(() => {
    prefix = uniquePrefix('budget');
  });

  afterEach(async () => {
    await deleteKeys(redis, prefix);
  });

  afterAll(async () => {
    await redis.quit();
  });

  const budget = (limit: number, extra: { windowMs?: number; now?: () => number; scope?: string } = {}) =>
    new RateBudget({ redis, prefix, limit, ...extra });

  it('is shared by every instance: 4 instances racing for 100 units of a 40 budget get exactly 40', async () => {
    const instances = [1, 2, 3, 4].map(() => budget(40));
    const decisions = await Promise.all(
      Array.from({ length: 100 }, (_, i) => instances[i % 4]!.tryAcquire()),
    );

    expect(decisions.filter((d) => d.ok)).toHaveLength(40);
    const refused = decisions.find((d) => !d.ok);
    expect(refused).toBeDefined();
    if (refused !== undefined && !refused.ok) {
      expect(refused.retryAfterMs).toBeGreaterThan(58_000);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
  });

  it('keeps separate budgets per scope (OAuth client)', async () => {
    const a = budget(1, { scope: 'client-a' });
    const b = budget(1, { scope: 'client-b' });
    expect((await a.tryAcquire()).ok).toBe(true);
    expect((await b.tryAcquire()).ok).toBe(true);
    expect((await a.tryAcquire()).ok).toBe(false);
  });

  it('rolls: units come back one window after they were taken', async () => {
    let now = 1_000_000;
    const b = budget(3, { windowMs: 1_000, now: () => now });
    expect((await b.tryAcquire(2)).ok).toBe(true);
    now += 400;
    expect(await b.tryAcquire()).toEqual({ ok: true, remaining: 0 });
    now += 100;
    expect(await b.tryAcquire()).toEqual({ ok: false, retryAfterMs: 500 });
    now += 501;
    expect(await b.tryAcquire(2)).toEqual({ ok: true, remaining: 0 });
    expect(await b.tryAcquire()).toEqual({ ok: false, retryAfterMs: 399 });
  });

  it('peek tells without taking', async () => {
    const b = budget(2);
    expect(await b.peek(2)).toEqual({ ok: true, remaining: 2 });
    expect(await b.peek(2)).toEqual({ ok: true, remaining: 2 });
    await b.tryAcquire(2);
    expect((await b.peek()).ok).toBe(false);
  });

  it('refuses a request larger than the whole budget', async () => {
    await expect(budget(2).tryAcquire(3)).rejects.toThrow(RangeError);
  });

  it('pause makes everybody wait, and a shorter pause never shortens a longer one', async () => {
    let now = 5_000_000;
    const a = budget(100, { now: () => now });
    const b = budget(100, { now: () => now });
    await a.pause(10_000);
    await a.pause(2_000);
    expect(await b.tryAcquire()).toEqual({ ok: false, retryAfterMs: 10_000 });
    now += 10_000;
    expect((await b.tryAcquire()).ok).toBe(true);
  });

  it('acquire waits when the wait fits, and refuses with GENESYS_BUDGET_EXHAUSTED when it does not', async () => {
    const b = budget(1, { windowMs: 150 });
    await b.acquire(1, 0);
    const waited = await b.acquire(1, 1_000);
    expect(waited).toBeGreaterThanOrEqual(100);
    await expect(b.acquire(1, 10)).rejects.toMatchObject({
      code: 'GENESYS_BUDGET_EXHAUSTED',
      retryAfterMs: expect.any(Number),
    });
  });
});
