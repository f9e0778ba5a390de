// The contract schemas describe what pathaudit produces, not only what was
// typed: the run documents, posture, backlog, delta and snapshots of a real
// engagement (the demo's audit, sprint and retainer runs on the lab gateway)
// are validated with ajv against docs/schema/*.schema.json, as the API and
// the CLI give them. Validation is strict — every object of the schema made
// closed — so that a key the code adds without adding it to the contract
// fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import t from 'tap';
import { buildApp } from '../../../agent/api/app.js';
import { RunController } from '../../../agent/daemon/runs.js';
import { inProcessExecutor } from '../../../agent/daemon/worker.js';
import { takeSnapshot } from '../../../agent/evidence/snapshot.js';
import { validateConfig } from '../../../agent/config/load.js';
import { silentLogger } from '../../../agent/log.js';
import { BUILTIN_BUNDLES } from '../../../agent/runner/bundles.js';
import { openStore } from '../../../agent/store/index.js';
import { CONTRACTS } from '../../../agent/contracts/index.js';
import { CHECK_IDS } from '../../../probes/catalogue.js';
import { contractSchemasModule } from '../../../scripts/gen-api-schemas.js';
import { contractSchemaFiles } from '../../../scripts/gen-contract-schemas.js';
import { cli } from '../../helpers/cli.js';
import { load, tempDir } from '../../helpers/lab.js';

const SCHEMA_DIR = new URL('../../../docs/schema/', import.meta.url);

t.test('docs/schema/*.schema.json and agent/api/contract-schemas.generated.ts are generated from agent/contracts (run `npm run gen:docs`)', async (t) => {
  for (const [file, text] of contractSchemaFiles()) t.equal(readFileSync(new URL(file, SCHEMA_DIR), 'utf8'), text, `docs/schema/${file}`);
  t.equal(readFileSync(new URL('../../../agent/api/contract-schemas.generated.ts', import.meta.url), 'utf8'), contractSchemasModule());
});

t.test('the OpenAPI document at /docs says each document route answers with its contract schema', async (t) => {
  const store = openStore(':memory:');
  const loaded = validateConfig({}, { baseDir: process.cwd(), file: null, knownBundles: new Set(Object.keys(BUILTIN_BUNDLES)), knownChecks: CHECK_IDS });
  const runs = new RunController({ store, config: () => loaded, executor: inProcessExecutor, log: silentLogger() });
  const api = await buildApp({ store, config: () => loaded, runs });
  t.teardown(async () => {
    await api.app.close();
    store.close();
  });
  const res = await api.app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(res.statusCode, 200);
  const { paths } = res.json<{ paths: Record<string, { get: { responses: Record<string, { content?: Record<string, { schema: unknown }> }> } }> }>();
  // OpenAPI 3.0 has no `const`: @fastify/swagger writes it as a one-value enum.
  const openApi = (s: unknown): unknown =>
    Array.isArray(s)
      ? s.map(openApi)
      : s && typeof s === 'object'
        ? Object.fromEntries(Object.entries(s).map(([k, v]) => (k === 'const' ? ['enum', [v]] : [k, k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, x]) => [p, openApi(x)])) : openApi(v)])))
        : s;
  const routes: Record<string, string> = { RunDocument: '/v1/runs/{id}', PostureView: '/v1/posture', BacklogView: '/v1/backlog', Delta: '/v1/delta', Snapshot: '/v1/snapshots/{month}' };
  for (const c of CONTRACTS) {
    const url = routes[c.name];
    t.ok(url, `${c.name} is answered by a route`);
    t.same(paths[url ?? '']?.get.responses['200']?.content?.['application/json']?.schema, openApi(JSON.parse(JSON.stringify(c.schema))), `GET ${url} answers ${c.name}`);
  }
});

