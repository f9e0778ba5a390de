// Benchmark: the SQLite store at 10,000 runs. Two real run documents are
// taken from the lab (the `full` bundle on the weak gateway with the demo
// devices, then again after hardening it); the store is then filled through
// RunRepository.finish — hash chain and all — with a gateway's schedule: a
// `full` audit once a day, `hardening-verification` (a subset of the same
// document) every other hour, the gateway flipping between weak and hardened
// every 100 runs. Then, median of --reps:
//   - file size (database + WAL after a checkpoint), rows;
//   - the posture query: latestResults() and computePosture() as the API's
//     posture cache computes it after every run (target ≤ 5 ms);
//   - the delta between two runs as GET /v1/delta serves it: both documents
//     loaded from the store + computeDelta() (target ≤ 20 ms);
//   - a page of GET /v1/runs (count + 20 rows);
//   - the posture query's worst case: checks no run ever ran, so the look-back
//     goes through its whole bound of 1,000 runs (a second, smaller store).
//   node dist/scripts/bench/store.js [--runs 10000] [--reps 25]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { computePosture } from '../../agent/api/posture.js';
import { loadConfigFile, type LoadedConfig } from '../../agent/config/load.js';
import { computeDelta } from '../../agent/evidence/delta.js';
import { latestResults } from '../../agent/evidence/posture.js';
import { summarize } from '../../agent/evidence/summary.js';
import { silentLogger } from '../../agent/log.js';
import { BUILTIN_BUNDLES } from '../../agent/runner/bundles.js';
import type { RunDocument } from '../../agent/runner/document.js';
import { executeRun } from '../../agent/runner/execute.js';
import { newRunId } from '../../agent/runner/header.js';
import { openStore, type Store } from '../../agent/store/index.js';
import { startLabGateway } from '../../agent/lab/gateway.js';
import { fmt, machine, median, percentile } from './stats.js';

const arg = (name: string, def: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) || def : def);
const RUNS = arg('--runs', 10_000);
const REPS = arg('--reps', 25);
const TARGET_POSTURE_MS = 5;
const TARGET_DELTA_MS = 20;
const HOUR = 3600_000;

/** The same run restricted to some checks: what a smaller bundle over the same gateway records. */
function subset(doc: RunDocument, bundle: string, checks: readonly string[]): RunDocument {
  const keep = new Set(checks);
  const results = doc.results.filter((r) => keep.has(r.check));
  const findings = doc.findings.filter((f) => keep.has(f.check));
  return {
    run: { ...doc.run, bundle, checks: doc.run.checks.filter((c) => keep.has(c.check)) },
    summary: summarize(findings, results),
    results,
    findings,
    evidence: doc.evidence.filter((e) => keep.has(e.check)),
  };
}

/** A copy of a document as run number i of the schedule (new id and times; evidence and its digests unchanged). */
function asRun(doc: RunDocument, i: number, t0: number): RunDocument {
  const started = new Date(t0 + i * HOUR);
  const finished = new Date(started.getTime() + (doc.run.finishedAt ? Date.parse(doc.run.finishedAt) - Date.parse(doc.run.startedAt) : 1000));
  return { ...doc, run: { ...doc.run, id: newRunId(started), trigger: 'schedule', startedAt: started.toISOString(), finishedAt: finished.toISOString(), previousHash: null, hash: null } };
}

async function labDocuments(dir: string): Promise<{ weak: RunDocument; hardened: RunDocument; loaded: LoadedConfig }> {
  const gw = await startLabGateway({ profile: 'weak', dir, devices: 'demo' });
  try {
    const load = () => loadConfigFile(gw.configFile);
    const run = () => executeRun({ loaded: load(), bundle: 'full', checks: [...BUILTIN_BUNDLES.full], trigger: 'schedule', log: silentLogger() });
    const weak = await run();
    await gw.reconfigure('hardened');
    const hardened = await run();
    return { weak, hardened, loaded: load() };
  } finally {
    await gw.close();
  }
}

function populate(store: Store, docs: { weak: RunDocument; hardened: RunDocument }): { ids: { weak: string; hardened: string }; ms: number } {
  const hv = BUILTIN_BUNDLES['hardening-verification'];
  const variants = {
    weak: { full: docs.weak, hv: subset(docs.weak, 'hardening-verification', hv) },
    hardened: { full: docs.hardened, hv: subset(docs.hardened, 'hardening-verification', hv) },
  };
  const t0 = Date.now() - RUNS * HOUR;
  const ids = { weak: '', hardened: '' };
  const batch = store.db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const profile = Math.floor(i / 100) % 2 === 0 ? 'weak' : 'hardened';
      const doc = i % 12 === 0 ? variants[profile].full : variants[profile].hv;
      const stored = store.runs.finish(asRun(doc, i, t0));
      if (doc.run.bundle === 'full') ids[profile] = stored.run.id;
    }
  });
  const s0 = performance.now();
  for (let i = 0; i < RUNS; i += 500) batch(i, Math.min(RUNS, i + 500));
  return { ids, ms: performance.now() - s0 };
}

