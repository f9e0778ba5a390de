// The path's posture: what the latest observation of each check says, across
// finished runs. A bundle that checks only the broker does not erase what the
// last full audit saw of the ingest edge; this is what the API serves as
// /v1/posture, what the backlog ranks and what a monthly snapshot compares
// with the baseline.
//
// The rule, per check:
//   - its results come from the latest finished run in which the check ran to
//     completion (run.checks[].outcome `completed`). A later run in which it
//     errored, overran its budget or was not configured observed nothing, so it
//     leaves the posture as it was (and is named, so nobody mistakes it for a
//     re-test);
//   - taking whole check runs, not single results, means a resource that
//     disappeared (a closed socket, a removed listener) disappears from the
//     posture too instead of keeping its last, stale result forever;
//   - a finding is never dropped because its probe failed: when that run holds
//     `error` for a control on a resource whose latest observation before was
//     a fail or warn, that finding stays open, marked `notRetested`.
// A `skipped` result inside a completed check is that check's latest word (its
// prerequisite is missing or another control judges the resource): the posture
// takes it, while a delta still calls an earlier finding there not re-tested.
import { CHECK_INFOS } from '../../probes/catalogue.js';
import type { PostureResult, PostureSource } from '../contracts/posture.js';
import type { CheckOutcome, EvidenceRecord, FindingRecord, RunDocument } from '../runner/document.js';
import type { Store } from '../store/index.js';
import { resultOfRow, type ResultRow } from '../store/runs.js';
import { summarize, type DecisionThresholds } from './summary.js';
import { compareText } from '../../probes/compare.js';

// The posture's shapes are defined once, with their schema, in agent/contracts/posture.ts.
export type { PostureResult, PostureSource };

export interface Posture {
  results: PostureResult[];
  /** Open and waived findings behind the results, as their runs recorded them, plus findings kept open across a later `error`. */
  findings: FindingRecord[];
  sources: PostureSource[];
}

export interface PostureScope {
  /** Only runs started before this instant (a month's end, for snapshots). */
  before?: string;
  /** Only runs that finished no later than this run (the path as that run left it). */
  asOf?: string;
}

interface RunOfCheck {
  id: string;
  started_at: string;
  finished_at: string | null;
  checks_json: string;
  last: number;
  first: number;
}

/** How many later non-completing runs of one check are looked through (and named) before the posture gives up looking further back. */
const LOOK_BACK = 1000;
const NAMED_LATER_RUNS = 5;

function outcomeOf(run: RunOfCheck, check: string): CheckOutcome | undefined {
  return (JSON.parse(run.checks_json) as CheckOutcome[]).find((c) => c.check === check);
}

export function latestPosture(store: Store, scope: PostureScope = {}): Posture {
  const { db } = store;
  // Results are inserted when a run finishes, so a higher rowid is a later finish.
  let upTo = Number.MAX_SAFE_INTEGER;
  if (scope.asOf) {
    const row = db.prepare('SELECT max(rowid) AS last FROM results WHERE run_id = ?').get(scope.asOf) as { last: number | null };
    upTo = row.last ?? -1;
  }
  // (`+check_id` keeps SQLite on the run's own rows, the primary key, not on every row of the check.)
  const previousRunOf = db.prepare(
    `SELECT ru.id, ru.started_at, ru.finished_at, ru.checks_json,
            (SELECT max(rowid) FROM results WHERE run_id = ru.id AND +check_id = @check) AS last,
            (SELECT min(rowid) FROM results WHERE run_id = ru.id AND +check_id = @check) AS first
       FROM runs ru
      WHERE ru.id = (SELECT r.run_id FROM results r JOIN runs x ON x.id = r.run_id
                      WHERE r.check_id = @check AND r.rowid < @below AND r.rowid <= @upTo
                        AND x.status IN ('completed', 'failed') AND (@before IS NULL OR x.started_at < @before)
                      ORDER BY r.rowid DESC LIMIT 1)`,
  );
  const selectResults = db.prepare('SELECT control, check_id, resource, status, severity, detail, evidence_json, gone FROM results WHERE run_id = ? AND check_id = ? ORDER BY idx');
  const lastObservation = db.prepare(
    `SELECT r.run_id, r.status, x.started_at FROM results r JOIN runs x ON x.id = r.run_id
      WHERE r.control = ? AND r.resource = ? AND r.rowid < ? AND r.status IN ('pass', 'fail', 'warn') AND x.status IN ('completed', 'failed')
      ORDER BY r.rowid DESC LIMIT 1`,
  );
  const findingOf = db.prepare('SELECT record_json FROM findings WHERE run_id = ? AND control = ? AND resource = ?');

  const results: PostureResult[] = [];
  const findings: FindingRecord[] = [];
  const sources: PostureSource[] = [];
  for (const c of CHECK_INFOS) {
    const later: PostureSource['notCompletedSince'] = [];
    let chosen: { run: RunOfCheck; outcome: CheckOutcome['outcome'] } | null = null;
    let newest: { run: RunOfCheck; outcome: CheckOutcome['outcome'] } | null = null;
    let below = Number.MAX_SAFE_INTEGER;
    for (let i = 0; i < LOOK_BACK; i++) {
      const run = previousRunOf.get({ check: c.id, below, upTo, before: scope.before ?? null }) as RunOfCheck | undefined;
      if (!run) break;
      const o = outcomeOf(run, c.id);
      const outcome = o?.outcome ?? 'error';
      newest ??= { run, outcome };
      if (outcome === 'completed') {
        chosen = { run, outcome };
        break;
      }
      if (later.length < NAMED_LATER_RUNS) later.push({ runId: run.id, startedAt: run.started_at, outcome, ...(o?.reason ? { reason: o.reason } : {}) });
      below = run.first;
    }
    // A check that never completed still shows what its latest run said (its errors), so it is not silently absent.
    const pick = chosen ?? newest;
    if (!pick) continue;
    const { run } = pick;
    const observedAt = run.finished_at ?? run.started_at;
    sources.push({ check: c.id, runId: run.id, startedAt: run.started_at, finishedAt: run.finished_at, outcome: pick.outcome, notCompletedSince: chosen ? later : later.slice(1) });
    for (const row of selectResults.all(run.id, c.id) as ResultRow[]) {
      const r: PostureResult = { ...resultOfRow(row), runId: run.id, observedAt };
      results.push(r);
      if (r.status === 'fail' || r.status === 'warn') {
        const f = findingOf.get(run.id, r.control, r.resource) as { record_json: string } | undefined;
        if (f) findings.push(JSON.parse(f.record_json) as FindingRecord);
      } else if (r.status === 'error') {
        const last = lastObservation.get(r.control, r.resource, run.first) as { run_id: string; status: string; started_at: string } | undefined;
        if (last && (last.status === 'fail' || last.status === 'warn')) {
          const f = findingOf.get(last.run_id, r.control, r.resource) as { record_json: string } | undefined;
          if (f) findings.push({ ...(JSON.parse(f.record_json) as FindingRecord), notRetested: { since: last.run_id, observedAt: last.started_at, reason: `${r.control} could not be observed in run ${run.id}: ${r.detail}` } });
        }
      }
    }
  }
  results.sort((x, y) => compareText(x.control, y.control) || compareText(x.resource, y.resource));
  return { results, findings, sources };
}

