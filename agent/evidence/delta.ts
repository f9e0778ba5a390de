// The delta between two runs (README: How pathaudit decides, "Delta"): per control result
// (control + resource) and per finding (by fingerprint). This is the
// before/after proof of a sprint, so it claims only what `to` observed:
//
//   controls   improved · regressed · unchanged   observed on both sides
//              new            not observed in `from` (absent, error or skipped), observed in `to`
//              gone           its check ran to completion in `to` and no longer reports the resource
//              not-retested   `to` did not observe it: its check did not run or did not
//                             complete there, or the result is error/skipped there
//                             (skipped → skipped, the same prerequisite missing twice, is unchanged)
//   findings   resolved       `to` observed the control pass on the resource, or its check
//                             completed there and the resource no longer exists
//              persisting     `to` observed it failing (or warning) again
//              new            a finding of `to` that `from` did not have
//              not-retested   anything else: nothing in `to` says it is fixed
//
// Nothing that was not observed is ever "improved" or "resolved", and a
// finding that was not re-tested still counts as open for the next move.
// A posture document (posture.ts) may serve as either side: a check whose
// results come from the same run on both sides was not re-tested.
import { SEVERITIES, type Severity, type Status } from '../../probes/types.js';
import type { ControlDelta, Delta, DeltaSide, FindingDelta, NextMove, ResultSide } from '../contracts/delta.js';
import { CONTROL_CHANGES, FINDING_CHANGES, type ControlChange, type FindingChange } from '../contracts/vocabulary.js';
import type { FindingRecord, ResultRecord, RunDocument } from '../runner/document.js';
import { countBySeverity, decide, type DecisionThresholds } from './summary.js';
import { compareText } from '../../probes/compare.js';
import { plural } from '../../probes/words.js';

// The delta's shape is defined once, with its schema, in agent/contracts/delta.ts.
export type { ControlDelta, Delta, FindingDelta, NextMove, ResultSide } from '../contracts/delta.js';
export { CONTROL_CHANGES, FINDING_CHANGES, type ControlChange, type FindingChange };
/** One side of a delta: the run (or posture) it compares. */
export type RunRef = DeltaSide;

/** How good an observed status is: a move up is an improvement. error/skipped are not observations. */
const GOODNESS: Partial<Record<Status, number>> = { fail: 0, warn: 1, pass: 2 };
const observed = (s: Status) => GOODNESS[s] !== undefined;
const sevRank = (s: Severity) => SEVERITIES.indexOf(s); // 0 = critical (worst)

const keyOf = (r: { control: string; resource: string }) => `${r.control}\u0000${r.resource}`;
const side = (r: ResultRecord): ResultSide => ({ status: r.status, severity: r.severity, detail: r.detail, evidence: r.evidence });
const refOf = (d: RunDocument): RunRef => ({ id: d.run.id, bundle: d.run.bundle, startedAt: d.run.startedAt, posture: d.summary.posture, headline: d.summary.headline });

