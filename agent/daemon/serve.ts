// The daemon: how pathaudit lives on the gateway.
//
//   startSteps = [load + validate config, refuse an open non-loopback API,
//                 open store, mark crash leftovers aborted, prune, start run
//                 controller, build + listen API, start schedules, say ready]
//
// Stop (SIGTERM): stop accepting runs and schedules, let the run in flight
// finish within a bound (else cancel it and record it aborted), close the API,
// close the store. Reload (SIGHUP): validate the new config; an invalid one is
// refused and the old one stays in force.
import { loadConfigFile, type LoadedConfig } from '../config/load.js';
import { configError, reasonOf } from '../errors.js';
import { ensureBaseline } from '../evidence/baseline.js';
import { thresholdsFrom } from '../evidence/summary.js';
import { createLogger, type Log } from '../log.js';
import { BUILTIN_BUNDLES } from '../runner/bundles.js';
import { openStore, storePathOf, type Store } from '../store/index.js';
import { startSchedules, type Schedules } from '../schedule/index.js';
import { apiTokenOf, buildApp, type PathauditApp } from '../api/app.js';
import { AGENT_VERSION } from '../version.js';
import { CHECK_IDS } from '../../probes/catalogue.js';
import { isLoopback } from '../../probes/net.js';
import { pruneRuns } from './retention.js';
import { RunController } from './runs.js';
import { StoreHealth } from './store-health.js';
import { inProcessExecutor, processExecutor, workerExecutor, type Executor } from './worker.js';

export const DEFAULT_LISTEN = '127.0.0.1:7878';
/** How long SIGTERM waits for a run in flight (systemd's TimeoutStopSec is 30 s in the unit). */
export const DEFAULT_STOP_GRACE_MS = 20_000;

export interface DaemonOptions {
  configFile: string;
  /** HOST:PORT the API listens on instead of api.listen (`serve --listen`), at start and across reloads. */
  listen?: string;
  log?: Log;
  /** Default: from PATHAUDIT_RUN_MODE (see runExecutorFromEnv): a child process per run. */
  executor?: Executor;
  stopGraceMs?: number;
  now?: () => Date;
}

export interface Daemon {
  /** host:port the API listens on. */
  address: string;
  store: Store;
  runs: RunController;
  api: PathauditApp;
  config(): LoadedConfig;
  /** Re-reads the config file; returns false (old config kept) when the new one is invalid. */
  reload(): Promise<boolean>;
  stop(reason?: string): Promise<void>;
}

export function loadDaemonConfig(file: string, listen?: string): LoadedConfig {
  const loaded = loadConfigFile(file);
  // `serve --listen` wins over api.listen; the config hash stays the file's.
  if (listen) loaded.config.api = { ...loaded.config.api, listen };
  return loaded;
}

export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(listen.slice(i + 1)) };
}

/** The API must not be reachable beyond this host without a token. */
export function checkApiExposure(loaded: LoadedConfig): { host: string; port: number } {
  const listen = parseListen(loaded.config.api?.listen ?? DEFAULT_LISTEN);
  if (!isLoopback(listen.host) && !apiTokenOf(loaded))
    throw configError(`api.listen: ${listen.host} is not a loopback address and api.token_file is not set`, [
      `api.token_file: required when api.listen binds beyond loopback (${loaded.config.api?.listen}); or bind 127.0.0.1`,
    ]);
  return listen;
}

/**
 * Where a run's checks execute, from PATHAUDIT_RUN_MODE:
 *   process     (default) a child process per run: all it loaded and
 *               allocated is gone when the run ends
 *   thread      a worker thread per run: no process start (~100 ms less per
 *               run), but ~4 MB of native memory stays after the first run
 *   in-process  the daemon's main thread: least CPU, and what the probes load
 *               stays resident
 */
