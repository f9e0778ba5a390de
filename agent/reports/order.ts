// The order reports read in: what matters most first. Findings by severity,
// then backlog score (exposure and confidence), open before waived; a
// delta's sections from what went wrong to what went right, with what did
// not change folded into counts (a sprint's rerun across a larger bundle
// would otherwise open with dozens of "new … pass" rows).
import { SEVERITIES } from '../../probes/types.js';
import { findingScore } from '../evidence/backlog.js';
import type { ControlDelta, Delta, FindingDelta } from '../evidence/delta.js';
import type { FindingRecord, RunDocument } from '../runner/document.js';
import { compareText } from '../../probes/compare.js';
import { plural as n } from '../../probes/words.js';

/** The run's findings, most important first: open before waived, then severity, then score, then control and resource. */
export function findingsByImportance(doc: RunDocument): FindingRecord[] {
  const sev = (f: FindingRecord) => SEVERITIES.indexOf(f.severity);
  const scored = doc.findings.map((f) => ({ f, score: findingScore(doc, f) }));
  scored.sort(
    (a, b) =>
      Number(a.f.waived) - Number(b.f.waived) || sev(a.f) - sev(b.f) || b.score - a.score || compareText(a.f.control, b.f.control) || compareText(a.f.resource, b.f.resource),
  );
  return scored.map((x) => x.f);
}

const isFinding = (side: ControlDelta['from']) => side?.status === 'fail' || side?.status === 'warn';

export interface DeltaSections {
  /** Controls that got worse. */
  regressions: ControlDelta[];
  /** Findings `to` observed fixed. */
  resolved: FindingDelta[];
  /** Findings `to` did not observe, and the checks it did not re-test. */
  notRetested: FindingDelta[];
  notRetestedChecks: Delta['notRetestedChecks'];
  /** Findings `from` did not have. */
  newFindings: FindingDelta[];
  /** Controls that got better. */
  improved: ControlDelta[];
  /** What is counted, not listed. */
  folded: { unchanged: number; persisting: number; newWithoutFinding: number; goneWithoutFinding: number; notRetestedWithoutFinding: number };
}

/** A delta in reading order: regressions, resolved, not re-tested, new findings, improved; the rest counted. */
export function deltaSections(delta: Delta): DeltaSections {
  const of = (change: ControlDelta['change']) => delta.controls.filter((c) => c.change === change);
  const findings = (change: FindingDelta['change']) => delta.findings.filter((f) => f.change === change);
  const quiet = (change: ControlDelta['change']) => of(change).filter((c) => !isFinding(c.from) && !isFinding(c.to)).length;
  return {
    regressions: of('regressed'),
    resolved: findings('resolved'),
    notRetested: findings('not-retested'),
    notRetestedChecks: delta.notRetestedChecks,
    newFindings: findings('new'),
    improved: of('improved'),
    folded: {
      unchanged: delta.counts.unchanged,
      persisting: delta.findingCounts.persisting,
      newWithoutFinding: quiet('new'),
      goneWithoutFinding: quiet('gone'),
      notRetestedWithoutFinding: quiet('not-retested'),
    },
  };
}


/** The folded counts in words: "40 results unchanged · 43 newly observed without a finding · 3 findings persisting". */
export function foldedLine(f: DeltaSections['folded']): string {
  const parts = [`${n(f.unchanged, 'result')} unchanged`];
  if (f.newWithoutFinding) parts.push(`${n(f.newWithoutFinding, 'result')} newly observed without a finding`);
  if (f.goneWithoutFinding) parts.push(`${n(f.goneWithoutFinding, 'result')} without a finding gone`);
  if (f.notRetestedWithoutFinding) parts.push(`${n(f.notRetestedWithoutFinding, 'result')} without a finding not re-tested`);
  if (f.persisting) parts.push(`${n(f.persisting, 'finding')} persisting (still open: see the backlog)`);
  return parts.join(' · ');
}
