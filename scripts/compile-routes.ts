// What scripts/gen-route-validators.ts and gen-route-serializers.ts share:
// the real app compiled once through a recording compiler.
import { buildApp } from '../agent/api/app.js';
import { lazyCompilersFactory } from '../agent/api/lazy-compilers.js';
import { validateConfig } from '../agent/config/load.js';
import { RunController } from '../agent/daemon/runs.js';
import { inProcessExecutor } from '../agent/daemon/worker.js';
import { silentLogger } from '../agent/log.js';
import { BUILTIN_BUNDLES } from '../agent/runner/bundles.js';
import { openStore } from '../agent/store/index.js';
import { CHECK_IDS } from '../probes/catalogue.js';

type Compilers = ReturnType<typeof lazyCompilersFactory>;

/**
 * Builds the real app over an empty in-memory store, with `compilers` in
 * place of the app's own: fastify compiles every route's schemas at ready()
 * through them. No request is made, so no run starts.
 */
export async function compileRoutes(compilers: Partial<Compilers>): Promise<void> {
  const store = openStore(':memory:');
  const loaded = validateConfig({}, { baseDir: process.cwd(), file: null, knownBundles: new Set(Object.keys(BUILTIN_BUNDLES)), knownChecks: CHECK_IDS });
  try {
    const runs = new RunController({ store, config: () => loaded, executor: inProcessExecutor, log: silentLogger() });
    const api = await buildApp({ store, config: () => loaded, runs, compilers: { ...lazyCompilersFactory(), ...compilers } });
    await api.app.close();
  } finally {
    store.close();
  }
}
