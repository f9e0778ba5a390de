// The leadership summary of one run: posture, findings by severity, the next
// move and the rule that produced it, the top risks in plain words and what
// the next run should verify.
//
// The next-move rule (open = not waived; a lapsed waiver no longer waives):
//   sprint          open critical ≥ sprint_critical (default 1) or open high ≥ sprint_high (default 3)
//   fix-internally  otherwise, open high + medium ≥ fix_internally_min (default 1)
//   hold            otherwise (nothing above low is open)
// Thresholds come from the config's `decision:` section (config/schema/decision.ts).
import type { PathauditConfig } from '../../config/schema/index.js';
import { CONTROLS, checkInfo } from '../../probes/catalogue.js';
import type { Severity } from '../../probes/types.js';
import type { Decision, FindingRecord, Posture, ResultRecord, RunDocument, RunSummary, SeverityCounts } from '../runner/document.js';
import { buildBacklog, SEVERITY_WEIGHT, type BacklogItem } from './backlog.js';

export interface DecisionThresholds {
  /** A focused sprint is recommended at this many open critical findings or more. */
  sprintCritical: number;
  /** … or at this many open high findings or more. */
  sprintHigh: number;
  /** Below the sprint thresholds, fixing internally is recommended at this many open high + medium findings or more. */
  fixInternallyMin: number;
}

export const DEFAULT_THRESHOLDS: DecisionThresholds = { sprintCritical: 1, sprintHigh: 3, fixInternallyMin: 1 };

export function thresholdsFrom(config: Pick<PathauditConfig, 'decision'> | undefined): DecisionThresholds {
  const d = config?.decision;
  return {
    sprintCritical: d?.sprint_critical ?? DEFAULT_THRESHOLDS.sprintCritical,
    sprintHigh: d?.sprint_high ?? DEFAULT_THRESHOLDS.sprintHigh,
    fixInternallyMin: d?.fix_internally_min ?? DEFAULT_THRESHOLDS.fixInternallyMin,
  };
}

export function emptyCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
}

