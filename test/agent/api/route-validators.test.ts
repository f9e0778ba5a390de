// The API validates requests with the precompiled validators of
// agent/api/route-validators.generated.ts (no ajv in the daemon), and that
// file is what ajv generates from the routes as they are now; likewise its
// response serializers (agent/api/route-serializers.generated.ts) and
// fast-json-stringify (route-serializers.test.ts: the app loads neither).
import { readFileSync } from 'node:fs';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import t from 'tap';
import { lazyCompilersFactory, serializerKey, validatorKey, type ResponseDefinition } from '../../../agent/api/lazy-compilers.js';
import { ROUTE_SERIALIZERS } from '../../../agent/api/route-serializers.generated.js';
import { ROUTE_VALIDATORS } from '../../../agent/api/route-validators.generated.js';
import { apiSchemasModule } from '../../../scripts/gen-api-schemas.js';
import { routeSerializersModule } from '../../../scripts/gen-route-serializers.js';
import { routeValidatorsModule } from '../../../scripts/gen-route-validators.js';
import { AUTH, testApi } from './helpers.js';

t.test('every route part the app validates uses its precompiled validator, and bad input is still a 400', async (t) => {
  const lazy = lazyCompilersFactory();
  const used: Array<{ key: string; precompiled: boolean }> = [];
  const responses: Array<{ route: string; schema: unknown }> = [];
  const compilers = {
    ...lazy,
    buildSerializer: (...args: Parameters<typeof lazy.buildSerializer>) => {
      const compile = lazy.buildSerializer(...args);
      return (route: Parameters<typeof compile>[0]) => {
        responses.push({ route: `${route.method} ${route.url} ${route.httpStatus}`, schema: route.schema });
        return compile(route);
      };
    },
    buildValidator: (...args: Parameters<typeof lazy.buildValidator>) => {
      const compile = lazy.buildValidator(...args);
      return (route: Parameters<typeof compile>[0]) => {
        const validate = compile(route);
        used.push({ key: validatorKey(route), precompiled: validate === ROUTE_VALIDATORS[validatorKey(route)] });
        return validate;
      };
    },
  };
  const { api } = await testApi(t, { compilers });
  t.ok(used.length >= 10, `${used.length} route parts with a request schema`);
  for (const u of used.filter((x) => !x.key.startsWith('HEAD '))) t.ok(u.precompiled, `${u.key}: precompiled`);
  const bad: Array<[string, string, object | undefined, RegExp]> = [
    ['GET', '/v1/runs?limit=0', undefined, /limit/],
    ['GET', '/v1/runs/not-a-run', undefined, /id|pattern/],
    ['POST', '/v1/runs', { bundle: 'transport', extra: 1 }, /additional|bundle/],
    ['GET', '/v1/delta?from=yesterday', undefined, /from/],
    ['GET', '/v1/snapshots/2026-13', undefined, /month|pattern/],
  ];
  for (const [method, url, payload, message] of bad) {
    const res = await api.app.inject({ method: method as 'GET', url, payload, headers: AUTH });
    t.equal(res.statusCode, 400, `${method} ${url} → 400`);
    t.match(res.json().message, message, `${method} ${url}: ${res.json().message}`);
  }
  const ok = await api.app.inject({ method: 'GET', url: '/v1/runs?limit=5', headers: AUTH });
  t.equal(ok.statusCode, 200, 'a valid query passes');

  // fast-json-stringify builds an ajv instance (~1 MB that stays) for any
  // anyOf, oneOf or if in a response schema: `nullable` says T | null instead.
  const combinators = (s: unknown): string[] =>
    s && typeof s === 'object' ? Object.entries(s).flatMap(([k, v]) => (['anyOf', 'oneOf', 'if'].includes(k) ? [k] : combinators(v))) : [];
  t.ok(responses.length >= 10, `${responses.length} response schemas`);
  for (const r of responses) t.same(combinators(r.schema), [], `${r.route}: no anyOf, oneOf or if`);
});

t.test('agent/api/route-validators.generated.ts is ajv\'s code of the routes as they are (run `npm run gen:docs`)', async (t) => {
  const onDisk = readFileSync(new URL('../../../agent/api/route-validators.generated.ts', import.meta.url), 'utf8');
  t.equal(onDisk, await routeValidatorsModule());
});

