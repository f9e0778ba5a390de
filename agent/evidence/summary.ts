// The leadership summary of one run: posture, findings by severity, the next
// move and the rule that produced it. The rule is documented in the README
// ("How the next move is chosen") and its thresholds are here, once.
import type { Severity } from '../../probes/types.js';
import type { Decision, FindingRecord, Posture, ResultRecord, RunSummary, SeverityCounts } from '../runner/document.js';

export interface DecisionThresholds {
  /** A focused sprint is recommended at this many open critical findings or more. */
  sprintCritical: number;
  /** … or at this many open high findings or more. */
  sprintHigh: number;
}

export const DEFAULT_THRESHOLDS: DecisionThresholds = { sprintCritical: 1, sprintHigh: 3 };

export function emptyCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
}

export function countBySeverity(findings: FindingRecord[]): SeverityCounts {
  const counts = emptyCounts();
  for (const f of findings) if (!f.waived) counts[f.severity as Severity] += 1;
  return counts;
}

export function postureOf(findings: FindingRecord[], results: ResultRecord[]): Posture {
  const open = findings.filter((f) => !f.waived);
  if (open.some((f) => f.severity === 'critical' || f.severity === 'high')) return 'exposed';
  const unobserved = results.some((r) => r.status === 'error');
  const observed = results.some((r) => r.status === 'pass');
  if (open.length || unobserved || !observed) return 'degraded';
  return 'hardened';
}

export function decide(counts: SeverityCounts, t: DecisionThresholds = DEFAULT_THRESHOLDS): { decision: Decision; rule: string } {
  if (counts.critical >= t.sprintCritical || counts.high >= t.sprintHigh)
    return {
      decision: 'sprint',
      rule: `focused sprint: ${counts.critical} critical (threshold ${t.sprintCritical}) and ${counts.high} high (threshold ${t.sprintHigh}) open findings`,
    };
  if (counts.high + counts.medium > 0)
    return { decision: 'fix-internally', rule: `fix internally: ${counts.high} high and ${counts.medium} medium open findings, below the sprint thresholds` };
  return { decision: 'hold', rule: 'hold: no open finding above low severity' };
}

const POSTURE_WORDS: Record<Posture, string> = { exposed: 'Exposed posture', hardened: 'Hardened path', degraded: 'Degraded posture' };

export function summarize(findings: FindingRecord[], results: ResultRecord[], thresholds?: DecisionThresholds): RunSummary {
  const counts = countBySeverity(findings);
  const posture = postureOf(findings, results);
  const { decision, rule } = decide(counts, thresholds);
  const open = findings.filter((f) => !f.waived).length;
  const errors = new Set(results.filter((r) => r.status === 'error').map((r) => `${r.control} ${r.resource}`)).size;
  let headline = `${POSTURE_WORDS[posture]} · ${open} finding${open === 1 ? '' : 's'}`;
  if (errors) headline += ` · ${errors} result${errors === 1 ? '' : 's'} could not be observed`;
  return { posture, findings: counts, decision, decisionRule: rule, headline };
}