export function countBySeverity(findings: FindingRecord[]): SeverityCounts {
  const counts = emptyCounts();
  for (const f of findings) if (!f.waived) counts[f.severity] += 1;
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

/**
 * The next move and the rule that chose it. `basis` names the severities of
 * the open findings that rule counted: the findings that triggered the move
 * (the summary's top risks always include them).
 */
export function decide(counts: SeverityCounts, t: Partial<DecisionThresholds> = DEFAULT_THRESHOLDS): { decision: Decision; rule: string; basis: Severity[] } {
  const th = { ...DEFAULT_THRESHOLDS, ...t };
  const onCritical = counts.critical >= th.sprintCritical;
  if (onCritical || counts.high >= th.sprintHigh)
    return {
      decision: 'sprint',
      rule: `focused sprint: ${counts.critical} critical (threshold ${th.sprintCritical}) and ${counts.high} high (threshold ${th.sprintHigh}) open findings`,
      basis: onCritical ? ['critical'] : ['high'],
    };
  if (counts.high + counts.medium >= th.fixInternallyMin)
    return {
      decision: 'fix-internally',
      rule: `fix internally: ${counts.high} high and ${counts.medium} medium open findings (threshold ${th.fixInternallyMin}), below the sprint thresholds`,
      basis: ['high', 'medium'],
    };
  return { decision: 'hold', rule: `hold: ${counts.high + counts.medium} open high/medium findings, below ${th.fixInternallyMin}; nothing calls for a change now`, basis: [] };
}

/** The severities that triggered a stored summary's decision (runs stored before decisionBasis existed: as the default thresholds would). */
export function basisOf(summary: RunSummary): Severity[] {
  if (summary.decisionBasis) return summary.decisionBasis;
  if (summary.decision === 'sprint') return summary.findings.critical >= DEFAULT_THRESHOLDS.sprintCritical ? ['critical'] : ['high'];
  return summary.decision === 'fix-internally' ? ['high', 'medium'] : [];
}

const POSTURE_WORDS: Record<Posture, string> = { exposed: 'Exposed posture', hardened: 'Hardened path', degraded: 'Degraded posture' };

export function summarize(findings: FindingRecord[], results: ResultRecord[], thresholds?: Partial<DecisionThresholds>): RunSummary {
  const counts = countBySeverity(findings);
  const posture = postureOf(findings, results);
  const { decision, rule, basis } = decide(counts, thresholds);
  const open = findings.filter((f) => !f.waived).length;
  const errors = new Set(results.filter((r) => r.status === 'error').map((r) => `${r.control} ${r.resource}`)).size;
  const lapsed = findings.filter((f) => f.waiver?.lapsed).length;
  let headline = `${POSTURE_WORDS[posture]} · ${open} finding${open === 1 ? '' : 's'}`;
  if (errors) headline += ` · ${errors} result${errors === 1 ? '' : 's'} could not be observed`;
  if (lapsed) headline += ` · ${lapsed} waiver${lapsed === 1 ? '' : 's'} lapsed`;
  return { posture, findings: counts, decision, decisionRule: rule, decisionBasis: basis, headline };
}

/** What a finding means for the business, in plain words: the control's own, else its check's (the catalogue). */
export function plainWords(item: Pick<BacklogItem, 'control' | 'check'>): string {
  return CONTROLS.get(item.control)?.plainWords ?? checkInfo(item.check)?.plainWords ?? 'a control on the path failed';
}

/** The command that runs what `doc` ran again: its bundle, its check list, or (a posture) every check it draws on. */
export function rerunCommand(doc: RunDocument): string {
  const { bundle, checks } = doc.run;
  if (bundle === 'posture') return `pathaudit run --check ${checks.map((c) => c.check).join(',')}`;
  if (bundle.startsWith('checks:')) return `pathaudit run --check ${bundle.slice('checks:'.length)}`;
  return `pathaudit run --bundle ${bundle}`;
}

/** The one-page leadership view of a run (computed from the stored document, so old runs render the same way). */
export interface LeadershipSummary {
  headline: string;
  posture: Posture;
  findings: SeverityCounts;
  decision: Decision;
  decisionRule: string;
  /** Top risks in plain words: every control whose findings triggered the next move, then the highest-ranked others, up to three lines. */
  topRisks: string[];
  /** What the next run should verify. */
  nextRun: string[];
  /** Waivers that lapsed: those findings count again. */
  lapsedWaivers: string[];
  /** Live waivers: accepted risks left out of the decision. */
  waived: string[];
  /** Results that could not be observed (error) — never counted as passing. */
  unobserved: string[];
}

const TOP_RISKS = 3;
const NEXT_RUN = 5;

export function leadershipSummary(doc: RunDocument, backlog: BacklogItem[] = buildBacklog(doc)): LeadershipSummary {
  const { summary } = doc;
  // One line per control (in backlog order): the same weakness on three listeners is one risk with three places.
  const byControl = new Map<string, BacklogItem[]>();
  for (const b of backlog) byControl.set(b.control, [...(byControl.get(b.control) ?? []), b]);
  const groups = [...byControl.values()];
  // What triggered the next move leads, whatever the ranking says: a loopback-only
  // critical scores below an exposed high, but it is why the sprint was chosen.
  const basis = new Set(basisOf(summary));
  const triggers = groups.filter((g) => g.some((b) => basis.has(b.severity)));
  const others = groups.filter((g) => !triggers.includes(g));
  const risky = [...triggers, ...others.slice(0, Math.max(0, TOP_RISKS - triggers.length))];
  const topRisks = risky.map((g) => {
    const worst = [...g].sort((a, b) => SEVERITY_WEIGHT[b.severity] - SEVERITY_WEIGHT[a.severity])[0]!;
    const stale = g.filter((b) => b.notRetested).length;
    return `${plainWords(g[0]!)} (${g[0]!.control} ${g[0]!.title} on ${g.map((b) => b.resource).join(', ')}; ${worst.severity}${stale ? `; ${stale === g.length ? '' : `${stale} of them `}not re-tested since ${g.find((b) => b.notRetested)!.notRetested!.since}` : ''})`;
  });
  const unobservedResults = doc.results.filter((r) => r.status === 'error');
  const nextRun: string[] = groups
    .slice(0, NEXT_RUN)
    .map((g) => `after the fix, \`${g[0]!.verification.command}\`: expect ${g[0]!.control} pass on ${g.map((b) => b.resource).join(', ')}`);
  if (groups.length > NEXT_RUN) nextRun.push(`… and ${groups.length - NEXT_RUN} more control(s) in the backlog, each with its own verification`);
  if (unobservedResults.length)
    nextRun.push(`observe what this run could not: ${unobservedResults.slice(0, 5).map((r) => `${r.control} on ${r.resource}`).join(', ')}${unobservedResults.length > 5 ? ', …' : ''}`);
  const lapsedWaivers = doc.findings
    .filter((f) => f.waiver?.lapsed)
    .map((f) => `the waiver for ${f.control} on ${f.resource} lapsed on ${f.waiver!.expires} ("${f.waiver!.reason}"): it counts as a finding again`);
  for (const l of lapsedWaivers) nextRun.push(`renew or close out: ${l}`);
  if (!nextRun.length) nextRun.push(`rerun \`${rerunCommand(doc)}\` on schedule to catch drift against this run`);
  return {
    headline: summary.headline,
    posture: summary.posture,
    findings: summary.findings,
    decision: summary.decision,
    decisionRule: summary.decisionRule,
    topRisks,
    nextRun,
    lapsedWaivers,
    waived: doc.findings.filter((f) => f.waived).map((f) => `${f.control} on ${f.resource}: ${f.waiver!.reason} (until ${f.waiver!.expires})`),
    unobserved: unobservedResults.map((r) => `${r.control} on ${r.resource}: ${r.detail}`),
  };
}
