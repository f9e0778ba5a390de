// One check's collect called directly, outside a run: benchmarks and tests
// that time or exercise a single check without the runner's budget, store
// or secrets. The context says so: no secrets are loaded, nothing is aborted
// unless the caller aborts, and the log is silent.
import { silentLogger } from '../log.js';
import { checkController } from './execute.js';
import type { CollectContext, RunWindow } from '../../probes/types.js';
import type { PathauditConfig } from '../../config/schema/index.js';

export function standaloneContext(config: PathauditConfig, opts: { runWindows?: readonly RunWindow[]; stepTimeoutMs?: number; signal?: AbortSignal } = {}): CollectContext {
  return {
    config,
    secrets: { get: () => '', has: () => false, register: () => {} },
    signal: opts.signal ?? checkController().signal,
    stepTimeoutMs: opts.stepTimeoutMs ?? 3000,
    log: silentLogger(),
    runWindows: opts.runWindows ?? [],
  };
}