/** The latest result of each control and resource, with the run it comes from (see latestPosture). */
export function latestResults(store: Store, before?: string): PostureResult[] {
  return latestPosture(store, { before }).results;
}

/** Evidence the posture's findings cite that ranking needs (a listener's bind address), from the runs they come from. */
function evidenceFor(store: Store, findings: FindingRecord[], results: PostureResult[]): EvidenceRecord[] {
  const runOf = new Map(results.map((r) => [`${r.control}\u0000${r.resource}`, r.runId]));
  const select = store.db.prepare('SELECT id, check_id, kind, resource, sha256, data_json FROM evidence WHERE run_id = ? AND resource = ?');
  const seen = new Set<string>();
  const out: EvidenceRecord[] = [];
  for (const f of findings) {
    const runId = f.notRetested?.since ?? runOf.get(`${f.control}\u0000${f.resource}`);
    if (!runId || seen.has(`${runId}\u0000${f.resource}`)) continue;
    seen.add(`${runId}\u0000${f.resource}`);
    for (const e of select.all(runId, f.resource) as Array<{ id: string; check_id: string; kind: string; resource: string; sha256: string; data_json: string }>)
      out.push({ id: e.id, check: e.check_id, kind: e.kind, resource: e.resource, sha256: e.sha256, data: JSON.parse(e.data_json) });
  }
  return out;
}

/**
 * The posture as a run-shaped document (id `posture@<latest run id>`), so it
 * can be summarized, ranked and compared with computeDelta like any run. Its
 * run.checks say which run each check's results come from. Null when no run
 * has finished yet (within the scope).
 */
export function postureDocument(store: Store, opts: PostureScope & { thresholds?: Partial<DecisionThresholds> } = {}): RunDocument | null {
  const { results, findings, sources } = latestPosture(store, opts);
  if (!sources.length) return null;
  const latestSource = sources.reduce((a, b) => ((a.finishedAt ?? a.startedAt) >= (b.finishedAt ?? b.startedAt) ? a : b));
  const latest = store.runs.get(latestSource.runId);
  if (!latest) return null;
  const summary = summarize(findings, results, opts.thresholds);
  return {
    run: {
      ...latest.run,
      id: `posture@${latest.run.id}`,
      bundle: 'posture',
      checks: sources.map((s) => ({
        check: s.check,
        outcome: s.outcome,
        durationMs: 0,
        runId: s.runId,
        startedAt: s.startedAt,
        ...(s.notCompletedSince.length ? { reason: `later runs observed nothing: ${s.notCompletedSince.map((l) => `${l.runId} ${l.outcome}${l.reason ? ` (${l.reason})` : ''}`).join('; ')}` } : {}),
      })),
      hash: null,
      previousHash: null,
    },
    summary,
    results: results.map(({ runId: _r, observedAt: _o, ...r }) => r),
    findings,
    evidence: evidenceFor(store, findings, results),
  };
}
