// Prometheus metrics, one registry per app (no global state: tests build many
// apps). Gauges are filled at scrape time from the posture view and the
// store, so a scrape always agrees with GET /v1/posture. The fleet's rules
// and dashboard (config/prometheus, config/grafana, docs/fleet.md) use them.
//
//   pathaudit_info{gateway_id,gateway_site,version}   1: who is answering (gateway.id, gateway.site of the config; not `gateway`/`site`, which the fleet's scrape config sets as target labels)
//   pathaudit_posture{posture}                        1 for the current posture (exposed, degraded, hardened; unknown before any run)
//   pathaudit_control_status{check,control,resource,status}  1 for the latest status of each control on each resource *
//   pathaudit_control_failing{check,control,resource,severity}  1 when that status is fail or warn, else 0 *
//   pathaudit_findings{severity}                      open (unwaived) findings in the posture
//   pathaudit_findings_waived                         findings covered by a live waiver
//   pathaudit_baseline_timestamp_seconds              end of the baseline run (absent while no baseline is set)
//   pathaudit_baseline_regressions{check,control}     control results of the posture that regressed against the baseline
//   pathaudit_certificate_not_after_timestamp_seconds{kind,certificate}  expiry of each served broker/ingest certificate and device certificate *
//   pathaudit_bundle_last_run_timestamp_seconds{bundle,status}  end of the latest run of each bundle with each status *
//   pathaudit_bundle_last_run_duration_seconds{bundle,status}   how long that run took *
//   pathaudit_schedule_interval_seconds{bundle}       how often a schedule runs that bundle (longest gap between slots + jitter)
//   pathaudit_last_run_timestamp_seconds              when the latest finished run ended
//   pathaudit_last_run_duration_seconds               how long it took
//   pathaudit_last_run_status{status}                 1 for its status
//   pathaudit_run_in_progress                         1 while a run executes
//   pathaudit_runs_finished_total{status,trigger}     runs this process finished
//   pathaudit_store_up                                1 when the store answers a query
//   pathaudit_store_healthy                           1 while the last write to the store succeeded, 0 after one failed (disk full, read-only)
//   pathaudit_store_runs                              runs in the store (tombstones included)
//   pathaudit_store_size_bytes                        size of the SQLite file and its WAL
//   pathaudit_metrics_folded{label}                   label values folded into the (overflow) series (resource, certificate, bundle)
//   pathaudit_start_time_seconds                      when this daemon process started
//   pathaudit_process_resident_memory_bytes           RSS of the daemon
//
// * resource ids, certificates and bundle names come from the config and the
//   gateway: at most api.metrics_max_resources values each (default 200),
//   the rest folded into one series labelled (overflow) (metric-caps.ts).
import { statSync } from 'node:fs';
import { Counter, Gauge, Registry } from 'prom-client';
import { CHECK_INFOS } from '../../probes/catalogue.js';
import { SEVERITIES } from '../../probes/types.js';
import { POSTURES, RUN_STATUSES } from '../contracts/vocabulary.js';
import type { LoadedConfig } from '../config/load.js';
import type { RunController } from '../daemon/runs.js';
import type { BundleCadence } from '../schedule/index.js';
import type { Store } from '../store/index.js';
import { AGENT_VERSION } from '../version.js';
import { capLabel, DEFAULT_MAX_RESOURCES, OVERFLOW } from './metric-caps.js';
import { metricViews } from './metric-views.js';
import type { PostureCache, PostureResult } from './posture.js';
import type { RunTally } from './run-tally.js';

/** How a run ended: every status but `running`. */
const RUN_ENDS = RUN_STATUSES.filter((s) => s !== 'running');

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export interface MetricsDeps {
  store: Store;
  posture: PostureCache;
  runs: RunController | null;
  tally: RunTally;
  /** The config in force (gateway labels, the cardinality cap). */
  config: () => LoadedConfig;
  /** How often each scheduled bundle runs (empty when the daemon runs no schedule). */
  cadences?: () => BundleCadence[];
}

const failing = (r: PostureResult) => r.status === 'fail' || r.status === 'warn';

/** `compute` over two inputs, done again only when one of them changes (by identity): the posture and the bundle runs are cached objects, replaced when they change. */
function whenChanged<A, B, T>(a: () => A, b: () => B, compute: (a: A, b: B) => T): () => T {
  let last: { a: A; b: B; value: T } | null = null;
  return () => {
    const [x, y] = [a(), b()];
    if (!last || last.a !== x || last.b !== y) last = { a: x, b: y, value: compute(x, y) };
    return last.value;
  };
}