t.test('agent/api/route-serializers.generated.ts is fast-json-stringify\'s code of the routes as they are (run `npm run gen:docs`)', async (t) => {
  const onDisk = readFileSync(new URL('../../../agent/api/route-serializers.generated.ts', import.meta.url), 'utf8');
  t.equal(onDisk, await routeSerializersModule());
});

t.test('a precompiled serializer writes what fast-json-stringify compiles from the same route', async (t) => {
  const lazy = lazyCompilersFactory();
  const routes = new Map<string, { route: ResponseDefinition; compile: (route: ResponseDefinition) => (doc: unknown) => string }>();
  const compilers = {
    ...lazy,
    buildSerializer: (...args: Parameters<typeof lazy.buildSerializer>) => {
      const fjs = SerializerSelector()(...args);
      const compile = lazy.buildSerializer(...args);
      return (route: ResponseDefinition) => {
        routes.set(`${route.method} ${route.url} ${route.httpStatus}`, { route, compile: fjs as never });
        return compile(route);
      };
    },
  };
  const { api } = await testApi(t, { compilers });
  // What the app answered (through the precompiled serializers), written again by fast-json-stringify.
  const replies: Array<[string, string, number, string]> = [
    ['GET', '/healthz', 200, '/healthz'],
    ['GET', '/v1/runs?limit=5', 200, '/v1/runs'],
    ['GET', '/v1/baseline', 200, '/v1/baseline'],
    ['GET', '/v1/runs?limit=0', 400, '/v1/runs'],
    ['GET', '/v1/runs/run-20260101T000000Z-abcdef', 404, '/v1/runs/:id'],
  ];
  for (const [method, url, status, path] of replies) {
    const res = await api.app.inject({ method: method as 'GET', url, headers: AUTH });
    t.equal(res.statusCode, status, `${method} ${url} → ${status}`);
    const r = routes.get(`${method} ${path} ${status}`);
    if (!t.ok(r, `${method} ${path} ${status}: a response schema`)) continue;
    t.ok(ROUTE_SERIALIZERS[serializerKey(r!.route)], `${method} ${path} ${status}: precompiled`);
    t.equal(res.body, r!.compile(r!.route)(res.json()), `${method} ${url}: the same JSON as fast-json-stringify's`);
  }
  // A 202 as the route sends it, both ways.
  const accepted = { id: 'run-20260101T000000Z-abcdef', bundle: 'transport', status: 'running', startedAt: '2026-01-01T00:00:00.000Z', location: '/v1/runs/run-20260101T000000Z-abcdef', extra: 1 };
  const post = routes.get('POST /v1/runs 202')!;
  t.equal(ROUTE_SERIALIZERS[serializerKey(post.route)]!()(accepted), post.compile(post.route)(accepted), 'POST /v1/runs 202: the same JSON (unknown properties left out by both)');
});

t.test('agent/api/schemas.generated.ts is the JSON of agent/api/schemas.ts (run `npm run gen:docs`)', async (t) => {
  const onDisk = readFileSync(new URL('../../../agent/api/schemas.generated.ts', import.meta.url), 'utf8');
  t.equal(onDisk, apiSchemasModule());
});

t.test('a schema changed since generation (no precompiled code for it) is compiled by fastify\'s own compilers on first use', async (t) => {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ schemaController: { compilersFactory: lazyCompilersFactory() } });
  t.teardown(() => app.close());
  const schema = { querystring: { type: 'object', properties: { n: { type: 'integer', minimum: 7 } }, required: ['n'] }, response: { 200: { type: 'object', properties: { n: { type: 'integer' } } } } };
  app.get('/not-generated', { schema }, async (req) => ({ n: (req.query as { n: number }).n, dropped: true }));
  await app.ready();
  t.notOk(ROUTE_VALIDATORS[validatorKey({ method: 'GET', url: '/not-generated', httpPart: 'querystring', schema: schema.querystring })], 'nothing precompiled for it');
  const bad = await app.inject({ method: 'GET', url: '/not-generated?n=3' });
  t.equal(bad.statusCode, 400, 'ajv, compiled on first use, refuses n=3');
  t.match(bad.json<{ message: string }>().message, />= 7/);
  const good = await app.inject({ method: 'GET', url: '/not-generated?n=8' });
  t.equal(good.body, '{"n":8}', 'fast-json-stringify, compiled on first use, writes the schema\'s properties only');
});
