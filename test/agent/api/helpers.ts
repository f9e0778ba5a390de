// Helpers for API and daemon tests: a weak lab gateway whose config carries an
// API token and a `transport` bundle (broker-transport only), and an app built
// over a real store in the lab folder.
import type { RunDocument } from '../../../agent/runner/document.js';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { Test } from 'tap';
import { buildApp, type AppOptions, type PathauditApp } from '../../../agent/api/app.js';
import { FailureLimiter } from '../../../agent/api/auth.js';
import type { LoadedConfig } from '../../../agent/config/load.js';
import { RunController } from '../../../agent/daemon/runs.js';
import { inProcessExecutor, type Executor } from '../../../agent/daemon/worker.js';
import { silentLogger, type Log } from '../../../agent/log.js';
import { openStore, storePathOf, type Store } from '../../../agent/store/index.js';
import type { PathauditConfig } from '../../../config/schema/index.js';
import type { LabGateway } from '../../../agent/lab/gateway.js';
import { labGateway, load } from '../../helpers/lab.js';

export const TOKEN = 'test-api-token-3f9a1c7e5b2d4a6c';
export const AUTH = { authorization: `Bearer ${TOKEN}` };
export const BUNDLE = 'transport';

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

export async function apiLab(t: Test, extra: Partial<PathauditConfig> = {}): Promise<{ gw: LabGateway; tokenFile: string; port: number }> {
  const port = await freePort();
  const gw = await labGateway(t, { profile: 'weak', config: {} });
  const tokenFile = join(gw.dir, 'secrets', 'api-token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  // Rewrite the config with the API section (the lab wrote its own first).
  const { stringify } = await import('yaml');
  const config: PathauditConfig = { ...gw.config, api: { listen: `127.0.0.1:${port}`, token_file: tokenFile }, bundles: { [BUNDLE]: ['broker-transport'] }, ...extra };
  writeFileSync(gw.configFile, stringify(config));
  return { gw, tokenFile, port };
}

export interface TestApi {
  gw: LabGateway;
  loaded: LoadedConfig;
  store: Store;
  runs: RunController;
  api: PathauditApp;
}

export async function testApi(
  t: Test,
  opts: { executor?: Executor; log?: Log; limiter?: FailureLimiter; config?: Partial<PathauditConfig>; compilers?: AppOptions['compilers'] } = {},
): Promise<TestApi> {
  const { gw } = await apiLab(t, opts.config);
  const loaded = load(gw.configFile);
  const store = openStore(storePathOf(loaded.config));
  const log = opts.log ?? silentLogger();
  const runs = new RunController({ store, config: () => loaded, executor: opts.executor ?? inProcessExecutor, log });
  const api = await buildApp({ store, config: () => loaded, runs, log, limiter: opts.limiter, compilers: opts.compilers });
  t.teardown(async () => {
    await runs.stop(5000);
    await api.app.close();
    store.close();
  });
  return { gw, loaded, store, runs, api };
}

/** Polls GET /v1/runs/:id until the run is no longer running. */
export async function waitForRun(api: PathauditApp, id: string, timeoutMs = 30_000): Promise<RunDocument> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.app.inject({ method: 'GET', url: `/v1/runs/${id}`, headers: AUTH });
    const doc = res.json<RunDocument>();
    if (doc.run?.status !== 'running') return doc;
    if (Date.now() > until) throw new Error(`run ${id} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
