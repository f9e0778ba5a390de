// The path's posture: the latest observed result per control + resource across
// finished runs. A bundle that checks only the broker does not erase what the
// last full audit saw of the ingest edge; this is what the API serves as
// /v1/posture and what a monthly snapshot compares with the baseline.
import { CHECK_INFOS } from '../../probes/catalogue.js';
import type { FindingRecord, ResultRecord, RunDocument } from '../runner/document.js';
import type { Store } from '../store/index.js';
import { resultOfRow, type ResultRow } from '../store/runs.js';
import { summarize, type DecisionThresholds } from './summary.js';

export interface PostureResult extends ResultRecord {
  runId: string;
  observedAt: string;
}


/**
 * The latest observation of each check: all results of the most recent
 * finished run that ran it (runs started before `before`, when given). Taking
 * whole check runs, not single results, means a resource that disappeared (a
 * closed socket, a removed listener) disappears from the posture too instead
 * of keeping its last, stale result forever. Results are inserted when a run
 * finishes, so the highest rowid of a check (index results_check) is its
 * latest run; running, aborted and pruned runs hold no results.
 */
export function latestResults(store: Store, before?: string): PostureResult[] {
  const latestRunOf = store.db.prepare(
    `SELECT ru.id, ru.started_at, ru.finished_at FROM results r JOIN runs ru ON ru.id = r.run_id
     WHERE r.check_id = @check AND ru.status IN ('completed', 'failed') AND (@before IS NULL OR ru.started_at < @before)
     ORDER BY r.rowid DESC LIMIT 1`,
  );
  const taken = new Map<string, { runId: string; observedAt: string }>();
  for (const c of CHECK_INFOS) {
    const run = latestRunOf.get({ check: c.id, before: before ?? null }) as { id: string; started_at: string; finished_at: string | null } | undefined;
    if (run) taken.set(c.id, { runId: run.id, observedAt: run.finished_at ?? run.started_at });
  }
  const select = store.db.prepare('SELECT control, check_id, resource, status, severity, detail, evidence_json FROM results WHERE run_id = ? AND check_id = ? ORDER BY idx');
  const out: PostureResult[] = [];
  for (const [check, { runId, observedAt }] of taken) {
    for (const r of select.all(runId, check) as ResultRow[]) out.push({ ...resultOfRow(r), runId, observedAt });
  }
  return out.sort((x, y) => x.control.localeCompare(y.control) || x.resource.localeCompare(y.resource));
}

/** The findings behind the latest fail/warn results, as their runs recorded them (waiver state included). */
export function latestFindings(store: Store, results: PostureResult[]): FindingRecord[] {
  const get = store.db.prepare('SELECT record_json FROM findings WHERE run_id = ? AND control = ? AND resource = ?');
  const out: FindingRecord[] = [];
  for (const r of results) {
    if (r.status !== 'fail' && r.status !== 'warn') continue;
    const row = get.get(r.runId, r.control, r.resource) as { record_json: string } | undefined;
    if (row) out.push(JSON.parse(row.record_json) as FindingRecord);
  }
  return out;
}

/**
 * The posture as a run-shaped document (id `posture@<latest run id>`), so it
 * can be summarized and compared with computeDelta like any run. Null when no
 * run has finished yet.
 */
export function postureDocument(store: Store, opts: { before?: string; thresholds?: Partial<DecisionThresholds> } = {}): RunDocument | null {
  const results = latestResults(store, opts.before);
  if (!results.length) return null;
  const latestRunId = results.reduce((a, b) => (a.observedAt >= b.observedAt ? a : b)).runId;
  const latest = store.runs.get(latestRunId);
  if (!latest) return null;
  const findings = latestFindings(store, results);
  const summary = summarize(findings, results, opts.thresholds);
  return {
    run: { ...latest.run, id: `posture@${latest.run.id}`, bundle: 'posture', checks: [], hash: null, previousHash: null },
    summary,
    results: results.map(({ runId: _r, observedAt: _o, ...r }) => r),
    findings,
    evidence: [],
  };
}
