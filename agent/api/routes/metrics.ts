import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { errors } from '../schemas.js';

export function metricsRoutes(app: FastifyInstance, registry: Registry): void {
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus text format (see agent/api/metrics.ts for the series)', tags: ['daemon'], produces: ['text/plain'], response: { 200: { type: 'string' }, ...errors(401) } } },
    async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
}
