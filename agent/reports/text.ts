// The terminal report: what an operator reads after `pathaudit run`.
// Per control one status line, then each finding with its evidence, one line each.
import type { Delta } from '../evidence/delta.js';
import { leadershipSummary } from '../evidence/summary.js';
import type { RunDocument } from '../runner/document.js';

const MARK: Record<string, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skipped: 'SKIP', error: 'ERR ' };

function evidenceLine(doc: RunDocument, id: string): string {
  const e = doc.evidence.find((x) => x.id === id);
  if (!e) return `${id} (missing)`;
  const data = JSON.stringify(e.data);
  return `${e.kind} ${e.resource} sha256:${e.sha256.slice(0, 12)} ${data.length > 160 ? `${data.slice(0, 157)}...` : data}`;
}

/**
 * The delta in terminal lines: headline, then what changed for the better or
 * worse (regressions first). New passing results and results no longer
 * observed are counted, not listed: a delta across bundles would drown in them.
 */
export function deltaLines(delta: Delta): string[] {
  const lines = [`delta ${delta.from.id} → ${delta.to.id}: ${delta.headline}`];
  let quietNew = 0;
  let quietGone = 0;
  for (const c of delta.controls) {
    if (c.change === 'unchanged') continue;
    if (c.change === 'new' && c.to?.status !== 'fail' && c.to?.status !== 'warn') {
      quietNew += 1;
      continue;
    }
    if (c.change === 'gone' && c.from?.status !== 'fail' && c.from?.status !== 'warn') {
      quietGone += 1;
      continue;
    }
    lines.push(`  ${c.change.toUpperCase().padEnd(14)} ${c.control} ${c.resource} — ${c.reason}`);
  }
  if (quietNew) lines.push(`  ${quietNew} result(s) newly observed without a finding`);
  if (quietGone) lines.push(`  ${quietGone} result(s) without a finding not observed in the later run`);
  for (const f of delta.findings) if (f.change !== 'persisting') lines.push(`  finding ${f.change.padEnd(8)} ${f.severity.padEnd(8)} ${f.control} ${f.title} (${f.resource})`);
  const persisting = delta.findingCounts.persisting;
  if (persisting) lines.push(`  ${persisting} finding${persisting === 1 ? '' : 's'} persisting`);
  return lines;
}

export function renderText(doc: RunDocument, delta: Delta | null = null): string {
  const { run, summary } = doc;
  const lines: string[] = [];
  lines.push(`pathaudit ${run.bundle} · run ${run.id} · ${run.status}`);
  if (run.path?.name) lines.push(`path: ${run.path.name}${run.path.pressure ? ` (${run.path.pressure})` : ''}${run.path.deadline ? ` · decision by ${run.path.deadline}` : ''}`);
  lines.push(`gateway ${run.gatewayId} · ${run.startedAt} → ${run.finishedAt ?? '…'}`);
  lines.push('');
  lines.push(summary.headline);
  const f = summary.findings;
  lines.push(`findings: ${f.critical} critical · ${f.high} high · ${f.medium} medium · ${f.low} low`);
  lines.push(`next move: ${summary.decision} — ${summary.decisionRule}`);
  const lead = leadershipSummary(doc);
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
  const open = doc.findings.filter((x) => !x.waived);
  const waived = doc.findings.filter((x) => x.waived);
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
  return `${lines.join('\n')}\n`;
}
