// The HTTP API through inject(): real store, real lab broker, real runs.
import { Writable } from 'node:stream';
import t from 'tap';
import { FailureLimiter } from '../../../agent/api/auth.js';
import { createLogger } from '../../../agent/log.js';
import { AUTH, BUNDLE, testApi, TOKEN, waitForRun } from './helpers.js';

const RUN_ID = 'run-20261126T120000Z-abcdef';

/** Every route with a concrete URL (ids that exist or not do not matter for auth). */
const ROUTES: Array<{ method: 'GET' | 'POST' | 'PUT'; url: string; payload?: unknown }> = [
  { method: 'GET', url: '/v1/posture' },
  { method: 'GET', url: '/v1/runs' },
  { method: 'GET', url: `/v1/runs/${RUN_ID}` },
  { method: 'POST', url: '/v1/runs', payload: { bundle: BUNDLE } },
  { method: 'GET', url: `/v1/runs/${RUN_ID}/bundle` },
  { method: 'GET', url: `/v1/runs/${RUN_ID}/report?format=md` },
  { method: 'GET', url: '/v1/backlog' },
  { method: 'GET', url: '/v1/baseline' },
  { method: 'PUT', url: '/v1/baseline', payload: { runId: RUN_ID } },
  { method: 'GET', url: '/v1/delta?from=baseline&to=latest' },
  { method: 'GET', url: '/v1/snapshots/2026-11' },
  { method: 'GET', url: '/metrics' },
  { method: 'GET', url: '/no/such/route' },
];

