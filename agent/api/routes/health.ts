import type { FastifyInstance } from 'fastify';
import { AGENT_VERSION } from '../../version.js';
import type { ApiContext } from '../context.js';
import { Health } from '../schemas.js';

/** Liveness without a token: says only that the daemon answers and whether a run is in flight. */
export function healthRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/healthz',
    { schema: { summary: 'Liveness (no token needed)', tags: ['daemon'], security: [], response: { 200: Health } } },
    async () => ({ status: 'ok' as const, version: AGENT_VERSION, running: ctx.runs.running?.id ?? null }),
  );
}
