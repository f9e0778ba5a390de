// The terminal report: what an operator reads after `pathaudit run`.
// Per control one status line, then each finding with its evidence, one line each.
import type { RunDocument } from '../runner/document.js';

const MARK: Record<string, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skipped: 'SKIP', error: 'ERR ' };

function evidenceLine(doc: RunDocument, id: string): string {
  const e = doc.evidence.find((x) => x.id === id);
  if (!e) return `${id} (missing)`;
  const data = JSON.stringify(e.data);
  return `${e.kind} ${e.resource} sha256:${e.sha256.slice(0, 12)} ${data.length > 160 ? `${data.slice(0, 157)}...` : data}`;
}

export function renderText(doc: RunDocument): string {
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
