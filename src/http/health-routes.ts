import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics';
import { evaluateReadiness, type ReadinessCheck } from './readiness';

export interface HealthRoutesOptions {
  readiness: readonly ReadinessCheck[];
  readinessTimeoutMs: number;
  metrics: Metrics;
}

/** `/healthz` (the process answers), `/readyz` (its dependencies do), `/metrics` (Prometheus). No auth. */
export async function healthRoutes(app: FastifyInstance, opts: HealthRoutesOptions): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) }));

  app.get('/readyz', async (_request, reply) => {
    const readiness = await evaluateReadiness(opts.readiness, opts.readinessTimeoutMs);
    return reply.code(readiness.status === 'ready' ? 200 : 503).send(readiness);
  });

  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await opts.metrics.render();
    return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
  });
}
