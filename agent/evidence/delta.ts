// The delta between two runs (DESIGN.md "delta"): per control result
// (control + resource) and per finding (by fingerprint). This is the
// before/after proof of a sprint, so it is deliberately conservative: a result
// that was `error` or `skipped` on either side was not observed on that side,
// and an unobserved result is never counted as improved (nor as regressed).
// Only skipped → skipped (the same prerequisite missing twice) is unchanged.
import { SEVERITIES, type Severity, type Status } from '../../probes/types.js';
import type { FindingRecord, Posture, ResultRecord, RunDocument } from '../runner/document.js';

export const CONTROL_CHANGES = ['regressed', 'new', 'improved', 'not-comparable', 'gone', 'unchanged'] as const;
export type ControlChange = (typeof CONTROL_CHANGES)[number];
/**
 * not-retested: the finding is absent from the later run, but that run could
 * not observe its control on that resource (error there, e.g. the broker was
 * down): absence of a finding is not a fix. It still counts as open.
 */
export type FindingChange = 'resolved' | 'new' | 'persisting' | 'not-retested';

export interface ResultSide {
  status: Status;
  severity: Severity;
  detail: string;
  evidence: string[];
}

export interface ControlDelta {
  control: string;
  check: string;
  resource: string;
  change: ControlChange;
  from: ResultSide | null;
  to: ResultSide | null;
  /** Why the change was classified this way, in words. */
  reason: string;
}

export interface FindingDelta {
  fingerprint: string;
  control: string;
  resource: string;
  severity: Severity;
  title: string;
  change: FindingChange;
  /** Waived on the `to` side (or on `from` for a resolved finding). */
  waived: boolean;
}

export interface RunRef {
  id: string;
  bundle: string;
  startedAt: string;
  posture: Posture;
  headline: string;
}

export interface Delta {
  from: RunRef;
  to: RunRef;
  /** Regressions first, then new results, improvements, not comparable, gone, unchanged. */
  controls: ControlDelta[];
  findings: FindingDelta[];
  counts: Record<ControlChange, number>;
  findingCounts: Record<FindingChange, number>;
  /** e.g. "4 controls improved · 0 regressions · 4 findings resolved". */
  headline: string;
}

/** How good an observed status is: a move up is an improvement. error/skipped are not observations. */
const GOODNESS: Partial<Record<Status, number>> = { fail: 0, warn: 1, pass: 2 };
const sevRank = (s: Severity) => SEVERITIES.indexOf(s); // 0 = critical (worst)

const keyOf = (r: { control: string; resource: string }) => `${r.control}\u0000${r.resource}`;
const side = (r: ResultRecord): ResultSide => ({ status: r.status, severity: r.severity, detail: r.detail, evidence: r.evidence });
const refOf = (d: RunDocument): RunRef => ({ id: d.run.id, bundle: d.run.bundle, startedAt: d.run.startedAt, posture: d.summary.posture, headline: d.summary.headline });

/** Classifies one control result present on both sides. */
export function compareResults(from: ResultSide, to: ResultSide): { change: ControlChange; reason: string } {
  const a = GOODNESS[from.status];
  const b = GOODNESS[to.status];
  // The same prerequisite missing in both runs (e.g. BT-01 on a WebSocket listener, judged by BT-08): nothing changed.
  if (from.status === 'skipped' && to.status === 'skipped') return { change: 'unchanged', reason: 'skipped in both runs' };
  if (a === undefined || b === undefined) {
    const which = a === undefined && b === undefined ? 'both runs' : a === undefined ? 'the earlier run' : 'the later run';
    return { change: 'not-comparable', reason: `${from.status} → ${to.status}: not observed in ${which}` };
  }
  if (b > a) return { change: 'improved', reason: `${from.status} → ${to.status}` };
  if (b < a) return { change: 'regressed', reason: `${from.status} → ${to.status}` };
  // Same status: for a failing result a severity move still matters (e.g. BT-01 high → low once bound to loopback).
  if (from.status !== 'pass' && from.severity !== to.severity) {
    const better = sevRank(to.severity) > sevRank(from.severity);
    return { change: better ? 'improved' : 'regressed', reason: `${from.status} ${from.severity} → ${to.status} ${to.severity}` };
  }
  return { change: 'unchanged', reason: `${to.status} in both runs` };
}

