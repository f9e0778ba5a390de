// The API serializes its replies with the precompiled serializers of
// agent/api/route-serializers.generated.ts, which write what
// fast-json-stringify would, and answering never loads fast-json-stringify's
// main module nor ajv behind it (~0.7 MB the daemon kept after its first run:
// docs/performance.md). This file imports neither the generators nor the
// compilers, and starts no lab (whose broker and ingest endpoint load them),
// so that what this process loads is what the app loads; its run executes in
// a run process, as the daemon's do.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import t from 'tap';
import { buildApp } from '../../../agent/api/app.js';
import { lazyCompilersFactory, serializerKey } from '../../../agent/api/lazy-compilers.js';
import { ROUTE_SERIALIZERS } from '../../../agent/api/route-serializers.generated.js';
import { RunController } from '../../../agent/daemon/runs.js';
import { processExecutor } from '../../../agent/daemon/worker.js';
import { validateConfig } from '../../../agent/config/load.js';
import { silentLogger } from '../../../agent/log.js';
import { openStore, storePathOf } from '../../../agent/store/index.js';
import { AUTH, TOKEN } from './helpers.js';

/** The modules of fast-json-stringify's compiler and ajv this process has loaded. */
const compilerModules = () => Object.keys(createRequire(import.meta.url).cache).filter((f) => /\/fast-json-stringify\/index\.js$|\/ajv\/dist\/(ajv|core)\.js$|\/ajv-formats\//.test(f));

t.test('every response the app serializes has its precompiled serializer, and replying loads no ajv', async (t) => {
  const dir = t.testdir({ 'api-token': `${TOKEN}\n` });
  const loaded = validateConfig({ store: { path: join(dir, 'pathaudit.db') }, api: { listen: '127.0.0.1:7878', token_file: join(dir, 'api-token') } }, { baseDir: dir, file: null });
  t.same(compilerModules(), [], 'nothing loaded them before the app');
  const store = openStore(storePathOf(loaded.config));
  const runs = new RunController({ store, config: () => loaded, executor: processExecutor, log: silentLogger() });
  const lazy = lazyCompilersFactory();
  const compiled: string[] = [];
  const compilers = {
    ...lazy,
    buildSerializer: (...args: Parameters<typeof lazy.buildSerializer>) => {
      const compile = lazy.buildSerializer(...args);
      return (route: Parameters<typeof compile>[0]) => {
        compiled.push(serializerKey(route));
        return compile(route);
      };
    },
  };
  const api = await buildApp({ store, config: () => loaded, runs, compilers });
  t.teardown(async () => {
    await runs.stop(5000);
    await api.app.close();
    store.close();
  });
  t.ok(compiled.length >= 10, `${compiled.length} response schemas`);
  for (const key of compiled) t.ok(ROUTE_SERIALIZERS[key], `${key}: precompiled`);

  // Replies with a schema: a 202, a 200 with nullable parts, errors (401, 404, 400).
  const requests: Array<[string, string, object | undefined, Record<string, string>, number]> = [
    ['GET', '/healthz', undefined, {}, 200],
    ['GET', '/v1/runs?limit=5', undefined, AUTH, 200],
    ['GET', '/v1/baseline', undefined, AUTH, 200],
    ['GET', '/v1/posture', undefined, {}, 401],
    ['GET', '/v1/runs/run-20260101T000000Z-abcdef', undefined, AUTH, 404],
    ['GET', '/v1/runs?limit=0', undefined, AUTH, 400],
    ['POST', '/v1/runs', { checks: ['gateway-guardrails'] }, AUTH, 202],
  ];
  for (const [method, url, payload, headers, status] of requests) {
    const res = await api.app.inject({ method: method as 'GET', url, payload, headers });
    t.equal(res.statusCode, status, `${method} ${url} → ${status}`);
    t.type(res.json(), 'object', `${method} ${url}: a JSON body`);
  }
  const accepted = (await api.app.inject({ method: 'GET', url: '/v1/runs?limit=1', headers: AUTH })).json<{ items: Array<{ id: string; status: string }> }>();
  t.equal(accepted.items[0]?.status, 'running', 'the 202 started a run, listed as running');
  t.same(compilerModules(), [], 'no fast-json-stringify compiler, no ajv loaded by the replies');
});
