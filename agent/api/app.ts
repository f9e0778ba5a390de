// The HTTP API as a fastify app. buildApp() is used by `serve` (which then
// listens) and by tests (which inject() requests without a socket).
//
//   buildSteps = [error shape, auth, routes]
//
// The OpenAPI document at /docs is built on the first /docs request, from the
// same routes registered on a second app (routes/docs.ts): an idle daemon
// does not carry @fastify/swagger or the document (docs/performance.md).
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { LoadedConfig } from '../config/load.js';
import type { RunController } from '../daemon/runs.js';
import { PathauditError, reasonOf } from '../errors.js';
import { silentLogger, type Log } from '../log.js';
import type { BundleCadence } from '../schedule/index.js';
import type { Store } from '../store/index.js';
import { AGENT_VERSION } from '../version.js';
import { bearerAuthHook, FailureLimiter } from './auth.js';
import type { ApiContext } from './context.js';
import { HttpError } from './http-errors.js';
import { API_AJV_OPTIONS, lazyCompilersFactory } from './lazy-compilers.js';
import { RunTally } from './run-tally.js';
import { PostureCache } from './posture.js';
import { docsRoutes } from './routes/docs.js';
import { evidenceRoutes } from './routes/evidence.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { postureRoutes } from './routes/posture.js';
import { runRoutes } from './routes/runs.js';
import type { ContractSchemas } from './schema-helpers.js';
import { BusyError, StoppingError } from '../daemon/runs.js';
import { ErrorReply } from './schemas.generated.js';

export interface AppOptions {
  store: Store;
  /** The config in force (a SIGHUP reload swaps what this returns). */
  config: () => LoadedConfig;
  runs: RunController;
  log?: Log;
  limiter?: FailureLimiter;
  now?: () => Date;
  /** How often each scheduled bundle runs (the daemon's schedules), for /metrics. */
  cadences?: () => BundleCadence[];
  /** Serve HTTPS (api.tls, read and checked by the daemon). */
  https?: { cert: string; key: string; minVersion: 'TLSv1.2' };
  /** fastify's schema compilers; scripts/gen-route-validators.ts records ajv's code through them. */
  compilers?: ReturnType<typeof lazyCompilersFactory>;
}

export interface PathauditApp {
  app: FastifyInstance;
  posture: PostureCache;
}

/** The API token in force: the content of `api.token_file`, or null when none is configured. */
export function apiTokenOf(loaded: LoadedConfig): string | null {
  const file = loaded.config.api?.token_file;
  return file ? loaded.secrets.get(file) : null;
}

const STATUS_OF_CODE: Record<string, number> = {
  PATHAUDIT_ERR_NOT_FOUND: 404,
  PATHAUDIT_ERR_USAGE: 400,
  PATHAUDIT_ERR_CONFIG: 400,
  PATHAUDIT_ERR_BUSY: 409,
  // A bundle the store cannot vouch for (altered store, secret inside) is refused, not a crash.
  PATHAUDIT_ERR_BUNDLE: 409,
  // A store that cannot be written (disk full, read-only) makes runs unavailable, not the daemon broken.
  PATHAUDIT_ERR_STORE: 503,
};

const REASON: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 410: 'Gone', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 500: 'Internal Server Error', 503: 'Service Unavailable' };

/** One reply shape for every error; bad input is always a 4xx naming what was wrong, never a 5xx. */
function replyOf(err: unknown): { statusCode: number; error: string; code?: string; message: string; runningId?: string } {
  if (err instanceof StoppingError) return { statusCode: 503, error: REASON[503]!, code: err.code, message: err.message };
  if (err instanceof BusyError) return { statusCode: 409, error: REASON[409]!, code: err.code, message: err.message, runningId: err.running.id };
  if (err instanceof HttpError) return { statusCode: err.statusCode, error: REASON[err.statusCode] ?? 'Error', code: err.code, message: err.message, ...err.extra };
  if (err instanceof PathauditError) {
    const statusCode = STATUS_OF_CODE[err.code];
    if (statusCode) return { statusCode, error: REASON[statusCode]!, code: err.code, message: [err.message, ...err.problems].join('; ') };
  }
  const fe = err as FastifyError;
  if (fe.validation) return { statusCode: 400, error: REASON[400]!, code: 'PATHAUDIT_ERR_VALIDATION', message: `${fe.validationContext ?? 'request'} ${fe.message.replace(/^(params|querystring|body|headers)[/ ]?/, '')}`.trim() };
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500)
    return { statusCode: fe.statusCode, error: REASON[fe.statusCode] ?? 'Bad Request', code: fe.code, message: fe.message };
  return { statusCode: 500, error: REASON[500]!, code: 'PATHAUDIT_ERR_INTERNAL', message: 'internal error (see the daemon log)' };
}

