// /docs: Swagger UI, and the OpenAPI document at /docs/json and /docs/yaml.
//
// On the first /docs request, the OpenAPI document is built (app.ts:
// @fastify/swagger over the same routes on an app that never listens) and
// Swagger UI, @fastify/static and the UI's assets are served from it by
// @fastify/swagger-ui in a second fastify instance: an idle daemon on a
// gateway holds none of them (docs/performance.md). /docs needs no token
// (auth.ts: AUTH_EXEMPT_ROUTES), so a browser opens it: the document says what
// the API is, never what it holds.
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { loadOnce } from '../load-once.js';

export function docsRoutes(app: FastifyInstance, openApiDocument: () => Promise<unknown>): void {
  const docsApp = loadOnce(async (): Promise<FastifyInstance> => {
    const [{ default: swagger }, { default: swaggerUi }, document] = await Promise.all([import('@fastify/swagger'), import('@fastify/swagger-ui'), openApiDocument()]);
    const docs = Fastify({ loggerInstance: app.log, logController: new LogController({ disableRequestLogging: true }) });
    await docs.register(swagger, { mode: 'static', specification: { document: document as never } });
    await docs.register(swaggerUi, { routePrefix: '/docs' });
    await docs.ready();
    return docs;
  });
  const serve = async (req: FastifyRequest, reply: FastifyReply) => {
    const docs = await docsApp();
    reply.hijack();
    docs.routing(req.raw, reply.raw);
  };
  for (const url of ['/docs', '/docs/*']) app.get(url, { schema: { hide: true } }, serve);
}