/** Classifies one control result present on both sides, its check re-tested in `to`. */
export function compareResults(from: ResultSide, to: ResultSide): { change: ControlChange; reason: string } {
  // The same prerequisite missing in both runs (e.g. BT-01 on a WebSocket listener, judged by BT-08): nothing changed.
  if (from.status === 'skipped' && to.status === 'skipped') return { change: 'unchanged', reason: 'skipped in both runs' };
  if (!observed(to.status)) return { change: 'not-retested', reason: `${from.status} → ${to.status}: not observed in the later run` };
  if (!observed(from.status)) return { change: 'new', reason: `${from.status} → ${to.status}: first observed in the later run` };
  const a = GOODNESS[from.status]!;
  const b = GOODNESS[to.status]!;
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


/** The run a side's results of one check come from (a posture document names it per check), and the check's outcome there. */
function sourceOf(doc: RunDocument, check: string): { runId: string; outcome: string; reason?: string } | null {
  const o = doc.run.checks.find((c) => c.check === check);
  return o ? { runId: o.runId ?? doc.run.id, outcome: o.outcome, reason: o.reason } : null;
}

/**
 * Whether `to` re-tested a check: the check ran to completion in `to`, in a
 * different run from the one `from` took its results from. Null when it did;
 * else why not, in words.
 */
function notRetestedBecause(from: RunDocument, to: RunDocument, check: string): string | null {
  const t = sourceOf(to, check);
  if (!t) return `${check} did not run in ${to.run.id}`;
  if (t.outcome !== 'completed') return `${check} ${t.outcome === 'skipped' ? 'was not configured' : t.outcome === 'timeout' ? 'overran its budget' : 'failed'} in ${t.runId}${t.reason ? ` (${t.reason})` : ''}`;
  const f = sourceOf(from, check);
  if (f && f.runId === t.runId) return `${check} has not run since ${t.runId}: both sides hold that run's observation`;
  return null;
}

export interface DeltaOptions {
  /** The config's decision thresholds, for the next move (default: DEFAULT_THRESHOLDS). */
  thresholds?: Partial<DecisionThresholds>;
}

export function computeDelta(from: RunDocument, to: RunDocument, opts: DeltaOptions = {}): Delta {
  const before = new Map(from.results.filter((r) => !r.gone).map((r) => [keyOf(r), r]));
  const goneIn = new Map(to.results.filter((r) => r.gone).map((r) => [keyOf(r), r]));
  const goneBecause = (k: string, check: string, resource: string) => {
    const g = goneIn.get(k);
    return g ? `${check} observed ${resource} gone in ${to.run.id}: ${g.detail}` : `${check} ran to completion in ${to.run.id} and no longer reports ${resource}`;
  };
  // A result whose check observed its resource absent (a closed listener) is
  // the resource gone, exactly as if the check no longer reported it.
  const after = new Map(to.results.filter((r) => !r.gone).map((r) => [keyOf(r), r]));
  const notRetested = new Map<string, string | null>();
  const whyNot = (check: string) => {
    if (!notRetested.has(check)) notRetested.set(check, notRetestedBecause(from, to, check));
    return notRetested.get(check)!;
  };

  const controls: ControlDelta[] = [];
  for (const [k, b] of after) {
    const a = before.get(k);
    if (!a) {
      controls.push({ control: b.control, check: b.check, resource: b.resource, change: 'new', from: null, to: side(b), reason: `not in ${from.run.id}; now ${b.status}` });
      continue;
    }
    const why = whyNot(b.check);
    const { change, reason } = why ? { change: 'not-retested' as const, reason: why } : compareResults(side(a), side(b));
    controls.push({ control: b.control, check: b.check, resource: b.resource, change, from: side(a), to: side(b), reason });
  }
  for (const [k, a] of before) {
    if (after.has(k)) continue;
    const why = whyNot(a.check);
    controls.push({
      control: a.control,
      check: a.check,
      resource: a.resource,
      change: why ? 'not-retested' : 'gone',
      from: side(a),
      to: null,
      reason: why ?? `${goneBecause(k, a.check, 'this resource')} (was ${a.status})`,
    });
  }
  const order = (c: ControlChange) => CONTROL_CHANGES.indexOf(c);
  controls.sort((x, y) => order(x.change) - order(y.change) || compareText(x.control, y.control) || compareText(x.resource, y.resource));

  const findings: FindingDelta[] = [];
  const fBefore = new Map(from.findings.map((f) => [f.fingerprint, f]));
  const fd = (f: FindingRecord, change: FindingChange, reason: string): FindingDelta => ({
    fingerprint: f.fingerprint,
    control: f.control,
    check: f.check,
    resource: f.resource,
    severity: f.severity,
    title: f.title,
    change,
    waived: f.waived,
    reason,
  });
  const carried = new Map<string, FindingRecord>();
  for (const f of from.findings) {
    const why = whyNot(f.check);
    const r = after.get(keyOf(f));
    if (why) findings.push(fd(f, 'not-retested', why));
    else if (!r) findings.push(fd(f, 'resolved', goneBecause(keyOf(f), f.check, f.resource)));
    else if (r.status === 'pass') findings.push(fd(f, 'resolved', `${f.control} pass in ${to.run.id}: ${r.detail}`));
    else if (r.status === 'fail' || r.status === 'warn') {
      const again = to.findings.find((x) => x.fingerprint === f.fingerprint) ?? f;
      findings.push(fd(again, 'persisting', `${f.control} ${r.status} again in ${to.run.id}`));
      continue;
    } else findings.push(fd(f, 'not-retested', `${f.control} ${r.status} in ${to.run.id}: ${r.detail}`));
    if (findings[findings.length - 1]!.change === 'not-retested') carried.set(f.fingerprint, f);
  }
  for (const f of to.findings) if (!fBefore.has(f.fingerprint)) findings.push(fd(f, 'new', `not a finding in ${from.run.id}; ${f.status} in ${to.run.id}`));
  const fOrder = (c: FindingChange) => FINDING_CHANGES.indexOf(c);
  findings.sort((x, y) => fOrder(x.change) - fOrder(y.change) || sevRank(x.severity) - sevRank(y.severity) || compareText(x.control, y.control) || compareText(x.resource, y.resource));

  // The next move: what `to` found open, plus what it did not re-test.
  const open = [...to.findings, ...[...carried.values()].filter((f) => !to.findings.some((x) => x.fingerprint === f.fingerprint))];
  const counted = countBySeverity(open);
  const carriedOpen = [...carried.values()].filter((f) => !f.waived).length;
  const { decision, rule } = decide(counted, opts.thresholds);
  const nextMove: NextMove = {
    decision,
    decisionRule: carriedOpen ? `${rule}, counting ${plural(carriedOpen, 'finding')} of ${from.run.id} not re-tested in ${to.run.id}` : rule,
    findings: counted,
    notRetested: carriedOpen,
  };

  const counts = countOf(CONTROL_CHANGES, controls);
  const findingCounts = countOf(FINDING_CHANGES, findings);
  const checksNotRetested = [...new Set(from.results.map((r) => r.check))].flatMap((c) => {
    const why = whyNot(c);
    return why ? [{ check: c, reason: why }] : [];
  });
  const parts = [`${plural(counts.improved, 'control')} improved`, plural(counts.regressed, 'regression')];
  if (findingCounts.resolved) parts.push(`${plural(findingCounts.resolved, 'finding')} resolved`);
  if (findingCounts.new) parts.push(`${plural(findingCounts.new, 'new finding')}`);
  if (findingCounts['not-retested']) parts.push(`${findingCounts['not-retested']} not re-tested`);
  else if (counts['not-retested']) parts.push(`${plural(counts['not-retested'], 'result')} not re-tested`);
  return { from: refOf(from), to: refOf(to), controls, findings, counts, findingCounts, notRetestedChecks: checksNotRetested, nextMove, headline: parts.join(' · ') };
}
