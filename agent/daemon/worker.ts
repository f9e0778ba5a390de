// Executes a run's checks away from the daemon's main thread (see
// run-worker.ts for why) and hands the RunDocument back to the run's
// lifecycle, which stores it: in a child process (the default) or a worker
// thread; on the main thread itself, inProcessExecutor (tests, and a
// fallback).
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PathauditConfig } from '../../config/schema/index.js';
import type { RunWindow } from '../../probes/types.js';
import type { RunDocument, Trigger } from '../runner/document.js';
import type { ExecutionRequest, Executor } from '../runner/executor.js';

export interface WorkerRequest {
  config: PathauditConfig;
  configFile: string | null;
  configHash: string;
  bundle: string;
  checks: string[];
  trigger: Trigger;
  runId: string;
  logLevel: string;
  /** The store's run windows (the run process has no store): see ExecuteOptions.runWindows. */
  runWindows: RunWindow[];
}

export type WorkerReply = { ok: true; doc: RunDocument } | { ok: false; error: string };

// The executor contract and the in-process executor live with the run
// lifecycle (agent/runner/executor.ts); the daemon adds these two.
export { inProcessExecutor, type Execution, type ExecutionRequest, type Executor } from '../runner/executor.js';

// Under the test runner the sources are .ts files run through a loader (tsx);
// the build runs the compiled .js.
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './run-worker.ts' : './run-worker.js', import.meta.url);

/**
 * The module a worker thread starts from. A run process inherits the loader
 * with execArgv, but Node 20 does not apply `--import` hooks to worker
 * threads, so from sources the thread registers tsx itself first.
 */
function threadEntry(): URL {
  if (!WORKER_URL.pathname.endsWith('.ts')) return WORKER_URL;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new URL(`data:text/javascript,${encodeURIComponent(`import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(WORKER_URL.href)});`)}`);
}

/** What a run process or thread is told: the validated config (no secret values: it re-reads them) and the run. */
function workerRequestOf(req: ExecutionRequest): WorkerRequest {
  return {
    config: req.loaded.config,
    configFile: req.loaded.file,
    configHash: req.loaded.hash,
    bundle: req.bundle,
    checks: req.checks,
    trigger: req.trigger,
    runId: req.runId,
    logLevel: req.log.level,
    runWindows: req.runWindows,
  };
}

/**
 * The run document a worker thread or run process replies with. It rejects on
 * an error reply, an 'error' event, or an exit before any reply (why: `exitReason`).
 */
function runReply(runner: Worker | ChildProcess, exitReason: (code: number | null, signal?: NodeJS.Signals | null) => string): Promise<RunDocument> {
  return new Promise<RunDocument>((resolve, reject) => {
    let settled = false;
    runner.once('message', (msg: WorkerReply) => {
      settled = true;
      if (msg.ok) resolve(msg.doc);
      else reject(new Error(msg.error));
    });
    runner.once('error', (err: Error) => {
      settled = true;
      reject(err);
    });
    runner.once('exit', (code: number | null, signal?: NodeJS.Signals | null) => {
      if (!settled) reject(new Error(exitReason(code, signal)));
    });
  });
}

export const workerExecutor: Executor = (req) => {
  const data = workerRequestOf(req);
  const worker = new Worker(threadEntry(), { workerData: data });
  let cancelled: string | null = null;
  const done = runReply(worker, (code) => cancelled ?? `run worker exited with code ${code} before reporting`);
  return {
    done,
    cancel: async (reason) => {
      cancelled = reason;
      await worker.terminate();
    },
  };
};

/**
 * Executes the run in a child process (the same run-worker module) that exits
 * with the run. Unlike a worker thread, a process gives everything back when
 * it ends: a worker thread leaves ~4 MB of native memory (malloc arenas, the
 * isolate's code pages) in the daemon after its first run.
 */
export const processExecutor: Executor = (req) => {
  const data = workerRequestOf(req);
  // The run id on the command line says in `ps` (and to tests) which run a process is.
  // It inherits node's flags but never --no-opt (should an operator start the
  // daemon with it to save memory): a CPU-heavy run (a thousand device
  // certificates) is worth optimizing, and what the optimizer allocates ends
  // with the process.
  const execArgv = process.execArgv.filter((a) => a !== '--no-opt');
  const child = fork(fileURLToPath(WORKER_URL), [`--run=${req.runId}`], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let cancelled: string | null = null;
  const done = runReply(child, (code, signal) => cancelled ?? `run process exited (${signal ?? `code ${code}`}) before reporting`);
  child.send(data);
  return {
    done,
    pid: child.pid,
    cancel: async (reason) => {
      cancelled = reason;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
};
