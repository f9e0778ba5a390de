// The monthly snapshot: the retainer record (README: Schedules, snapshots and retention). It pins
// the path's posture at the end of the month (the latest result per control
// and resource across finished runs, see posture.ts), its delta to the
// baseline and the drift since the previous snapshot's posture, regressions
// first, and stores all of it so a later review reads what was seen then.
import { usageError } from '../errors.js';
import type { Snapshot, SnapshotRegression } from '../contracts/snapshot.js';
import type { RunDocument } from '../runner/document.js';
import type { Store } from '../store/index.js';
import type { DecisionThresholds } from './summary.js';
import { buildBacklog } from './backlog.js';
import { getBaseline } from './baseline.js';
import { computeDelta, type Delta } from './delta.js';
import { postureDocument } from './posture.js';

// A snapshot's shape is defined once, with its schema, in agent/contracts/snapshot.ts.
export type { Snapshot, SnapshotRegression };

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const BACKLOG_TOP = 10;

export function monthOf(d: Date): string {
  return d.toISOString().slice(0, 7);
}

/** The first instant after the month (UTC), as an ISO string. */
function monthEnd(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 1)).toISOString();
}

export function parseMonth(month: string, now: Date): string {
  if (!MONTH.test(month)) throw usageError(`--month: expected YYYY-MM (got "${month}")`);
  if (month > monthOf(now)) throw usageError(`--month ${month} has not begun yet (today is ${now.toISOString().slice(0, 10)})`);
  return month;
}

/** The posture as of the end of a month (runs started before it). */
function postureAt(store: Store, isoEnd: string, thresholds?: Partial<DecisionThresholds>): RunDocument | null {
  return postureDocument(store, { before: isoEnd, thresholds });
}

function regressionsOf(drift: Delta | null, toBaseline: Delta | null): SnapshotRegression[] {
  const out: SnapshotRegression[] = [];
  const seen = new Set<string>();
  for (const [d, against] of [
    [drift, 'previous-snapshot'],
    [toBaseline, 'baseline'],
  ] as const) {
    for (const c of d?.controls ?? []) {
      const k = `${c.control} ${c.resource}`;
      if (c.change !== 'regressed' || seen.has(k)) continue;
      seen.add(k);
      out.push({ ...c, against });
    }
  }
  return out;
}

export function takeSnapshot(store: Store, month?: string, now: Date = new Date(), opts: { thresholds?: Partial<DecisionThresholds> } = {}): Snapshot {
  const m = month === undefined ? monthOf(now) : parseMonth(month, now);
  const { thresholds } = opts;
  const latest = postureAt(store, monthEnd(m), thresholds);
  const baselineId = getBaseline(store);
  const baseline = baselineId ? store.runs.get(baselineId) : null;
  const prevRow = store.db.prepare('SELECT month, run_id FROM snapshots WHERE month < ? ORDER BY month DESC LIMIT 1').get(m) as
    | { month: string; run_id: string | null }
    | undefined;
  const prevRun = prevRow ? postureAt(store, monthEnd(prevRow.month), thresholds) : null;

  const deltaToBaseline = latest && baseline ? computeDelta(baseline, latest, { thresholds }) : null;
  const drift = latest && prevRun ? computeDelta(prevRun, latest, { thresholds }) : null;
  const regressions = regressionsOf(drift, deltaToBaseline);
  const parts: string[] = [];
  if (!latest) parts.push(`no completed run before the end of ${m}`);
  else {
    parts.push(latest.summary.headline);
    parts.push(regressions.length ? `${regressions.length} regression${regressions.length === 1 ? '' : 's'}` : 'no regressions');
    if (deltaToBaseline) parts.push(`vs baseline: ${deltaToBaseline.headline}`);
    else if (!baseline) parts.push('no baseline set');
  }
  const snapshot: Snapshot = {
    month: m,
    takenAt: now.toISOString(),
    latest: latest
      ? { runId: latest.run.id.replace(/^posture@/, ''), bundle: latest.run.bundle, startedAt: latest.run.startedAt, hash: latest.run.hash, summary: latest.summary }
      : null,
    baselineId: baseline ? baseline.run.id : null,
    deltaToBaseline,
    previous: prevRow ? { month: prevRow.month, runId: prevRow.run_id } : null,
    drift,
    regressions,
    backlog: latest ? buildBacklog(latest).slice(0, BACKLOG_TOP) : [],
    headline: `${m} snapshot: ${parts.join(' · ')}`,
  };
  store.db
    .prepare(
      `INSERT INTO snapshots (month, taken_at, run_id, baseline_id, snapshot_json) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(month) DO UPDATE SET taken_at = excluded.taken_at, run_id = excluded.run_id, baseline_id = excluded.baseline_id, snapshot_json = excluded.snapshot_json`,
    )
    .run(m, snapshot.takenAt, snapshot.latest?.runId ?? null, snapshot.baselineId, JSON.stringify(snapshot));
  return snapshot;
}

export function getSnapshot(store: Store, month: string): Snapshot | null {
  if (!MONTH.test(month)) throw usageError(`snapshot month: expected YYYY-MM (got "${month}")`);
  const row = store.db.prepare('SELECT snapshot_json FROM snapshots WHERE month = ?').get(month) as { snapshot_json: string } | undefined;
  return row ? (JSON.parse(row.snapshot_json) as Snapshot) : null;
}