function countOf<K extends string>(keys: readonly K[], items: Array<{ change: K }>): Record<K, number> {
  const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (const i of items) out[i.change] += 1;
  return out;
}

const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

export function computeDelta(from: RunDocument, to: RunDocument): Delta {
  const before = new Map(from.results.map((r) => [keyOf(r), r]));
  const after = new Map(to.results.map((r) => [keyOf(r), r]));
  const controls: ControlDelta[] = [];
  for (const [k, b] of after) {
    const a = before.get(k);
    if (!a) {
      controls.push({ control: b.control, check: b.check, resource: b.resource, change: 'new', from: null, to: side(b), reason: `not in run ${from.run.id}; now ${b.status}` });
      continue;
    }
    const { change, reason } = compareResults(side(a), side(b));
    controls.push({ control: b.control, check: b.check, resource: b.resource, change, from: side(a), to: side(b), reason });
  }
  for (const [k, a] of before) {
    if (!after.has(k)) controls.push({ control: a.control, check: a.check, resource: a.resource, change: 'gone', from: side(a), to: null, reason: `not in run ${to.run.id} (was ${a.status})` });
  }
  const order = (c: ControlChange) => CONTROL_CHANGES.indexOf(c);
  controls.sort((x, y) => order(x.change) - order(y.change) || x.control.localeCompare(y.control) || x.resource.localeCompare(y.resource));

  const findings: FindingDelta[] = [];
  const fBefore = new Map(from.findings.map((f) => [f.fingerprint, f]));
  const fAfter = new Map(to.findings.map((f) => [f.fingerprint, f]));
  const fd = (f: FindingRecord, change: FindingChange): FindingDelta => ({
    fingerprint: f.fingerprint,
    control: f.control,
    resource: f.resource,
    severity: f.severity,
    title: f.title,
    change,
    waived: f.waived,
  });
  for (const [fp, f] of fAfter) findings.push(fd(f, fBefore.has(fp) ? 'persisting' : 'new'));
  // Only `error` here: a result skipped because its resource is gone (a
  // listener closed on purpose) is the fix itself, and stays "resolved".
  const unobserved = (f: FindingRecord) => after.get(keyOf(f))?.status === 'error';
  for (const [fp, f] of fBefore) if (!fAfter.has(fp)) findings.push(fd(f, unobserved(f) ? 'not-retested' : 'resolved'));
  const fOrder: Record<FindingChange, number> = { new: 0, persisting: 1, 'not-retested': 2, resolved: 3 };
  findings.sort((x, y) => fOrder[x.change] - fOrder[y.change] || sevRank(x.severity) - sevRank(y.severity) || x.control.localeCompare(y.control));

  const counts = countOf(CONTROL_CHANGES, controls);
  const findingCounts = countOf(['resolved', 'new', 'persisting', 'not-retested'] as const, findings);
  const parts = [`${plural(counts.improved, 'control')} improved`, plural(counts.regressed, 'regression')];
  if (findingCounts.resolved) parts.push(`${plural(findingCounts.resolved, 'finding')} resolved`);
  if (findingCounts['not-retested']) parts.push(`${findingCounts['not-retested']} not re-tested`);
  if (findingCounts.new) parts.push(`${plural(findingCounts.new, 'new finding')}`);
  if (counts['not-comparable']) parts.push(`${counts['not-comparable']} not comparable`);
  return { from: refOf(from), to: refOf(to), controls, findings, counts, findingCounts, headline: parts.join(' · ') };
}
