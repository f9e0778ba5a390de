import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { documentReply, errors, type ContractSchemas } from '../schema-helpers.js';

export function postureRoutes(app: FastifyInstance, ctx: ApiContext, documents: ContractSchemas | null): void {
  app.get(
    '/v1/posture',
    {
      schema: {
        summary: 'Latest result per control and resource across finished runs, with findings and the summary',
        tags: ['posture'],
        response: { ...documentReply(documents?.PostureView), ...errors(401) },
      },
    },
    async (_req, reply) => {
      // Served from the posture cache as pre-serialized JSON: this is the polled route.
      return reply.type('application/json; charset=utf-8').send(ctx.posture.json());
    },
  );
}
