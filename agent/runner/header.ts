// The run row as it starts (id and header): what the run's lifecycle
// records (lifecycle.ts) and executeRun fills in, apart from the probing code.
import { randomBytes } from 'node:crypto';
import type { LoadedConfig } from '../config/load.js';
import { AGENT_VERSION } from '../version.js';
import type { RunHeader, Trigger } from './document.js';

/** The header of a run that has just started: `running`, not yet linked into the chain. */
export function startedRunHeader(o: { runId: string; bundle: string; trigger: Trigger; loaded: LoadedConfig; startedAt: Date }): RunHeader {
  const { config } = o.loaded;
  return {
    id: o.runId,
    bundle: o.bundle,
    trigger: o.trigger,
    startedAt: o.startedAt.toISOString(),
    finishedAt: null,
    status: 'running',
    agentVersion: AGENT_VERSION,
    configHash: o.loaded.hash,
    gatewayId: config.gateway?.id ?? 'unknown',
    path: config.path ? { ...config.path } : null,
    checks: [],
    previousHash: null,
    hash: null,
  };
}

export function newRunId(at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `run-${stamp}-${randomBytes(3).toString('hex')}`;
}