t.test('without a token every route but /healthz and /docs answers 401, and no run starts', async (t) => {
  const { api, store } = await testApi(t);
  const health = await api.app.inject({ method: 'GET', url: '/healthz' });
  t.equal(health.statusCode, 200);
  t.equal(health.json().status, 'ok');
  for (const r of ROUTES) {
    const res = await api.app.inject({ method: r.method, url: r.url, payload: r.payload as object });
    t.equal(res.statusCode, 401, `${r.method} ${r.url} without a token → 401`);
    t.match(res.headers['www-authenticate'], /^Bearer/);
    const wrong = await api.app.inject({ method: r.method, url: r.url, payload: r.payload as object, headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    t.equal(wrong.statusCode, 401, `${r.method} ${r.url} with a non-bearer scheme → 401`);
  }
  t.equal(store.runs.list({ limit: 10, offset: 0 }).total, 0, 'the unauthenticated POST started nothing');
});

t.test('/docs opens in a browser without a token, its JSON too; the data routes still need one', async (t) => {
  const { api } = await testApi(t);
  const browser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36' };
  const page = await api.app.inject({ method: 'GET', url: '/docs', headers: browser });
  t.equal(page.statusCode, 200, 'GET /docs without Authorization → 200');
  t.match(page.headers['content-type'], /text\/html/);
  t.match(page.body, /swagger-ui/i, 'the Swagger UI page');
  for (const url of ['/docs/static/swagger-ui.css', '/docs/static/swagger-initializer.js']) t.equal((await api.app.inject({ method: 'GET', url, headers: browser })).statusCode, 200, `${url} (the page's assets) → 200`);
  const json = await api.app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(json.statusCode, 200, 'GET /docs/json without Authorization → 200');
  t.equal(json.json().openapi, '3.0.3');
  t.ok(json.json().paths['/v1/posture'], 'it describes the API');
  for (const url of ['/v1/posture', '/v1/runs', '/metrics']) t.equal((await api.app.inject({ method: 'GET', url, headers: browser })).statusCode, 401, `${url} still needs the token`);
});

t.test('ten wrong tokens from one address, then the right one → 200; further wrong tokens get 429 with Retry-After, logged at warn once', async (t) => {
  const lines: Array<{ level: number; msg: string; address?: string }> = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  const { api } = await testApi(t, { log: createLogger({ level: 'info', destination: sink }), limiter: new FailureLimiter() });
  for (let i = 0; i < 10; i++) {
    const res = await api.app.inject({ method: 'GET', url: '/v1/runs', headers: { authorization: `Bearer wrong-${i}` } });
    t.equal(res.statusCode, 401, `wrong token ${i + 1} → 401`);
  }
  const right = await api.app.inject({ method: 'GET', url: '/v1/runs', headers: AUTH });
  t.equal(right.statusCode, 200, 'the right token from the same address → 200');
  const throttled = await api.app.inject({ method: 'GET', url: '/v1/runs', headers: { authorization: 'Bearer wrong-10' } });
  t.equal(throttled.statusCode, 429, 'the 11th wrong token → 429');
  t.ok(Number(throttled.headers['retry-after']) >= 1, 'Retry-After says when to come back');
  t.equal((await api.app.inject({ method: 'GET', url: '/v1/runs', headers: { authorization: 'Bearer wrong-11' } })).statusCode, 429, 'and the next');
  t.equal((await api.app.inject({ method: 'GET', url: '/metrics', headers: AUTH })).statusCode, 200, 'a scraper with the right token is not locked out');
  t.equal((await api.app.inject({ method: 'GET', url: '/v1/runs' })).statusCode, 401, 'a request without a token is no guess: still a plain 401');
  t.equal((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, '/healthz stays open');
  await new Promise((r) => setImmediate(r));
  const warned = lines.filter((l) => l.level === 40 && /throttled/.test(l.msg));
  t.equal(warned.length, 1, 'one warning for the address, not one per refused request');
  t.equal(warned[0]?.address, '127.0.0.1', 'naming the address');
});

t.test('latest and baseline work wherever a run id does: ?run=latest, from=latest, /v1/runs/baseline, PUT {runId: latest}', async (t) => {
  const { api } = await testApi(t);
  const noBaseline = await api.app.inject({ method: 'GET', url: '/v1/runs/baseline', headers: AUTH });
  t.equal(noBaseline.statusCode, 404, 'no baseline yet → 404');
  t.match(noBaseline.json().message, /no baseline set: PUT \/v1\/baseline/);
  const first = (await api.app.inject({ method: 'POST', url: '/v1/runs', headers: AUTH, payload: { bundle: BUNDLE } })).json().id as string;
  await waitForRun(api, first);
  const put = await api.app.inject({ method: 'PUT', url: '/v1/baseline', headers: AUTH, payload: { runId: 'latest' } });
  t.equal(put.statusCode, 200, put.body);
  t.equal(put.json().runId, first, 'PUT /v1/baseline {"runId": "latest"} marks the latest run');
  const second = (await api.app.inject({ method: 'POST', url: '/v1/runs', headers: AUTH, payload: { bundle: BUNDLE } })).json().id as string;
  await waitForRun(api, second);

  const get = async (url: string) => {
    const res = await api.app.inject({ method: 'GET', url, headers: AUTH });
    t.equal(res.statusCode, 200, `GET ${url} → 200 (${res.statusCode === 200 ? '' : res.body})`);
    return res;
  };
  t.equal((await get('/v1/backlog?run=latest')).json().runId, second, '?run=latest is the latest run');
  t.equal((await get('/v1/backlog?run=baseline')).json().runId, first, '?run=baseline is the baseline');
  const fromLatest = (await get('/v1/delta?from=latest')).json();
  t.same([fromLatest.from.id, fromLatest.to.id], [second, second], 'from=latest (to defaults to latest)');
  const back = (await get('/v1/delta?from=latest&to=baseline')).json();
  t.same([back.from.id, back.to.id], [second, first], 'from=latest&to=baseline');
  t.equal((await get('/v1/runs/baseline')).json().run.id, first, '/v1/runs/baseline');
  t.equal((await get('/v1/runs/latest')).json().run.id, second, '/v1/runs/latest');
  t.match((await get('/v1/runs/baseline/report?format=md')).body, first, 'the baseline\'s report');
  const bundle = await get('/v1/runs/baseline/bundle');
  t.match(bundle.headers['content-disposition'], `${first}.tar.gz`, 'the baseline\'s bundle, named by its id');
  for (const bad of ['/v1/backlog?run=newest', '/v1/delta?from=Latest', '/v1/runs/baseline2']) t.equal((await api.app.inject({ method: 'GET', url: bad, headers: AUTH })).statusCode, 400, `${bad} → 400`);
});

t.test('a run over the API: 202 + id, 409 with the running id while in flight, then posture, backlog, delta, report and metrics agree with it', async (t) => {
  const { api, store, loaded } = await testApi(t);
  const res = await api.app.inject({ method: 'POST', url: '/v1/runs', headers: AUTH, payload: { bundle: BUNDLE } });
  t.equal(res.statusCode, 202, res.body);
  const { id, location } = res.json();
  t.match(id, /^run-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
  t.equal(location, `/v1/runs/${id}`);
  t.equal(res.headers.location, location);

  const busy = await api.app.inject({ method: 'POST', url: '/v1/runs', headers: AUTH, payload: { bundle: BUNDLE } });
  t.equal(busy.statusCode, 409, 'one run at a time');
  t.equal(busy.json().runningId, id, '409 names the run in flight');
  t.equal((await api.app.inject({ method: 'GET', url: '/healthz' })).json().running, id);

  const doc = await waitForRun(api, id);
  t.equal(doc.run.status, 'completed');
  t.equal(doc.run.trigger, 'api');
  t.equal(doc.run.bundle, BUNDLE);
  t.ok(doc.run.hash, 'the run is linked into the chain');
  t.same(store.runs.verifyChain(), []);

  const posture = (await api.app.inject({ method: 'GET', url: '/v1/posture', headers: AUTH })).json();
  t.equal(posture.latestRun.id, id);
  t.equal(posture.results.length, doc.results.length, 'one posture row per control + resource of the run');
  t.same(posture.summary.findings, doc.summary.findings, 'posture counts = the run counts (only run so far)');
  const bt02 = posture.results.find((r: { control: string; resource: string }) => r.control === 'BT-02' && r.resource.startsWith('mqtt '));
  t.equal(bt02.status, 'fail', 'weak lab: anonymous CONNECT accepted on plaintext MQTT');
  t.equal(bt02.runId, id);

  const backlog = await api.app.inject({ method: 'GET', url: '/v1/backlog', headers: AUTH });
  t.equal(backlog.statusCode, 200);
  t.equal(backlog.json().runId, id);
  t.equal(backlog.json().items.length, doc.findings.filter((f) => !f.waived).length, 'one backlog row per open finding');

  t.equal((await api.app.inject({ method: 'GET', url: '/v1/delta', headers: AUTH })).statusCode, 404, 'no baseline yet → 404 with a hint');
  const put = await api.app.inject({ method: 'PUT', url: '/v1/baseline', headers: AUTH, payload: { runId: id } });
  t.equal(put.statusCode, 200, put.body);
  t.equal((await api.app.inject({ method: 'GET', url: '/v1/baseline', headers: AUTH })).json().runId, id);
  const delta = (await api.app.inject({ method: 'GET', url: '/v1/delta?from=baseline&to=latest', headers: AUTH })).json();
  t.equal(delta.from.id, id);
  t.equal(delta.to.id, id);
  t.equal(delta.counts.regressed, 0);

  const md = await api.app.inject({ method: 'GET', url: `/v1/runs/${id}/report?format=md`, headers: AUTH });
  t.equal(md.statusCode, 200);
  t.match(md.headers['content-type'], /markdown/);
  t.match(md.body, id);
  const json = await api.app.inject({ method: 'GET', url: `/v1/runs/${id}/report?format=json`, headers: AUTH });
  t.equal(json.json().run.id, id);

  const metrics = await api.app.inject({ method: 'GET', url: '/metrics', headers: AUTH });
  t.equal(metrics.statusCode, 200);
  t.match(metrics.headers['content-type'], /text\/plain/);
  const m = metrics.body;
  for (const sev of ['critical', 'high', 'medium', 'low', 'info'] as const)
    t.match(m, `pathaudit_findings{severity="${sev}"} ${doc.summary.findings[sev]}\n`, `findings ${sev} = run`);
  t.match(m, `pathaudit_control_status{check="broker-transport",control="BT-02",resource="${bt02.resource}",status="fail"} 1`);
  t.match(m, 'pathaudit_last_run_status{status="completed"} 1');
  t.match(m, `pathaudit_last_run_timestamp_seconds ${Date.parse(doc.run.finishedAt!) / 1000}`);
  t.match(m, 'pathaudit_runs_finished_total{status="completed",trigger="api"} 1');
  t.match(m, 'pathaudit_store_up 1');
  t.notMatch(m, TOKEN, 'no secret in metrics');
  const statusLines = m.split('\n').filter((l) => l.startsWith('pathaudit_control_status{'));
  t.equal(statusLines.length, doc.results.length, 'one status series per result');

  // No secret in any response: the broker password and the API token appear nowhere.
  const password = loaded.secrets.get(loaded.config.broker!.auth!.password_file!);
  for (const url of ['/v1/posture', `/v1/runs/${id}`, '/v1/backlog', '/v1/delta', `/v1/runs/${id}/report?format=html`, `/v1/runs/${id}/report?format=json`, '/metrics', '/docs/json']) {
    const body = (await api.app.inject({ method: 'GET', url, headers: AUTH })).body;
    t.notOk(body.includes(password) || body.includes(TOKEN), `${url} carries no secret`);
  }

  const list = (await api.app.inject({ method: 'GET', url: '/v1/runs?limit=1&offset=0', headers: AUTH })).json();
  t.equal(list.total, 1);
  t.equal(list.items[0].id, id);
});

t.test('unknown bundle in POST /v1/runs is a 400 naming the bundle; a run that does not exist is a 404', async (t) => {
  const { api } = await testApi(t);
  const res = await api.app.inject({ method: 'POST', url: '/v1/runs', headers: AUTH, payload: { bundle: 'no-such-bundle' } });
  t.equal(res.statusCode, 400);
  t.match(res.json().message, /unknown bundle "no-such-bundle"/);
  const missing = await api.app.inject({ method: 'GET', url: `/v1/runs/${RUN_ID}`, headers: AUTH });
  t.equal(missing.statusCode, 404);
  t.match(missing.json().message, RUN_ID);
  const badMonth = await api.app.inject({ method: 'GET', url: '/v1/snapshots/2026-13', headers: AUTH });
  t.equal(badMonth.statusCode, 400);
  t.match(badMonth.json().message, /month/);
});

t.test('fuzz: malformed ids, query strings and bodies over every route never yield a 5xx', async (t) => {
  const { api, store } = await testApi(t);
  const ids = ['latest', 'baseline', 'x', '..', '%2e%2e%2f', 'run-', RUN_ID.toUpperCase(), `${RUN_ID}x`, "1' OR '1'='1", '%00', '%ff%fe', 'a'.repeat(300), '%', '🙂', 'run-20261126T120000Z-abcdef%0a'];
  const queries = ['limit=0', 'limit=-5', 'limit=1e9', 'limit=abc', 'offset=-1', 'offset=NaN', 'limit=1&limit=2', 'status=weird', 'format=exe', 'format=', 'from=', 'to=yesterday', 'from=baseline&to=baseline', 'from=latest&to=baseline', 'run=latest', 'run=baseline', 'run=x', 'bogus=1', '%zz=1', 'limit[]=1', '&&&', 'format=md&format=html'];
  const bodies: Array<{ payload: string; type: string }> = [
    { payload: '', type: 'application/json' },
    { payload: '{', type: 'application/json' },
    { payload: 'null', type: 'application/json' },
    { payload: '[]', type: 'application/json' },
    { payload: '"bundle"', type: 'application/json' },
    { payload: '{"bundle":1}', type: 'application/json' },
    { payload: '{"bundle":"../../etc"}', type: 'application/json' },
    { payload: '{"bundle":"transport","extra":true}', type: 'application/json' },
    { payload: '{"checks":[]}', type: 'application/json' },
    { payload: '{"checks":["nope"]}', type: 'application/json' },
    { payload: '{"runId":"x"}', type: 'application/json' },
    { payload: `{"runId":"${RUN_ID}"}`, type: 'application/json' },
    { payload: '{"__proto__":{"x":1}}', type: 'application/json' },
    { payload: 'bundle=transport', type: 'application/x-www-form-urlencoded' },
    { payload: '<xml/>', type: 'text/xml' },
    { payload: JSON.stringify({ bundle: 'a'.repeat(100_000) }), type: 'application/json' },
  ];
  const seen = new Map<number, number>();
  const check = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: string, type?: string) => {
    const res = await api.app.inject({ method, url, payload, headers: { ...AUTH, ...(type ? { 'content-type': type } : {}) } });
    seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
    if (res.statusCode >= 500) t.fail(`${method} ${url} ${payload ?? ''} → ${res.statusCode} ${res.body}`);
    if (res.statusCode >= 400 && res.statusCode !== 404 && res.headers['content-type']?.toString().includes('json')) {
      const body = res.json();
      if (typeof body.message !== 'string' || !body.message) t.fail(`${method} ${url} → ${res.statusCode} without a message`);
    }
  };
  for (const id of ids) {
    for (const suffix of ['', '/bundle', '/report', '/report?format=md']) await check('GET', `/v1/runs/${id}${suffix}`);
    await check('GET', `/v1/snapshots/${id}`);
  }
  for (const q of queries) for (const path of ['/v1/runs', '/v1/posture', '/v1/backlog', '/v1/delta', '/v1/baseline', `/v1/runs/${RUN_ID}/report`, '/metrics']) await check('GET', `${path}?${q}`);
  for (const b of bodies) {
    await check('POST', '/v1/runs', b.payload, b.type);
    await check('PUT', '/v1/baseline', b.payload, b.type);
  }
  // Routes over a run a crash left aborted (no results, no hash) answer 2xx or 4xx too.
  const aborted = 'run-20261126T110000Z-0a0b0c';
  store.runs.begin({ id: aborted, bundle: BUNDLE, trigger: 'api', startedAt: '2026-11-26T11:00:00.000Z', finishedAt: null, status: 'running', agentVersion: '0', configHash: 'x', gatewayId: 'g', path: null, checks: [], previousHash: null, hash: null }, null);
  store.runs.abortUnfinished();
  for (const suffix of ['', '/bundle', '/report?format=md', '/report?format=html', '/report?format=junit', '/report?format=csv', '/report?format=ocsf'])
    await check('GET', `/v1/runs/${aborted}${suffix}`);
  for (const url of [`/v1/backlog?run=${aborted}`, `/v1/delta?from=${aborted}&to=${aborted}`, '/v1/delta?from=baseline&to=latest', '/v1/runs/latest/report?format=md', '/v1/backlog?run=latest']) await check('GET', url);
  for (const runId of [aborted, 'latest', 'baseline']) await check('PUT', '/v1/baseline', JSON.stringify({ runId }), 'application/json');
  await check('DELETE', '/v1/runs');
  await check('PUT', '/v1/runs');
  for (const month of ['2026-00', '2026-1', '26-11', '2026-11-01', '999999-11', '2026-11%00']) await check('GET', `/v1/snapshots/${month}`);
  // Wait for any run a valid fuzz body may have started, so teardown is clean.
  await new Promise((r) => setTimeout(r, 10));
  t.notOk([...seen.keys()].some((c) => c >= 500), `status codes seen: ${JSON.stringify(Object.fromEntries(seen))}`);
  t.ok(seen.get(400)! > 50, 'most malformed input is a 400');
});

t.test('logs are JSON with the run id, and neither the API token nor the broker password reaches them', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  const log = createLogger({ level: 'debug', destination: sink });
  const { api, loaded } = await testApi(t, { log });
  await api.app.inject({ method: 'GET', url: '/v1/runs', headers: { authorization: 'Bearer not-the-token' } });
  const res = await api.app.inject({ method: 'POST', url: '/v1/runs', headers: AUTH, payload: { bundle: BUNDLE } });
  await waitForRun(api, res.json().id);
  log.info({ token: TOKEN, headers: { authorization: `Bearer ${TOKEN}` } }, 'redaction probe');
  const text = lines.join('\n');
  t.ok(lines.length > 3, 'something was logged');
  for (const l of lines) t.doesNotThrow(() => JSON.parse(l), 'every line is JSON');
  t.notMatch(text, TOKEN, 'the API token never reaches the log');
  t.notMatch(text, 'not-the-token', 'nor a presented wrong token');
  const password = loaded.secrets.get(loaded.config.broker!.auth!.password_file!);
  t.notMatch(text, password, 'nor the broker password');
  t.ok(lines.some((l) => JSON.parse(l).runId === res.json().id && JSON.parse(l).check === 'broker-transport') || lines.some((l) => JSON.parse(l).runId === res.json().id), 'run lines carry the run id');
  t.match(text, '[REDACTED]', 'the redaction probe was censored');
});

t.test('GET /docs/json is the OpenAPI document of every route', async (t) => {
  const { api } = await testApi(t);
  const res = await api.app.inject({ method: 'GET', url: '/docs/json', headers: AUTH });
  t.equal(res.statusCode, 200);
  const doc = res.json();
  t.equal(doc.openapi.slice(0, 2), '3.');
  for (const p of ['/healthz', '/v1/posture', '/v1/runs', '/v1/runs/{id}', '/v1/runs/{id}/bundle', '/v1/runs/{id}/report', '/v1/backlog', '/v1/baseline', '/v1/delta', '/v1/snapshots/{month}', '/metrics'])
    t.ok(doc.paths[p], `documents ${p}`);
  t.same(doc.paths['/healthz'].get.security, [], '/healthz is documented as open');
  t.ok(doc.components.securitySchemes.bearer);
});
