// /docs: Swagger UI, and the OpenAPI document at /docs/json and /docs/yaml.
//
// @fastify/swagger (registered in app.ts) collects every route's schema as
// the app is built. Swagger UI, @fastify/static and the UI's assets are
// served by @fastify/swagger-ui in a second fastify instance, built on the
// first /docs request from that collected document: an idle daemon on a
// gateway does not hold them (docs/performance.md). Requests reach it after
// the main app's onRequest hook, so /docs sits behind the bearer token like
// every route but /healthz.
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { loadOnce } from '../load-once.js';

export function docsRoutes(app: FastifyInstance): void {
  const docsApp = loadOnce(async (): Promise<FastifyInstance> => {
    const [{ default: swagger }, { default: swaggerUi }] = await Promise.all([import('@fastify/swagger'), import('@fastify/swagger-ui')]);
    const docs = Fastify({ loggerInstance: app.log, logController: new LogController({ disableRequestLogging: true }) });
    await docs.register(swagger, { mode: 'static', specification: { document: app.swagger() as never } });
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
