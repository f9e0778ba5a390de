import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { loadOnce } from '../load-once.js';
import { errors } from '../schema-helpers.js';

/**
 * GET /metrics. The registry is built on the first scrape (`buildRegistry()`
 * is called once): an unmonitored daemon never loads prom-client, a monitored
 * one loads it at its first scrape.
 */
export function metricsRoutes(app: FastifyInstance, buildRegistry: () => Promise<Registry>): void {
  const registry = loadOnce(buildRegistry);
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus text format (see agent/api/metrics.ts for the series)', tags: ['daemon'], produces: ['text/plain'], response: { 200: { type: 'string' }, ...errors(401) } } },
    async (_req, reply) => {
      const reg = await registry();
      return reply.type(reg.contentType).send(await reg.metrics());
    },
  );
}