export function runExecutorFromEnv(env: NodeJS.ProcessEnv = process.env): Executor {
  const mode = env.PATHAUDIT_RUN_MODE || 'process';
  const executors: Record<string, Executor> = { process: processExecutor, thread: workerExecutor, 'in-process': inProcessExecutor };
  const executor = executors[mode];
  if (!executor) throw configError(`PATHAUDIT_RUN_MODE: expected process, thread or in-process (got "${mode}")`);
  return executor;
}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const t0 = performance.now();
  const log = opts.log ?? createLogger();
  const now = opts.now ?? (() => new Date());
  let loaded = loadDaemonConfig(opts.configFile, opts.listen);
  const listen = checkApiExposure(loaded);
  if (!apiTokenOf(loaded)) log.warn({ listen: `${listen.host}:${listen.port}` }, 'api.token_file is not set: any local user can use the API');

  const store = openStore(storePathOf(loaded.config));
  const aborted = store.runs.abortUnfinished(now());
  if (aborted.length) log.warn({ runs: aborted }, 'runs left unfinished by a previous stop or crash marked aborted');
  const elsewhere = store.runs.inFlight();
  if (elsewhere.length) log.info({ runs: elsewhere }, 'runs in flight in other processes (pathaudit run) left alone');
  const storeHealth = new StoreHealth(store.file, now);
  const retention = () => {
    try {
      storeHealth.write('prune old runs', () => pruneRuns(store, loaded.config.store?.retention_days, now(), log));
    } catch (err) {
      log.error({ err: reasonOf(err) }, 'retention failed (runs kept)');
    }
  };
  retention();

  const runs = new RunController({ store, config: () => loaded, executor: opts.executor ?? runExecutorFromEnv(), log, now, storeHealth });
  runs.on('finished', (doc) => {
    try {
      if (storeHealth.write('mark the baseline', () => ensureBaseline(store, doc))) log.info({ runId: doc.run.id }, 'first completed audit-baseline run marked as baseline');
    } catch (err) {
      log.error({ err: reasonOf(err) }, 'could not mark the baseline');
    }
    retention();
  });

  let api: PathauditApp;
  try {
    api = await buildApp({ store, config: () => loaded, runs, log, now });
    await api.app.listen({ host: listen.host, port: listen.port });
  } catch (err) {
    store.close();
    throw configError(`api.listen: cannot listen on ${listen.host}:${listen.port}: ${reasonOf(err)}`);
  }
  let schedules: Schedules = startSchedules(loaded.config.schedules, { runs, store, log, thresholds: thresholdsFrom(loaded.config) });
  const address = `${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}`;
  log.info(
    { listen: address, version: AGENT_VERSION, config: loaded.file, store: store.file, schedules: schedules.describe(), startMs: Math.round(performance.now() - t0) },
    'pathaudit ready',
  );

  let stopping: Promise<void> | null = null;
  return {
    address,
    store,
    runs,
    api,
    config: () => loaded,
    async reload() {
      let next: LoadedConfig;
      try {
        next = loadDaemonConfig(opts.configFile, opts.listen);
        checkApiExposure(next);
      } catch (err) {
        const problems = (err as { problems?: string[] }).problems ?? [];
        log.error({ err: reasonOf(err), problems }, 'config reload refused: keeping the config in force');
        return false;
      }
      if ((next.config.api?.listen ?? DEFAULT_LISTEN) !== (loaded.config.api?.listen ?? DEFAULT_LISTEN))
        log.warn('api.listen changed: it takes effect at the next restart');
      if (storePathOf(next.config) !== storePathOf(loaded.config)) log.warn('store.path changed: it takes effect at the next restart');
      await schedules.stop();
      loaded = next;
      schedules = startSchedules(loaded.config.schedules, { runs, store, log, thresholds: thresholdsFrom(loaded.config) });
      api.posture.invalidate();
      log.info({ configHash: loaded.hash, schedules: schedules.describe() }, 'config reloaded');
      return true;
    },
    stop(reason = 'stop requested') {
      stopping ??= (async () => {
        log.info({ reason, running: runs.running?.id ?? null }, 'pathaudit stopping');
        await schedules.stop();
        await runs.stop(opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS);
        await api.app.close();
        store.close();
        log.info('pathaudit stopped');
      })();
      return stopping;
    },
  };
}
