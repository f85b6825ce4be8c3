import { ensureDemoRedis, redisAnswers } from '../../src/demo/private-redis';
import { testRedisUrl } from '../helpers/redis';

describe('the demo Redis', () => {
  it('uses the Redis at REDIS_URL when it answers', async () => {
    const redis = await ensureDemoRedis(testRedisUrl());
    expect(redis).toMatchObject({ url: testRedisUrl(), privateServer: false });
    await redis.stop();
    expect(await redisAnswers(testRedisUrl())).toBe(true);
  });

  it('starts a private redis-server when none answers, and stops it', async () => {
    const redis = await ensureDemoRedis('redis://127.0.0.1:1');
    try {
      expect(redis.privateServer).toBe(true);
      expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
      expect(redis.url).not.toBe(testRedisUrl());
      expect(await redisAnswers(redis.url)).toBe(true);
    } finally {
      await redis.stop();
    }
    expect(await redisAnswers(redis.url, 300)).toBe(false);
  });

  it('says what to do when no Redis answers and redis-server cannot be found', async () => {
    await expect(ensureDemoRedis('redis://127.0.0.1:1', 'redis-server-that-does-not-exist')).rejects.toThrow(
      /redis-server is not installed/,
    );
  });
});
