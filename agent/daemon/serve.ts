// The daemon: how pathaudit lives on the gateway.
//
//   startSteps = [load + validate config, refuse an open non-loopback API,
//                 warn about a plaintext one, read the API's TLS pair, open
//                 store, mark crash leftovers aborted, prune, start run
//                 controller, build + listen API, start schedules, say ready]
//
// A step that fails undoes the ones before it (schedules stopped, API
// closed, store closed) before the error leaves: `serve` then exits with its
// code instead of hanging on a listener.
//
// Stop (SIGTERM): stop accepting runs and schedules, let the run in flight
// finish within a bound (else cancel it and record it aborted), close the API,
// close the store. Reload (SIGHUP): validate the new config; an invalid one is
// refused and the old one stays in force.
import { loadConfigFile, type LoadedConfig } from '../config/load.js';
import { configError, reasonOf } from '../errors.js';
import { thresholdsFrom } from '../evidence/summary.js';
import { createLogger, type Log } from '../log.js';
import { openStore, storePathOf, type Store } from '../store/index.js';
import { startSchedules, type Schedules } from '../schedule/index.js';
import { apiTokenOf, buildApp, type PathauditApp } from '../api/app.js';
import { AGENT_VERSION } from '../version.js';
import { readFileSync } from 'node:fs';
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
  /** Where warnings an operator must see at start go besides the log (serve: stderr). */
  warn?: (line: string) => void;
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

/** fastify's https options from api.tls, checked: the certificate readable, the key (read as a secret) its pair. */
export async function apiTlsOf(loaded: LoadedConfig): Promise<{ cert: string; key: string; minVersion: 'TLSv1.2' } | null> {
  const tls = loaded.config.api?.tls;
  if (!tls) return null;
  let cert: string;
  try {
    cert = readFileSync(tls.cert_file, 'utf8');
  } catch (err) {
    throw configError(`api.tls.cert_file: cannot read ${tls.cert_file}: ${reasonOf(err)}`);
  }
  const key = loaded.secrets.get(tls.key_file);
  try {
    // node:tls only when TLS is configured: a loopback daemon does not load it.
    (await import('node:tls')).createSecureContext({ cert, key });
  } catch (err) {
    // OpenSSL's reason names the problem (no PEM, key values mismatch), never the key.
    throw configError(`api.tls: cannot serve ${tls.cert_file} with api.tls.key_file ${tls.key_file}: ${reasonOf(err)}`);
  }
  return { cert, key, minVersion: 'TLSv1.2' };
}

/** Why an API bound this way deserves a warning: beyond loopback without TLS, the token crosses the network in clear. */
export function apiExposureWarning(listen: { host: string; port: number }, tls: boolean): string | null {
  if (tls || isLoopback(listen.host)) return null;
  return `api.listen ${listen.host}:${listen.port} binds beyond loopback without api.tls: the bearer token and every answer cross the network in clear text (set api.tls, see docs/fleet.md)`;
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
  let https = await apiTlsOf(loaded);
  const exposure = apiExposureWarning(listen, https !== null);
  if (exposure) {
    log.warn({ listen: `${listen.host}:${listen.port}` }, exposure);
    opts.warn?.(`pathaudit: warning: ${exposure}\n`);
  }

  const store = openStore(storePathOf(loaded.config));
  // What has started so far, undone in reverse if a later step fails.
  const undo: Array<() => Promise<void> | void> = [() => store.close()];
  let runs: RunController;
  let api: PathauditApp;
  let schedules: Schedules;
  try {
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

    runs = new RunController({ store, config: () => loaded, executor: opts.executor ?? runExecutorFromEnv(), log, now, storeHealth });
    const controller = runs;
    undo.push(() => controller.stop(0));
    // (The run's lifecycle has marked the baseline by then: it is never pruned.)
    runs.on('finished', () => retention());

    const app = await buildApp({ store, config: () => loaded, runs, log, now, https: https ?? undefined, cadences: () => schedules?.cadences() ?? [] });
    api = app;
    undo.push(() => app.app.close());
    try {
      await api.app.listen({ host: listen.host, port: listen.port });
    } catch (err) {
      throw configError(`api.listen: cannot listen on ${listen.host}:${listen.port}: ${reasonOf(err)}`);
    }
    schedules = startSchedules(loaded.config.schedules, { runs, store, log, thresholds: thresholdsFrom(loaded.config) });
  } catch (err) {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch {
        /* the first error is the one to report */
      }
    }
    throw err;
  }
  const address = `${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}`;
  log.info(
    { listen: address, tls: https !== null, version: AGENT_VERSION, config: loaded.file, store: store.file, schedules: schedules.describe(), startMs: Math.round(performance.now() - t0) },
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
      let nextHttps: Awaited<ReturnType<typeof apiTlsOf>>;
      try {
        nextHttps = await apiTlsOf(next);
      } catch (err) {
        log.error({ err: reasonOf(err) }, 'config reload refused: keeping the config in force');
        return false;
      }
      if ((nextHttps === null) !== (https === null)) log.warn('api.tls added or removed: it takes effect at the next restart');
      else if (nextHttps && (nextHttps.cert !== https!.cert || nextHttps.key !== https!.key)) {
        // A renewed certificate is served from the next handshake on, without a restart.
        (api.app.server as unknown as { setSecureContext(o: object): void }).setSecureContext(nextHttps);
        https = nextHttps;
        log.info({ certFile: next.config.api?.tls?.cert_file }, 'api.tls certificate reloaded');
      }
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
