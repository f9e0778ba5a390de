// Prometheus metrics, one registry per app (no global state: tests build many
// apps). Gauges are filled at scrape time from the posture view and the
// store, so a scrape always agrees with GET /v1/posture.
//
//   pathaudit_control_status{check,control,resource,status}  1 for the latest status of each control on each resource
//   pathaudit_control_failing{check,control,resource,severity}  1 when that status is fail or warn, else 0
//   pathaudit_findings{severity}                      open (unwaived) findings in the posture
//   pathaudit_findings_waived                         findings covered by a live waiver
//   pathaudit_last_run_timestamp_seconds              when the latest finished run ended
//   pathaudit_last_run_duration_seconds               how long it took
//   pathaudit_last_run_status{status}                 1 for its status
//   pathaudit_run_in_progress                         1 while a run executes
//   pathaudit_runs_finished_total{status,trigger}     runs this process finished
//   pathaudit_store_up                                1 when the store answers a query
//   pathaudit_store_healthy                           1 while the last write to the store succeeded, 0 after one failed (disk full, read-only)
//   pathaudit_store_runs                              runs in the store (tombstones included)
//   pathaudit_store_size_bytes                        size of the SQLite file and its WAL
//   pathaudit_process_resident_memory_bytes           RSS of the daemon
import { statSync } from 'node:fs';
import { Counter, Gauge, Registry } from 'prom-client';
import { SEVERITIES } from '../../probes/types.js';
import type { RunController } from '../daemon/runs.js';
import type { Store } from '../store/index.js';
import type { PostureCache } from './posture.js';
import type { RunTally } from './run-tally.js';

const RUN_STATUSES = ['completed', 'failed', 'aborted'] as const;

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export function createMetrics(deps: { store: Store; posture: PostureCache; runs: RunController | null; tally: RunTally }): Registry {
  const registry = new Registry();

  new Gauge({
    name: 'pathaudit_control_status',
    help: 'Latest status of a control on a resource (1 for the status observed)',
    labelNames: ['check', 'control', 'resource', 'status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const r of deps.posture.get().results) this.set({ check: r.check, control: r.control, resource: r.resource, status: r.status }, 1);
    },
  });
  new Gauge({
    name: 'pathaudit_control_failing',
    help: 'Whether the latest result of a control on a resource is fail or warn (1) or not (0)',
    labelNames: ['check', 'control', 'resource', 'severity'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const r of deps.posture.get().results)
        this.set({ check: r.check, control: r.control, resource: r.resource, severity: r.severity }, r.status === 'fail' || r.status === 'warn' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pathaudit_findings',
    help: 'Open (unwaived) findings in the current posture, by severity',
    labelNames: ['severity'] as const,
    registers: [registry],
    collect() {
      const findings = deps.posture.get().findings;
      for (const s of SEVERITIES) this.set({ severity: s }, findings.filter((f) => !f.waived && f.severity === s).length);
    },
  });
  new Gauge({
    name: 'pathaudit_findings_waived',
    help: 'Findings covered by a live waiver in the current posture',
    registers: [registry],
    collect() {
      this.set(deps.posture.get().findings.filter((f) => f.waived).length);
    },
  });
  new Gauge({
    name: 'pathaudit_last_run_timestamp_seconds',
    help: 'End time of the latest finished run (unix seconds)',
    registers: [registry],
    collect() {
      const last = deps.posture.get().latestRun;
      if (last?.finishedAt) this.set(Date.parse(last.finishedAt) / 1000);
    },
  });
  new Gauge({
    name: 'pathaudit_last_run_duration_seconds',
    help: 'Duration of the latest finished run',
    registers: [registry],
    collect() {
      const last = deps.posture.get().latestRun;
      if (last?.durationMs !== null && last?.durationMs !== undefined) this.set(last.durationMs / 1000);
    },
  });
  new Gauge({
    name: 'pathaudit_last_run_status',
    help: 'Status of the latest finished run (1 for its status)',
    labelNames: ['status'] as const,
    registers: [registry],
    collect() {
      const last = deps.posture.get().latestRun;
      for (const s of RUN_STATUSES) this.set({ status: s }, last?.status === s ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pathaudit_run_in_progress',
    help: 'Whether a run is executing now',
    registers: [registry],
    collect() {
      this.set(deps.runs?.running ? 1 : 0);
    },
  });
  new Counter({
    name: 'pathaudit_runs_finished_total',
    help: 'Runs this process finished, by status and trigger',
    labelNames: ['status', 'trigger'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const c of deps.tally.counts.values()) this.inc({ status: c.status, trigger: c.trigger }, c.n);
    },
  });
  new Gauge({
    name: 'pathaudit_store_up',
    help: 'Whether the store answers a query (1) or not (0)',
    registers: [registry],
    collect() {
      try {
        deps.store.db.prepare('SELECT 1').get();
        this.set(1);
      } catch {
        this.set(0);
      }
    },
  });
  new Gauge({
    name: 'pathaudit_store_healthy',
    help: 'Whether the last write to the store succeeded (1) or failed (0: disk full, read-only; /healthz gives the reason)',
    registers: [registry],
    collect() {
      this.set(deps.runs?.storeHealth.failure ? 0 : 1);
    },
  });
  new Gauge({
    name: 'pathaudit_store_runs',
    help: 'Runs recorded in the store (pruned tombstones included)',
    registers: [registry],
    collect() {
      try {
        this.set((deps.store.db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n);
      } catch {
        /* pathaudit_store_up says why */
      }
    },
  });
  new Gauge({
    name: 'pathaudit_store_size_bytes',
    help: 'Size of the SQLite store and its write-ahead log',
    registers: [registry],
    collect() {
      this.set(fileSize(deps.store.file) + fileSize(`${deps.store.file}-wal`));
    },
  });
  new Gauge({
    name: 'pathaudit_process_resident_memory_bytes',
    help: 'Resident set size of the daemon',
    registers: [registry],
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  return registry;
}
