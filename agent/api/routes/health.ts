import type { FastifyInstance } from 'fastify';
import { AGENT_VERSION } from '../../version.js';
import type { ApiContext } from '../context.js';
import { Health } from '../schemas.generated.js';

/**
 * Liveness without a token: says that the daemon answers, whether a run is in
 * flight, and `degraded` with the reason while the store cannot be written
 * (still 200: the daemon is alive and serves the last posture).
 */
export function healthRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/healthz',
    { schema: { summary: 'Liveness (no token needed)', tags: ['daemon'], security: [], response: { 200: Health } } },
    () => {
      const failure = ctx.runs.storeHealth.failure;
      const base = { version: AGENT_VERSION, running: ctx.runs.running?.id ?? null };
      if (!failure) return { status: 'ok' as const, ...base };
      return { status: 'degraded' as const, ...base, reason: `store ${ctx.store.file} cannot be written since ${failure.since} (${failure.operation}: ${failure.reason})` };
    },
  );
}
