// The Markdown report: the one-page leadership summary first, then the delta,
// the backlog, the findings with their evidence and every control result.
// Also the report.md of an evidence bundle.
import { describeHost } from '../runner/host.js';
import { buildBacklog, EXPOSURE_FACTOR, SEVERITY_WEIGHT, type BacklogItem } from '../evidence/backlog.js';
import type { ControlDelta, Delta, FindingDelta } from '../evidence/delta.js';
import { leadershipSummary } from '../evidence/summary.js';
import type { RunDocument } from '../runner/document.js';
import { pathSources } from './context.js';
import { mdCell, mdCode, mdInline, mdText, truncate } from './escape.js';
import { deltaSections, findingsByImportance, foldedLine } from './order.js';

const DECISION_WORDS = { 'fix-internally': 'Fix internally', sprint: 'Focused sprint', hold: 'Hold' } as const;

export const RANKING_RULE =
  `score = severity weight (${Object.entries(SEVERITY_WEIGHT).map(([k, v]) => `${k} ${v}`).join(', ')}) × exposure ` +
  `(${Object.entries(EXPOSURE_FACTOR).map(([k, v]) => `${k} ${v}`).join(', ')}) × confidence (fail 1.0, warn 0.7, halved without evidence); ties: smaller effort first`;

/** A cell already in Markdown (a code span), as opposed to text to escape. */
type Cell = string | { md: string };