/**
 * Every route of the API but /docs, on the app that serves them or on the one
 * /docs documents them from (which alone gets the contract documents' schemas:
 * see documentReply).
 */
function registerRoutes(app: FastifyInstance, ctx: ApiContext, buildRegistry: () => Promise<Registry>, documents: ContractSchemas | null): void {
  healthRoutes(app, ctx);
  postureRoutes(app, ctx, documents);
  runRoutes(app, ctx, documents);
  evidenceRoutes(app, ctx, documents);
  metricsRoutes(app, buildRegistry);
}

/**
 * The OpenAPI document of the API: the routes registered on an app that
 * never listens and never compiles a schema, with @fastify/swagger
 * collecting them.
 */
async function openApiDocument(routes: (app: FastifyInstance, documents: ContractSchemas) => void): Promise<unknown> {
  const [{ default: swagger }, documents] = await Promise.all([import('@fastify/swagger'), import('./contract-schemas.generated.js')]);
  const app = Fastify({ schemaController: { compilersFactory: lazyCompilersFactory() } });
  app.addSchema(ErrorReply);
  await app.register(swagger, {
    openapi: {
      info: { title: 'pathaudit agent API', version: AGENT_VERSION, description: 'Posture, runs, evidence and metrics of one gateway path. Bearer token from api.token_file on every route but /healthz and /docs.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  routes(app, documents);
  await app.ready();
  const document = app.swagger();
  await app.close();
  return document;
}

export async function buildApp(opts: AppOptions): Promise<PathauditApp> {
  // Typed as fastify's logger: the app's logger type parameter is inferred
  // from it, and routes are written against FastifyBaseLogger.
  const log: FastifyBaseLogger = opts.log ?? silentLogger();
  const app = Fastify({
    ...(opts.https ? { https: opts.https } : {}),
    loggerInstance: log,
    // Per-request lines at 5,000 req/s would flood journald: errors are logged below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 16 * 1024,
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
    ajv: { customOptions: { ...API_AJV_OPTIONS } },
    // Request validators are precompiled, response serializers compile on a
    // route's first request, not at start (see lazy-compilers.ts).
    schemaController: { compilersFactory: opts.compilers ?? lazyCompilersFactory() },
  });
  const posture = new PostureCache(opts.store, opts.config, opts.now);
  const ctx: ApiContext = { store: opts.store, config: opts.config, runs: opts.runs, posture };
  opts.runs.on('finished', () => posture.invalidate());

  app.addSchema(ErrorReply);
  app.setErrorHandler((err, req, reply) => {
    const body = replyOf(err);
    if (body.statusCode >= 500) req.log.error({ err: reasonOf(err), url: req.url, method: req.method }, 'request failed');
    return reply.code(body.statusCode).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ statusCode: 404, error: 'Not Found', code: 'PATHAUDIT_ERR_NO_ROUTE', message: `no route ${req.method} ${req.url.split('?')[0]!.slice(0, 200)}` }),
  );
  app.addHook('onResponse', (req, reply, done) => {
    if (reply.statusCode >= 400) req.log.info({ method: req.method, url: req.url.split('?')[0], statusCode: reply.statusCode }, 'request refused');
    done();
  });
  app.addHook('onRequest', bearerAuthHook({ token: () => apiTokenOf(opts.config()), limiter: opts.limiter ?? new FailureLimiter() }));

  const tally = new RunTally(opts.runs);
  const routes = (target: FastifyInstance, documents: ContractSchemas | null) =>
    registerRoutes(target, ctx, async () => (await import('./metrics.js')).createMetrics({ store: opts.store, posture, runs: opts.runs, tally, config: opts.config, cadences: opts.cadences }), documents);
  routes(app, null);
  docsRoutes(app, () => openApiDocument(routes));
  await app.ready();
  return { app, posture };
}
