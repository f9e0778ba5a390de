// The daemon in-process (startDaemon, as `serve` uses it): exposure refusal,
// reload semantics, and a stop that lets the run in flight finish.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { parseListen, startDaemon } from '../../../agent/daemon/serve.js';
import { inProcessExecutor } from '../../../agent/daemon/worker.js';
import { PathauditError } from '../../../agent/errors.js';
import { silentLogger } from '../../../agent/log.js';
import { apiLab, AUTH, BUNDLE } from '../api/helpers.js';

t.test('api.listen parses host:port for IPv4, names and bracketed IPv6', async (t) => {
  t.same(parseListen('127.0.0.1:7878'), { host: '127.0.0.1', port: 7878 });
  t.same(parseListen('localhost:80'), { host: 'localhost', port: 80 });
  t.same(parseListen('[::1]:7878'), { host: '::1', port: 7878 });
});

t.test('serve refuses to listen beyond loopback without an API token, naming api.token_file, and opens no store', async (t) => {
  const { gw, port } = await apiLab(t);
  const cfg = parse(readFileSync(gw.configFile, 'utf8'));
  cfg.api = { listen: `0.0.0.0:${port}` };
  writeFileSync(gw.configFile, stringify(cfg));
  const err = await startDaemon({ configFile: gw.configFile, log: silentLogger(), executor: inProcessExecutor }).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof PathauditError, 'refused with a PathauditError');
  t.equal((err as PathauditError).code, 'PATHAUDIT_ERR_CONFIG');
  t.match((err as PathauditError).problems.join('\n'), /api\.token_file: required when api\.listen binds beyond loopback/);
  t.notOk(existsSync(join(gw.dir, 'pathaudit.db')), 'no store was created');
});

t.test('reload refuses an invalid config and keeps the old one; a valid reload takes a rotated API token at once', async (t) => {
  const { gw, tokenFile } = await apiLab(t);
  const daemon = await startDaemon({ configFile: gw.configFile, log: silentLogger(), executor: inProcessExecutor });
  t.teardown(() => daemon.stop('test over'));
  const get = (headers: Record<string, string>) => daemon.api.app.inject({ method: 'GET', url: '/v1/runs', headers });
  t.equal((await get(AUTH)).statusCode, 200);
  const before = daemon.config().hash;

  const good = readFileSync(gw.configFile, 'utf8');
  writeFileSync(gw.configFile, good.replace(/^broker:/m, 'brokr:'));
  t.equal(await daemon.reload(), false, 'an unknown key is refused');
  t.equal(daemon.config().hash, before, 'the old config stays in force');
  t.equal((await get(AUTH)).statusCode, 200, 'and keeps answering');

  writeFileSync(gw.configFile, good);
  writeFileSync(tokenFile, 'rotated-token-0123456789abcdef\n');
  t.equal(await daemon.reload(), true, 'a valid config is taken');
  t.equal((await get(AUTH)).statusCode, 401, 'the old token no longer works');
  t.equal((await get({ authorization: 'Bearer rotated-token-0123456789abcdef' })).statusCode, 200, 'the rotated one does');
});

t.test('stop lets a run in flight finish within the bound and stores it; new runs are refused with 503 meanwhile', async (t) => {
  const { gw } = await apiLab(t);
  const daemon = await startDaemon({ configFile: gw.configFile, log: silentLogger(), executor: inProcessExecutor, stopGraceMs: 20_000 });
  const res = await daemon.api.app.inject({ method: 'POST', url: '/v1/runs', headers: AUTH, payload: { bundle: BUNDLE } });
  t.equal(res.statusCode, 202);
  const id = res.json().id as string;
  const stopped = daemon.stop('test');
  const refused = await daemon.api.app.inject({ method: 'POST', url: '/v1/runs', headers: AUTH, payload: { bundle: BUNDLE } });
  t.equal(refused.statusCode, 503, 'no new work while stopping');
  t.match(refused.json().message, /shutting down/);
  await stopped;
  const { openStore } = await import('../../../agent/store/index.js');
  const store = openStore(join(gw.dir, 'pathaudit.db'));
  t.teardown(() => store.close());
  t.equal(store.runs.get(id)?.run.status, 'completed', 'the run in flight finished and was stored');
  t.same(store.runs.verifyChain(), []);
});