/** Every object that lists its properties, closed: an undeclared key is an error. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const out = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, closed(s)])) : closed(v)]));
  if ('properties' in out && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

function validators(): Map<string, ValidateFunction> {
  // RFC 3339 instants as the code writes them (Date#toISOString), without ajv-formats.
  const ajv = new Ajv({ allErrors: true, strict: true, formats: { 'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/ } });
  return new Map(CONTRACTS.map((c) => [c.file, ajv.compile(closed(JSON.parse(readFileSync(new URL(c.file, SCHEMA_DIR), 'utf8'))) as object)]));
}

t.test('the run documents, posture, backlog, delta and snapshots of the demo engagement are valid against their schemas, from the API and the CLI', async (t) => {
  const dir = tempDir(t);
  const demo = await cli(['demo', '--dir', dir]);
  t.equal(demo.code, 0, demo.stderr.slice(-500));
  const configFile = join(dir, 'lab', 'pathaudit.yaml');
  const loaded = load(configFile);
  const store = openStore(join(dir, 'lab', 'pathaudit.db'));
  const runs = new RunController({ store, config: () => loaded, executor: inProcessExecutor, log: silentLogger() });
  const api = await buildApp({ store, config: () => loaded, runs });
  t.teardown(async () => {
    await api.app.close();
    store.close();
  });
  // A snapshot one month on: it has a previous snapshot (the demo's), so its drift is a delta too.
  const nextMonth = new Date();
  nextMonth.setUTCDate(1);
  nextMonth.setUTCMonth(nextMonth.getUTCMonth() + 1);
  const later = takeSnapshot(store, undefined, nextMonth);
  t.ok(later.drift && later.deltaToBaseline, 'a snapshot with both a drift and a delta to the baseline');

  const validate = validators();
  const check = (file: string, what: string, value: unknown) => {
    const ok = validate.get(file)!(value);
    t.ok(ok, `${what} is a valid ${file}${ok ? '' : `: ${JSON.stringify(validate.get(file)!.errors?.slice(0, 5))}`}`);
  };
  const get = async (url: string) => {
    const res = await api.app.inject({ method: 'GET', url });
    t.equal(res.statusCode, 200, `GET ${url}: ${res.statusCode}`);
    return res.json<unknown>();
  };

  const items = store.runs.list({ limit: 50, offset: 0 }).items;
  t.equal(items.length, 5, 'the demo stored five runs: the audit, the hardening rerun and the retainer\'s three (certificate-hygiene, telemetry-trust, device-trust)');
  for (const item of items) check('run-document.schema.json', `GET /v1/runs/${item.id} (${item.bundle})`, await get(`/v1/runs/${item.id}`));
  const baselineId = (await get('/v1/baseline') as { runId: string }).runId;
  check('posture.schema.json', 'GET /v1/posture', await get('/v1/posture'));
  check('backlog.schema.json', 'GET /v1/backlog', await get('/v1/backlog'));
  check('backlog.schema.json', 'GET /v1/backlog?run=<baseline>', await get(`/v1/backlog?run=${baselineId}`));
  check('delta.schema.json', 'GET /v1/delta', await get('/v1/delta'));
  check('delta.schema.json', 'GET /v1/delta from the latest run to the baseline', await get(`/v1/delta?from=${items[0]!.id}&to=${baselineId}`));
  check('snapshot.schema.json', `GET /v1/snapshots/${later.month}`, await get(`/v1/snapshots/${later.month}`));

  const json = async (args: string[]) => {
    const r = await cli([...args, '--config', configFile]);
    t.equal(r.code, 0, `pathaudit ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout) as unknown;
  };
  check('run-document.schema.json', 'report latest --format json', await json(['report', 'latest', '--format', 'json']));
  check('delta.schema.json', 'delta --format json', await json(['delta', '--from', 'baseline', '--to', 'latest', '--format', 'json']));
  check('snapshot.schema.json', 'snapshot --format json', await json(['snapshot', '--format', 'json']));
  // The run document's host facts come from this machine: the schema must hold what it reports.
  const doc = store.runs.get(items[0]!.id)!;
  t.ok(doc.run.host, 'runs carry the host facts');
  // And the validation can fail: an undeclared key, a word outside an enum, a missing key.
  const runDocument = validate.get('run-document.schema.json')!;
  t.notOk(runDocument({ ...doc, results: [{ ...doc.results[0], extra: 1 }, ...doc.results.slice(1)] }), 'a result with an undeclared key is refused');
  t.notOk(runDocument({ ...doc, run: { ...doc.run, status: 'done' } }), 'a run status outside the list is refused');
  t.notOk(runDocument({ ...doc, summary: { ...doc.summary, headline: undefined } }), 'a summary without its headline is refused');
});