/** A GFM table: text cells escaped, Markdown cells as given. */
function table(head: string[], rows: Cell[][]): string[] {
  const cell = (v: Cell) => (typeof v === 'string' ? mdCell(v) : v.md);
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

/** A command as a code span inside a table cell: GFM splits cells on a pipe even in a code span, so pipes are escaped. */
const codeCell = (command: string) => mdCode(command).replace(/\|/g, '\\|');

/** The delta in reading order: regressions, resolved, not re-tested, new findings, improved; the rest counted. */
export function renderDeltaMd(delta: Delta, heading = '##'): string[] {
  const s = deltaSections(delta);
  const lines = [`${heading} Delta: ${mdText(delta.from.id)} → ${mdText(delta.to.id)}`, '', `**${mdText(delta.headline)}**`, ''];
  lines.push(`Next move after ${mdText(delta.to.id)}: **${DECISION_WORDS[delta.nextMove.decision]}** — ${mdText(delta.nextMove.decisionRule)}`, '');
  const sub = `${heading}#`;
  const controls = (title: string, rows: ControlDelta[]) => {
    if (!rows.length) return;
    lines.push(`${sub} ${title} (${rows.length})`, '');
    lines.push(...table(['control', 'resource', 'before', 'after', 'why'], rows.map((c) => [c.control, c.resource, c.from ? `${c.from.status} (${c.from.severity})` : '—', c.to ? `${c.to.status} (${c.to.severity})` : '—', c.reason])), '');
  };
  const findings = (title: string, rows: FindingDelta[], note?: string[]) => {
    if (!rows.length && !note?.length) return;
    lines.push(`${sub} ${title} (${rows.length})`, '');
    if (note?.length) lines.push(...note, '');
    if (rows.length) lines.push(...table(['severity', 'control', 'title', 'resource', 'why'], rows.map((f) => [f.severity, f.control, `${f.title}${f.waived ? ' (waived)' : ''}`, f.resource, f.reason])), '');
  };
  controls('Regressions', s.regressions);
  findings('Resolved', s.resolved);
  findings('Not re-tested (nothing here is counted as resolved)', s.notRetested, s.notRetestedChecks.map((c) => `- ${mdText(c.reason)}`));
  findings('New findings', s.newFindings);
  controls('Improved', s.improved);
  lines.push(`Not listed: ${mdText(foldedLine(s.folded))}.`, '');
  return lines;
}

/** The backlog as a Markdown table (a row per open finding), or the line that says nothing is open. */
export function renderBacklogMd(backlog: BacklogItem[], runId: string): string[] {
  if (!backlog.length) return ['Nothing to fix: no open finding.'];
  return table(
    ['#', 'score', 'severity', 'control', 'resource', 'exposure', 'effort', 'owner', 'verify with', 'standards'],
    backlog.map((b) => [
      String(b.rank),
      String(b.score),
      b.severity,
      `${b.control} ${b.title}`,
      `${b.resource}${b.notRetested ? ` (not re-tested since ${b.notRetested.since})` : b.runId !== runId ? ` (run ${b.runId})` : ''}`,
      b.exposure,
      b.effort,
      b.owner,
      { md: `${codeCell(b.verification.command)} → ${mdCell(b.verification.control)} pass` },
      b.standards.join('; '),
    ]),
  );
}

export function renderMarkdown(doc: RunDocument, delta: Delta | null, path: RunDocument = doc): string {
  const { run } = doc;
  const backlog = buildBacklog(path);
  const lead = leadershipSummary(path, backlog);
  const f = lead.findings;
  const L: string[] = [];
  L.push(`# pathaudit report — ${mdText(run.gatewayId)} · ${mdText(run.bundle)}`, '');
  L.push(`Run ${mdCode(run.id)} · ${run.status} · ${mdText(run.startedAt)} → ${mdText(run.finishedAt ?? '…')} · agent ${mdText(run.agentVersion)}`);
  const host = describeHost(run.host);
  if (host) L.push('', `Host: ${mdText(host)}`);
  if (run.path?.name) L.push(`Path: ${mdText(run.path.name)}${run.path.pressure ? ` — ${mdText(run.path.pressure)}` : ''}${run.path.deadline ? ` — decision by ${run.path.deadline}` : ''}`);
  L.push('', '## Leadership summary', '');
  if (path !== doc) {
    L.push(`This run: ${mdText(doc.summary.headline)}. The summary, next move and backlog are the path as this run left it, drawn on:`, '');
    L.push(...pathSources(doc, path).map((s) => `- ${mdText(s)}`), '');
  }
  L.push(`**${mdText(lead.headline)}**`, '');
  L.push(`- Posture: **${lead.posture}**`);
  L.push(`- Open findings: ${f.critical} critical · ${f.high} high · ${f.medium} medium · ${f.low} low · ${f.info} info`);
  L.push(`- Recommended next move: **${DECISION_WORDS[lead.decision]}** — ${mdText(lead.decisionRule)}`);
  if (lead.topRisks.length) L.push('', '**Top risks**', '', ...lead.topRisks.map((r, i) => `${i + 1}. ${mdText(r)}`));
  L.push('', '**What the next run should verify**', '', ...lead.nextRun.map((r) => `- ${mdInline(r)}`));
  if (lead.lapsedWaivers.length) L.push('', '**Lapsed waivers**', '', ...lead.lapsedWaivers.map((w) => `- ${mdText(w)}`));
  if (lead.waived.length) L.push('', '**Waived (accepted risk, left out of the decision)**', '', ...lead.waived.map((w) => `- ${mdText(w)}`));
  if (lead.unobserved.length) L.push('', '**Not observed (error — never counted as passing)**', '', ...lead.unobserved.map((w) => `- ${mdText(w)}`));
  L.push('');
  if (delta) L.push(...renderDeltaMd(delta));
  L.push('## Backlog', '', `Ranking: ${mdText(RANKING_RULE)}.`, '', ...renderBacklogMd(backlog, doc.run.id));
  L.push('', '## Findings', '');
  if (!doc.findings.length) L.push('No findings.');
  for (const x of findingsByImportance(doc)) {
    const state = x.waived ? ` — waived until ${x.waiver!.expires}` : x.waiver?.lapsed ? ` — waiver lapsed ${x.waiver.expires}` : '';
    L.push(`### ${x.severity.toUpperCase()} ${x.control} ${mdText(x.title)} — ${mdText(x.resource)}${state}`, '');
    L.push(`${mdText(x.detail)}`, '');
    L.push(`- Fingerprint: ${mdCode(x.fingerprint)}`);
    L.push(`- Remediation: ${mdInline(x.remediation)}`);
    L.push(`- Verification: ${mdInline(x.verification)}`);
    if (x.standards.length) L.push(`- Standards: ${mdText(x.standards.join('; '))}`);
    L.push('- Evidence:');
    for (const id of x.evidence) {
      const e = doc.evidence.find((ev) => ev.id === id);
      L.push(e ? `  - ${mdCode(id)} (${mdText(e.kind)}, sha256 ${mdCode(`${e.sha256.slice(0, 16)}…`)}): ${mdCode(truncate(JSON.stringify(e.data), 300))}` : `  - ${mdCode(id)} (missing from the run)`);
    }
    L.push('');
  }
  L.push('## Control results', '');
  L.push(...table(['status', 'control', 'resource', 'severity', 'detail'], doc.results.map((r) => [r.status, r.control, r.resource, r.severity, r.detail])));
  L.push('', '## Checks', '');
  L.push(...table(['check', 'outcome', 'ms', 'reason'], run.checks.map((c) => [c.check, c.outcome, String(c.durationMs), c.reason ?? ''])));
  L.push('', '## Integrity', '');
  L.push(`- Run hash: ${mdCode(run.hash ?? 'not finished')}`, `- Previous-run hash: ${mdCode(run.previousHash ?? 'none (first run)')}`, `- Config hash: ${mdCode(run.configHash)}`, `- Evidence records: ${doc.evidence.length}`);
  return `${L.join('\n')}\n`;
}
