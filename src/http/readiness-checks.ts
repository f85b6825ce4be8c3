import type { BreakerState } from '../metrics';
import type { ReadinessCheck } from './readiness';

/** Redis answers PING (the producer connection: it fails fast when Redis is away). */
export function redisReadiness(redis: { ping(): Promise<string> }, name = 'redis'): ReadinessCheck {
  return {
    name,
    async check() {
      await redis.ping();
    },
  };
}

/** The Genesys circuit breaker is not open (half-open counts as ready: the trial call needs traffic). */
export function breakerReadiness(state: () => BreakerState): ReadinessCheck {
  return {
    name: 'genesys-breaker',
    async check() {
      const now = state();
      if (now === 'open') {
        throw new Error('the Genesys circuit breaker is open');
      }
      return now;
    },
  };
}

/** A Genesys token can be obtained (normally from the shared Redis cache, without a login call). */
export function tokenReadiness(getToken: () => Promise<unknown>): ReadinessCheck {
  return {
    name: 'genesys-token',
    async check() {
      await getToken();
    },
  };
}
