import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics';
import { healthRoutes } from './health-routes';
import type { ReadinessCheck } from './readiness';

export interface OpsAppDeps {
  logger: Logger;
  metrics: Metrics;
  readiness: readonly ReadinessCheck[];
  readinessTimeoutMs?: number;
}

/**
 * `/metrics`, `/healthz` and `/readyz` alone, for processes without the api role (workers, stream,
 * scheduler) so Prometheus and orchestrators can reach each of them (METRICS_PORT).
 */
export async function buildOpsApp(deps: OpsAppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'ops-http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
  });
  await app.register(healthRoutes, {
    readiness: deps.readiness,
    readinessTimeoutMs: deps.readinessTimeoutMs ?? 2_000,
    metrics: deps.metrics,
  });
  return app;
}