function timed(reps: number, fn: () => unknown): number[] {
  fn(); // warm-up: statement cache, JIT
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'pathaudit-bench-store-'));
  try {
    console.log(`store at ${RUNS.toLocaleString('en-US')} runs — ${os.cpus().length} cores, ${machine()}`);
    const g0 = performance.now();
    const { weak, hardened, loaded } = await labDocuments(join(dir, 'lab'));
    console.log(`two real 'full' run documents from the lab in ${fmt(performance.now() - g0)}: weak ${weak.results.length} results / ${weak.findings.length} findings / ${weak.evidence.length} evidence, hardened ${hardened.results.length} / ${hardened.findings.length} / ${hardened.evidence.length}`);
    const file = join(dir, 'pathaudit.db');
    const store = openStore(file);
    const { ids, ms } = populate(store, { weak, hardened });
    console.log(`populated through RunRepository.finish (hash chain, 500 runs per transaction) in ${(ms / 1000).toFixed(1)} s (${((RUNS / ms) * 1000).toFixed(0)} runs/s)`);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const size = (f: string) => {
      try {
        return statSync(f).size;
      } catch {
        return 0;
      }
    };
    const bytes = size(file) + size(`${file}-wal`);
    const rows = (t: string) => (store.db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    console.log(`file size: ${(bytes / 1048576).toFixed(1)} MB (${(bytes / RUNS / 1024).toFixed(1)} KB per run); rows: runs ${rows('runs')}, results ${rows('results')}, findings ${rows('findings')}, evidence ${rows('evidence')}`);

    const now = new Date();
    const line = (label: string, xs: number[], target?: number) =>
      console.log(`${label.padEnd(58)} median ${fmt(median(xs))}, p95 ${fmt(percentile(xs, 95))} of ${xs.length}${target === undefined ? '' : ` — target ≤ ${target} ms: ${median(xs) <= target ? 'met' : 'MISSED'}`}`);
    const posture = timed(REPS, () => computePosture(store, loaded, now));
    const view = computePosture(store, loaded, now);
    line('posture: computePosture() (latestResults + findings)', posture, TARGET_POSTURE_MS);
    line('  of which latestResults()', timed(REPS, () => latestResults(store)));
    console.log(`  posture: ${view.results.length} results from ${new Set(view.results.map((r) => r.runId)).size} runs, ${view.findings.length} findings, latest run ${view.latestRun?.bundle}`);

    const delta = timed(REPS, () => computeDelta(store.runs.get(ids.weak)!, store.runs.get(ids.hardened)!));
    line(`delta weak → hardened 'full' run (load both + computeDelta)`, delta, TARGET_DELTA_MS);
    const [a, b] = [store.runs.get(ids.weak)!, store.runs.get(ids.hardened)!];
    line('  of which computeDelta() alone', timed(REPS, () => computeDelta(a, b)));
    console.log(`  delta: ${computeDelta(a, b).headline}`);
    line('runs list page (GET /v1/runs: count + 20 rows)', timed(REPS, () => store.runs.list({ limit: 20, offset: 0 })));

    // Worst case of the posture query: checks that no run ever ran (a gateway
    // without devices or telemetry configured) make latestResults() look back
    // through the whole scan bound (1,000 runs) before giving up on them.
    const worstFile = join(dir, 'worst.db');
    const worst = openStore(worstFile);
    const hvOnly = subset(hardened, 'hardening-verification', BUILTIN_BUNDLES['hardening-verification']);
    const w0 = Date.now() - 1100 * HOUR;
    worst.db.transaction(() => {
      for (let i = 0; i < 1100; i++) worst.runs.finish(asRun(hvOnly, i, w0));
    })();
    const worstPosture = timed(REPS, () => computePosture(worst, loaded, now));
    line('worst case: posture with 3 of 6 checks never run (1,100 runs)', worstPosture, TARGET_POSTURE_MS);
    if (median(worstPosture) > TARGET_POSTURE_MS) process.exitCode = 1;
    worst.close();

    const o0 = performance.now();
    store.close();
    const reopened = openStore(file);
    const openMs = performance.now() - o0;
    reopened.close();
    console.log(`close + reopen the ${RUNS.toLocaleString('en-US')}-run store: ${fmt(openMs)}`);
    if (median(posture) > TARGET_POSTURE_MS || median(delta) > TARGET_DELTA_MS) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
