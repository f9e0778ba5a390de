// The terminal report: what an operator reads after `pathaudit run`.
// Per control one status line, then each finding with its evidence, one line each.
import { describeHost } from '../runner/host.js';
import type { Delta, FindingDelta } from '../evidence/delta.js';
import { leadershipSummary } from '../evidence/summary.js';
import type { RunDocument } from '../runner/document.js';
import { pathSources } from './context.js';
import { terminalLine } from './escape.js';
import { deltaSections, findingsByImportance, foldedLine } from './order.js';

const MARK: Record<string, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skipped: 'SKIP', error: 'ERR ' };

function evidenceLine(doc: RunDocument, id: string): string {
  const e = doc.evidence.find((x) => x.id === id);
  if (!e) return `${id} (missing)`;
  const data = JSON.stringify(e.data);
  return `${e.kind} ${e.resource} sha256:${e.sha256.slice(0, 12)} ${data.length > 160 ? `${data.slice(0, 157)}...` : data}`;
}

/**
 * The delta in terminal lines, in reading order: the headline, regressions,
 * findings resolved, not re-tested (and why), new findings, improvements;
 * what did not change, and results without a finding on either side, are
 * counted, not listed (a delta across bundles would drown in them).
 */
export function deltaLines(delta: Delta): string[] {
  const s = deltaSections(delta);
  const lines = [`delta ${delta.from.id} → ${delta.to.id}: ${delta.headline}`];
  const finding = (label: string, f: FindingDelta, why = false) =>
    `  ${label.padEnd(14)} ${f.severity.padEnd(8)} ${f.control} ${f.title} (${f.resource})${f.waived ? ' (waived)' : ''}${why ? ` — ${f.reason}` : ''}`;
  for (const c of s.regressions) lines.push(`  ${'REGRESSED'.padEnd(14)} ${c.control} ${c.resource} — ${c.reason}`);
  for (const f of s.resolved) lines.push(finding('RESOLVED', f));
  for (const f of s.notRetested) lines.push(finding('NOT RE-TESTED', f, true));
  for (const c of s.notRetestedChecks) lines.push(`  not re-tested: ${c.reason}`);
  for (const f of s.newFindings) lines.push(finding('NEW FINDING', f));
  for (const c of s.improved) lines.push(`  ${'IMPROVED'.padEnd(14)} ${c.control} ${c.resource} — ${c.reason}`);
  lines.push(`  ${foldedLine(s.folded)}`);
  lines.push(`  next move after ${delta.to.id}: ${delta.nextMove.decision} — ${delta.nextMove.decisionRule}`);
  return lines.map(terminalLine);
}

export function renderText(doc: RunDocument, delta: Delta | null = null, path: RunDocument = doc): string {
  const { run } = doc;
  const summary = path.summary;
  const lines: string[] = [];
  lines.push(`pathaudit ${run.bundle} · run ${run.id} · ${run.status}`);
  if (run.path?.name) lines.push(`path: ${run.path.name}${run.path.pressure ? ` (${run.path.pressure})` : ''}${run.path.deadline ? ` · decision by ${run.path.deadline}` : ''}`);
  lines.push(`gateway ${run.gatewayId} · ${run.startedAt} → ${run.finishedAt ?? '…'}`);
  const host = describeHost(run.host);
  if (host) lines.push(`host ${host}`);
  lines.push('');
  if (path !== doc) {
    lines.push(`this run: ${doc.summary.headline}`);
    lines.push('the path as this run left it (summary, next move and backlog draw on):');
    for (const s of pathSources(doc, path)) lines.push(`  ${s}`);
  }
  lines.push(summary.headline);
  const f = summary.findings;
  lines.push(`findings: ${f.critical} critical · ${f.high} high · ${f.medium} medium · ${f.low} low`);
  lines.push(`next move: ${summary.decision} — ${summary.decisionRule}`);
  const lead = leadershipSummary(path);
  if (lead.topRisks.length) {
    lines.push('top risks:');
    lead.topRisks.forEach((r, i) => lines.push(`  ${i + 1}. ${r}`));
  }
  lines.push('next run should verify:');
  for (const n of lead.nextRun) lines.push(`  - ${n}`);
  if (delta) {
    lines.push('');
    lines.push(...deltaLines(delta));
  }
  lines.push('');
  lines.push('checks:');
  for (const c of run.checks) lines.push(`  ${c.check.padEnd(20)} ${c.outcome.padEnd(9)} ${String(c.durationMs).padStart(6)} ms${c.reason ? `  ${c.reason}` : ''}`);
  lines.push('');
  lines.push('controls:');
  for (const r of doc.results) {
    const sev = r.status === 'fail' || r.status === 'warn' ? ` [${r.severity}]` : '';
    lines.push(`  ${MARK[r.status]} ${r.control} ${r.resource}${sev} — ${r.detail}`);
  }
  const ordered = findingsByImportance(doc);
  const open = ordered.filter((x) => !x.waived);
  const waived = ordered.filter((x) => x.waived);
  if (open.length) {
    lines.push('');
    lines.push('findings:');
    for (const x of open) {
      lines.push(`  ${x.severity.toUpperCase()} ${x.control} ${x.title} — ${x.resource}${x.waiver?.lapsed ? ` (waiver lapsed ${x.waiver.expires})` : ''}`);
      lines.push(`    why: ${x.detail}`);
      for (const id of x.evidence) lines.push(`    evidence: ${evidenceLine(doc, id)}`);
      lines.push(`    fix: ${x.remediation}`);
    }
  }
  if (waived.length) {
    lines.push('');
    lines.push('waived:');
    for (const x of waived) lines.push(`  ${x.control} ${x.resource} — ${x.waiver!.reason} (until ${x.waiver!.expires})`);
  }
  // Details, resources and evidence quote what the path sent: one line each, no terminal control.
  return `${lines.map(terminalLine).join('\n')}\n`;
}
