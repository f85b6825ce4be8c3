import { existsSync } from 'node:fs';
import type { StartedTestContainer } from 'testcontainers';

/**
 * Real Redis and PostgreSQL for the integration and e2e tiers: from testcontainers when a Docker engine answers
 * and the caller did not choose servers; otherwise (no Docker, or REDIS_URL / AUDIT_DATABASE_URL set) the tests use
 * those URLs or the local defaults (see test/helpers/redis.ts and postgres.ts).
 */
const holder = globalThis as typeof globalThis & { __testContainers?: StartedTestContainer[] };

function dockerEngineConfigured(): boolean {
  const host = process.env.DOCKER_HOST;
  if (host !== undefined && host !== '') {
    return true;
  }
  return existsSync('/var/run/docker.sock');
}

export default async function globalSetup(): Promise<void> {
  const wantRedis = process.env.REDIS_URL === undefined;
  const wantPostgres = process.env.AUDIT_DATABASE_URL === undefined;
  if ((!wantRedis && !wantPostgres) || !dockerEngineConfigured()) {
    return;
  }
  const started: StartedTestContainer[] = [];
  try {
    if (wantRedis) {
      const { RedisContainer } = await import('@testcontainers/redis');
      const redis = await new RedisContainer('redis:7-alpine').start();
      started.push(redis);
      process.env.REDIS_URL = redis.getConnectionUrl();
    }
    if (wantPostgres) {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const pg = await new PostgreSqlContainer('postgres:16-alpine').start();
      started.push(pg);
      process.env.AUDIT_DATABASE_URL = pg.getConnectionUri();
    }
    holder.__testContainers = started;
  } catch (err) {
    // The engine is configured but does not work: fall back to the local services, and say so.
    await Promise.all(started.map((c) => c.stop().catch(() => undefined)));
    if (wantRedis) {
      delete process.env.REDIS_URL;
    }
    if (wantPostgres) {
      delete process.env.AUDIT_DATABASE_URL;
    }
    process.stderr.write(
      `testcontainers unavailable (${err instanceof Error ? err.message : String(err)}); using the local Redis/PostgreSQL\n`,
    );
  }
}