export function createMetrics(deps: MetricsDeps): Registry {
  const registry = new Registry();
  const views = metricViews(deps.store, () => deps.posture.get());
  const maxValues = () => deps.config().config.api?.metrics_max_resources ?? DEFAULT_MAX_RESOURCES;
  const folded = new Map<string, number>();

  /** The posture's results with resources past the cap folded: failing results are kept first. Split once per posture and cap, for all the gauges of a scrape. */
  const cappedResults = whenChanged(
    () => deps.posture.get(),
    maxValues,
    (posture, max) => {
      const split = capLabel(posture.results, (r) => r.resource, (a, b) => Number(failing(b)) - Number(failing(a)), max);
      folded.set('resource', new Set(split.folded.map((r) => r.resource)).size);
      return split;
    },
  );

  new Gauge({
    name: 'pathaudit_info',
    help: 'The gateway answering (gateway.id and gateway.site of the config) and the agent version; always 1',
    labelNames: ['gateway_id', 'gateway_site', 'version'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const g = deps.config().config.gateway;
      this.set({ gateway_id: g?.id ?? 'unknown', gateway_site: g?.site ?? '', version: AGENT_VERSION }, 1);
    },
  });
  new Gauge({
    name: 'pathaudit_posture',
    help: 'The current posture of the path: 1 for exposed, degraded or hardened (unknown before any run)',
    labelNames: ['posture'] as const,
    registers: [registry],
    collect() {
      const now = deps.posture.get().summary?.posture ?? 'unknown';
      for (const p of [...POSTURES, 'unknown']) this.set({ posture: p }, p === now ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pathaudit_control_status',
    help: 'Latest status of a control on a resource (1 for the status observed; resource (overflow): how many results past the cap have it)',
    labelNames: ['check', 'control', 'resource', 'status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const { kept, folded: rest } = cappedResults();
      for (const r of kept) this.set({ check: r.check, control: r.control, resource: r.resource, status: r.status }, 1);
      for (const r of rest) this.inc({ check: r.check, control: r.control, resource: OVERFLOW, status: r.status }, 1);
    },
  });
  new Gauge({
    name: 'pathaudit_control_failing',
    help: 'Whether the latest result of a control on a resource is fail or warn (1) or not (0); resource (overflow): how many results past the cap fail',
    labelNames: ['check', 'control', 'resource', 'severity'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const { kept, folded: rest } = cappedResults();
      for (const r of kept) this.set({ check: r.check, control: r.control, resource: r.resource, severity: r.severity }, failing(r) ? 1 : 0);
      for (const r of rest) this.inc({ check: r.check, control: r.control, resource: OVERFLOW, severity: r.severity }, failing(r) ? 1 : 0);
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
    name: 'pathaudit_baseline_timestamp_seconds',
    help: 'End time of the baseline run (unix seconds); absent while no baseline is set',
    registers: [registry],
    collect() {
      this.reset();
      const b = views.baselineRegressions();
      if (b?.finishedAt) this.set(b.finishedAt);
    },
  });
  new Gauge({
    name: 'pathaudit_baseline_regressions',
    help: 'Control results of the current posture that regressed against the baseline, per control (absent while no baseline is set)',
    labelNames: ['check', 'control'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const b = views.baselineRegressions();
      if (!b) return;
      for (const c of CHECK_INFOS) for (const m of c.controls) this.set({ check: c.id, control: m.id }, b.byControl.get(m.id)?.n ?? 0);
    },
  });
  new Gauge({
    name: 'pathaudit_certificate_not_after_timestamp_seconds',
    help: 'Expiry (notAfter, unix seconds) of each certificate the latest runs saw: broker and ingest as served, devices from the inventory; certificate (overflow): the earliest past the cap',
    labelNames: ['kind', 'certificate'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const { kept, folded: rest } = capLabel(views.certificates(), (c) => `${c.kind} ${c.certificate}`, (a, b) => a.notAfter - b.notAfter, maxValues());
      folded.set('certificate', rest.length);
      for (const c of kept) this.set({ kind: c.kind, certificate: c.certificate }, c.notAfter);
      const earliest = new Map<string, number>();
      for (const c of rest) earliest.set(c.kind, Math.min(earliest.get(c.kind) ?? Infinity, c.notAfter));
      for (const [kind, t] of earliest) this.set({ kind, certificate: OVERFLOW }, t);
    },
  });
  // The most recent bundles are kept; older ones (and one-off `checks:` runs) fold first.
  const bundleRuns = whenChanged(
    () => views.bundleRuns(),
    maxValues,
    (runs, max) => {
      const split = capLabel(runs, (r) => r.bundle, (a, b) => b.finishedAt - a.finishedAt, max);
      folded.set('bundle', new Set(split.folded.map((r) => r.bundle)).size);
      return split;
    },
  );
  new Gauge({
    name: 'pathaudit_bundle_last_run_timestamp_seconds',
    help: 'End time (unix seconds) of the latest run of each bundle with each status (completed, failed, aborted); bundle (overflow): the latest past the cap',
    labelNames: ['bundle', 'status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const { kept, folded: rest } = bundleRuns();
      for (const r of kept) this.set({ bundle: r.bundle, status: r.status }, r.finishedAt);
      const latest = new Map<string, number>();
      for (const r of rest) latest.set(r.status, Math.max(latest.get(r.status) ?? 0, r.finishedAt));
      for (const [status, t] of latest) this.set({ bundle: OVERFLOW, status }, t);
    },
  });
  new Gauge({
    name: 'pathaudit_bundle_last_run_duration_seconds',
    help: 'Duration of the latest run of each bundle with each status',
    labelNames: ['bundle', 'status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const r of bundleRuns().kept) if (r.durationSeconds !== null) this.set({ bundle: r.bundle, status: r.status }, r.durationSeconds);
    },
  });
  new Gauge({
    name: 'pathaudit_schedule_interval_seconds',
    help: 'How often the schedules run each bundle: the longest gap between its next slots plus jitter (a last completed run older than twice this means a stuck scheduler)',
    labelNames: ['bundle'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const c of deps.cadences?.() ?? []) this.set({ bundle: c.bundle }, c.intervalSeconds);
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
      for (const s of RUN_ENDS) this.set({ status: s }, last?.status === s ? 1 : 0);
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
    name: 'pathaudit_metrics_folded',
    help: 'Label values past api.metrics_max_resources folded into the (overflow) series, per folded label (resource, certificate, bundle)',
    labelNames: ['label'] as const,
    registers: [registry],
    collect() {
      for (const label of ['resource', 'certificate', 'bundle']) this.set({ label }, folded.get(label) ?? 0);
    },
  });
  new Gauge({
    name: 'pathaudit_start_time_seconds',
    help: 'When this daemon process started (unix seconds): a scheduled bundle with no completed run is late once the daemon has been up longer than twice its interval',
    registers: [registry],
    collect() {
      this.set(Math.round(performance.timeOrigin) / 1000);
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
