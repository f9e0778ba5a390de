// The body of a run, executed in a child process (or a worker thread) that
// ends with the run: what the checks load and allocate (the probes' code, TLS
// contexts, MQTT clients, evidence buffers) goes away with it instead of
// staying resident in the daemon (agent/daemon/worker.ts starts it).
//
// It gets the already-validated config (absolute paths, defaults applied) and
// validates it again here, which re-reads the secret files into its own
// SecretStore: secret values never cross the process or thread boundary.
import { parentPort, workerData } from 'node:worker_threads';
import { validateConfig } from '../config/load.js';
import { reasonOf } from '../errors.js';
import { createLogger } from '../log.js';
import { executeRun } from '../runner/execute.js';
import type { WorkerRequest, WorkerReply } from './worker.js';

// A worker thread gets its request as workerData; a child process (the
// daemon's default) as the first IPC message.
const inThread = parentPort !== null;
if (!inThread) {
  // The daemon decides when a run stops (SIGTERM grace, then SIGKILL from
  // processExecutor); a signal meant for the daemon's process group must not
  // end the run behind its back. An orphan (daemon gone) stops at once.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => {});
  process.once('disconnect', () => process.exit(1));
}
const req = inThread ? (workerData as WorkerRequest) : await new Promise<WorkerRequest>((r) => process.once('message', (m) => r(m as WorkerRequest)));
const reply = (msg: WorkerReply): Promise<void> =>
  inThread
    ? Promise.resolve(parentPort!.postMessage(msg))
    : new Promise((resolve) => process.send!(msg, undefined, undefined, () => resolve()));

try {
  const loaded = validateConfig(req.config, { baseDir: '/', file: req.configFile });
  // The run belongs to the config the daemon validated, whatever the re-read found.
  loaded.hash = req.configHash;
  const log = createLogger({ level: req.logLevel }).child({ worker: inThread ? 'thread' : 'process', pid: process.pid });
  const doc = await executeRun({ loaded, bundle: req.bundle, checks: req.checks, trigger: req.trigger, runId: req.runId, log, runWindows: req.runWindows });
  await reply({ ok: true, doc });
} catch (err) {
  await reply({ ok: false, error: reasonOf(err) });
}
// A child process ends with its run, whatever sockets or timers a check left.
if (!inThread) process.exit(0);
