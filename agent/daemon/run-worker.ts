// The body of a run, executed in a worker thread that ends with the run: what
// the checks load and allocate (TLS contexts, MQTT clients, evidence buffers)
// goes away with the thread instead of staying resident in the daemon.
//
// The worker gets the already-validated config (absolute paths, defaults
// applied) and validates it again here, which re-reads the secret files into
// this thread's SecretStore: secret values never cross the thread boundary.
import { parentPort, workerData } from 'node:worker_threads';
import { validateConfig } from '../config/load.js';
import { reasonOf } from '../errors.js';
import { createLogger } from '../log.js';
import { BUILTIN_BUNDLES } from '../runner/bundles.js';
import { executeRun } from '../runner/execute.js';
import { CHECK_IDS } from '../../probes/index.js';
import type { WorkerRequest, WorkerReply } from './worker.js';

const req = workerData as WorkerRequest;
const reply = (msg: WorkerReply) => parentPort!.postMessage(msg);

try {
  const loaded = validateConfig(req.config, {
    baseDir: '/',
    file: req.configFile,
    knownBundles: new Set(Object.keys(BUILTIN_BUNDLES)),
    knownChecks: CHECK_IDS,
  });
  // The run belongs to the config the daemon validated, whatever the re-read found.
  loaded.hash = req.configHash;
  const log = createLogger({ level: req.logLevel }).child({ thread: 'run-worker' });
  const doc = await executeRun({ loaded, bundle: req.bundle, checks: req.checks, trigger: req.trigger, runId: req.runId, log });
  reply({ ok: true, doc });
} catch (err) {
  reply({ ok: false, error: reasonOf(err) });
}
