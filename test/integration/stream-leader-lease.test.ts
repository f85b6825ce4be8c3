import { once, EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { LeaderElector, LeaderLease } from '../../src/leader-lease';
import { deleteKeys, testRedis, uniquePrefix } from '../helpers/redis';

const logger = pino({ level: 'silent' });

interface Candidate {
  name: string;
  redis: Redis;
  lease: LeaderLease;
  elector: LeaderElector;
  events: EventEmitter;
}

function candidate(name: string, prefix: string, ttlMs: number): Candidate {
  const redis = testRedis();
  const lease = new LeaderLease(redis, { prefix, name: 'stream', ttlMs, ownerId: name });
  const events = new EventEmitter();
  const elector = new LeaderElector(lease, {
    ttlMs,
    logger,
    onElected: async (token) => {
      events.emit('elected', token);
    },
    onDemoted: async (reason) => {
      events.emit('demoted', reason);
    },
  });
  return { name, redis, lease, elector, events };
}

describe('stream leader lease', () => {
  let prefix: string;
  const candidates: Candidate[] = [];
  let admin: Redis;

  beforeEach(() => {
    prefix = uniquePrefix('lease');
    admin = testRedis();
  });

  afterEach(async () => {
    for (const c of candidates.splice(0)) {
      await c.elector.stop().catch(() => undefined);
      if (c.redis.status === 'ready') {
        await c.redis.quit();
      } else {
        c.redis.disconnect();
      }
    }
    await deleteKeys(admin, prefix.replace(/[{}]/g, ''));
    await admin.quit();
  });

  it('gives the lease to one holder at a time with strictly increasing fencing tokens', async () => {
    const a = new LeaderLease(admin, { prefix, name: 'x', ttlMs: 5_000, ownerId: 'a' });
    const b = new LeaderLease(admin, { prefix, name: 'x', ttlMs: 5_000, ownerId: 'b' });
    const ta = await a.tryAcquire();
    expect(ta).toBeGreaterThan(0);
    expect(await b.tryAcquire()).toBeUndefined();
    expect(await b.renew(ta as number)).toBe(false);
    expect(await a.renew(ta as number)).toBe(true);
    await b.release(ta as number); // not b's: no effect
    expect(await a.holder()).toEqual({ ownerId: 'a', token: ta });
    await a.release(ta as number);
    const tb = await b.tryAcquire();
    expect(tb).toBe((ta as number) + 1);
  });

  it('elects exactly one of three candidates, and a standby takes over within seconds when the leader dies', async () => {
    const ttlMs = 1_000;
    for (const name of ['a', 'b', 'c']) {
      candidates.push(candidate(name, prefix, ttlMs));
    }
    const elected: { name: string; token: number }[] = [];
    for (const c of candidates) {
      c.events.on('elected', (token: number) => elected.push({ name: c.name, token }));
    }
    await Promise.all(candidates.map((c) => c.elector.start()));
    expect(elected).toHaveLength(1);
    const leader = candidates.find((c) => c.elector.isLeader) as Candidate;
    expect(candidates.filter((c) => c.elector.isLeader)).toHaveLength(1);

    // The leader's process dies: its connection is gone and it never renews or releases.
    const diedAt = Date.now();
    const takeover = Promise.race(
      candidates.filter((c) => c !== leader).map((c) => once(c.events, 'elected').then(([t]) => ({ c, t }))),
    );
    const leaderDemoted = once(leader.events, 'demoted');
    leader.redis.disconnect();
    const { c: next, t: token } = await takeover;
    expect(Date.now() - diedAt).toBeLessThan(3 * ttlMs);
    expect(next).not.toBe(leader);
    expect(token).toBeGreaterThan(elected[0]?.token ?? Infinity);
    // The cut-off former leader steps down by itself before its lease could still be valid.
    expect(await leaderDemoted).toEqual(['unreachable']);
    expect(candidates.filter((c) => c.elector.isLeader)).toEqual([next]);
  });

  it('hands over at once when the leader stops gracefully', async () => {
    const ttlMs = 2_000;
    const a = candidate('a', prefix, ttlMs);
    const b = candidate('b', prefix, ttlMs);
    candidates.push(a, b);
    await a.elector.start();
    await b.elector.start();
    expect(a.elector.isLeader).toBe(true);
    const started = Date.now();
    const takeover = once(b.events, 'elected');
    await a.elector.stop();
    await takeover;
    expect(Date.now() - started).toBeLessThan(ttlMs);
  });
});
