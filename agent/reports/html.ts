// The HTML report: ONE self-contained file (inline CSS and SVG, no script, no
// external reference of any kind — inline SVG needs no xmlns either) so it opens offline, from a bundle, in a
// locked-down browser, and makes no network request.
import { describeHost } from '../runner/host.js';
import { buildBacklog } from '../evidence/backlog.js';
import type { ControlDelta, Delta, FindingDelta } from '../evidence/delta.js';
import { leadershipSummary } from '../evidence/summary.js';
import type { Posture, RunDocument } from '../runner/document.js';
import { pathSources, type PosturePoint } from './context.js';
import { escapeHtml as h, htmlInline, truncate } from './escape.js';
import { deltaSections, findingsByImportance, foldedLine } from './order.js';
import { RANKING_RULE } from './md.js';

const POSTURE_COLOR: Record<Posture, string> = { exposed: '#c0392b', degraded: '#d68910', hardened: '#1e8449' };
const STATUS_CLASS: Record<string, string> = { pass: 'ok', fail: 'bad', warn: 'warn', skipped: 'muted', error: 'err' };
const DECISION_WORDS = { 'fix-internally': 'Fix internally', sprint: 'Focused sprint', hold: 'Hold' } as const;

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1c2833;background:#f4f6f7}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d5d8dc;padding-bottom:4px}
.meta{color:#566573;font-size:12px}.card{background:#fff;border:1px solid #d5d8dc;border-radius:6px;padding:16px;margin:12px 0}
.headline{font-size:20px;font-weight:600}.posture{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-weight:600}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}th,td{border:1px solid #d5d8dc;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eaeded}.ok{color:#1e8449}.bad{color:#c0392b;font-weight:600}.warn{color:#b9770e;font-weight:600}.err{color:#7d3c98;font-weight:600}.muted{color:#808b96}
.regressed,.new{background:#fdedec}.improved{background:#e9f7ef}.not-retested{background:#f4ecf7}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}pre{white-space:pre-wrap;word-break:break-all;background:#f8f9f9;padding:6px;margin:4px 0}
.sev{display:inline-block;min-width:60px;font-weight:600}.sev-critical{color:#922b21}.sev-high{color:#c0392b}.sev-medium{color:#b9770e}.sev-low{color:#566573}
svg text{font:11px system-ui,sans-serif;fill:#566573}
`;

/** One colour per bundle series, in order of first appearance (colour-blind-safe Okabe–Ito hues). */
const SERIES = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#000000', '#f0e442'];

/**
 * Open findings per run, one line per bundle: runs of different bundles
 * observe different checks, so 12 → 16 findings from audit-baseline to full
 * is a larger bundle, not a regression. Runs keep their place in time on the
 * x axis; a dot's colour is the posture the run left.
 */
function postureChart(points: PosturePoint[]): string {
  const W = 700;
  const H = 240;
  const pad = { l: 40, r: 16, t: 16, b: 56 };
  const max = Math.max(1, ...points.map((p) => p.open));
  const x = (i: number) => (points.length === 1 ? pad.l + (W - pad.l - pad.r) / 2 : pad.l + (i * (W - pad.l - pad.r)) / (points.length - 1));
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const bundles = [...new Set(points.map((p) => p.bundle))];
  const colour = (b: string) => SERIES[bundles.indexOf(b) % SERIES.length];
  const parts: string[] = [];
  parts.push(`<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Posture over time: open findings per run, one line per bundle">`);
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`);
  for (const v of [0, max / 2, max]) {
    parts.push(`<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eaeded"/>`);
    parts.push(`<text x="${pad.l - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${Number.isInteger(v) ? v : v.toFixed(1)}</text>`);
  }
  for (const b of bundles) {
    const series = points.map((p, i) => ({ p, i })).filter(({ p }) => p.bundle === b);
    if (series.length > 1)
      parts.push(`<polyline fill="none" stroke="${colour(b)}" stroke-width="2" points="${series.map(({ p, i }) => `${x(i).toFixed(1)},${y(p.open).toFixed(1)}`).join(' ')}"/>`);
  }
  points.forEach((p, i) => {
    parts.push(
      `<circle cx="${x(i).toFixed(1)}" cy="${y(p.open).toFixed(1)}" r="5" fill="${POSTURE_COLOR[p.posture]}" stroke="${colour(p.bundle)}" stroke-width="2"><title>${h(`${p.startedAt} · ${p.bundle} · ${p.runId} · ${p.posture} · ${p.open} open (${p.critical} critical, ${p.high} high)`)}</title></circle>`,
    );
  });
  const first = points[0]!;
  const last = points[points.length - 1]!;
  parts.push(`<text x="${pad.l}" y="${H - 34}">${h(first.startedAt.slice(0, 16).replace('T', ' '))}</text>`);
  if (points.length > 1) parts.push(`<text x="${W - pad.r}" y="${H - 34}" text-anchor="end">${h(last.startedAt.slice(0, 16).replace('T', ' '))}</text>`);
  // The legend: a swatch and the name of each bundle, then what the dots mean.
  let lx = pad.l;
  for (const b of bundles) {
    const label = truncate(b, 40);
    parts.push(`<rect x="${lx}" y="${H - 24}" width="12" height="4" fill="${colour(b)}"/><text x="${lx + 16}" y="${H - 19}">${h(label)}</text>`);
    lx += 28 + label.length * 6;
  }
  parts.push(`<text x="${W - pad.r}" y="${H - 4}" text-anchor="end">open findings per run, one line per bundle · dot colour = posture</text>`);
  parts.push('</svg>');
  return parts.join('');
}

const changeRow = (c: ControlDelta) =>
  `<tr class="${c.change}"><td>${h(c.control)}</td><td>${h(c.resource)}</td><td>${c.from ? h(`${c.from.status} (${c.from.severity})`) : '—'}</td><td>${c.to ? h(`${c.to.status} (${c.to.severity})`) : '—'}</td><td>${h(c.reason)}</td></tr>`;
const findingRow = (f: FindingDelta, cls: string) =>
  `<tr class="${cls}"><td class="sev-${f.severity}">${h(f.severity)}</td><td>${h(f.control)}</td><td>${h(f.title)}${f.waived ? ' (waived)' : ''}</td><td>${h(f.resource)}</td><td>${h(f.reason)}</td></tr>`;

/** The delta in reading order: regressions, resolved, not re-tested, new findings, improved; the rest counted. */
function deltaSection(delta: Delta): string {
  const s = deltaSections(delta);
  const controls = (title: string, rows: ControlDelta[]) =>
    rows.length ? `<h3>${h(title)} (${rows.length})</h3><table><thead><tr><th>control</th><th>resource</th><th>before</th><th>after</th><th>why</th></tr></thead><tbody>${rows.map(changeRow).join('')}</tbody></table>` : '';
  const findings = (title: string, rows: FindingDelta[], cls: string, note = '') =>
    rows.length || note
      ? `<h3>${h(title)} (${rows.length})</h3>${note}${rows.length ? `<table><thead><tr><th>severity</th><th>control</th><th>title</th><th>resource</th><th>why</th></tr></thead><tbody>${rows.map((f) => findingRow(f, cls)).join('')}</tbody></table>` : ''}`
      : '';
  const checks = s.notRetestedChecks.length ? `<ul>${s.notRetestedChecks.map((c) => `<li>${h(c.reason)}</li>`).join('')}</ul>` : '';
  return `<h2>Delta: ${h(delta.from.id)} → ${h(delta.to.id)}</h2>
<div class="card"><div class="headline">${h(delta.headline)}</div><div class="meta">from ${h(delta.from.headline)} (${h(delta.from.startedAt)}) to ${h(delta.to.headline)} (${h(delta.to.startedAt)})</div>
<p>Next move after ${h(delta.to.id)}: <strong>${h(DECISION_WORDS[delta.nextMove.decision])}</strong> — ${h(delta.nextMove.decisionRule)}</p></div>
${controls('Regressions', s.regressions)}
${findings('Resolved', s.resolved, 'improved')}
${findings('Not re-tested (nothing here is counted as resolved)', s.notRetested, 'not-retested', checks)}
${findings('New findings', s.newFindings, 'new')}
${controls('Improved', s.improved)}
<p class="meta">Not listed: ${h(foldedLine(s.folded))}.</p>`;
}

export function renderHtml(doc: RunDocument, delta: Delta | null, history: PosturePoint[], path: RunDocument = doc): string {
  const { run } = doc;
  const backlog = buildBacklog(path);
  const lead = leadershipSummary(path, backlog);
  const f = lead.findings;
  const list = (items: string[]) => `<ul>${items.map((i) => `<li>${h(i)}</li>`).join('')}</ul>`;
  const evidenceOf = (id: string) => {
    const e = doc.evidence.find((x) => x.id === id);
    if (!e) return `<li><code>${h(id)}</code> (missing from the run)</li>`;
    return `<li><code>${h(id)}</code> · ${h(e.kind)} · sha256 <code>${h(e.sha256.slice(0, 16))}…</code><details><summary>observation</summary><pre>${h(truncate(JSON.stringify(e.data, null, 2), 4000))}</pre></details></li>`;
  };
  const findings = findingsByImportance(doc).map((x) => {
    const state = x.waived ? ` <span class="muted">waived until ${h(x.waiver!.expires)}: ${h(x.waiver!.reason)}</span>` : x.waiver?.lapsed ? ` <span class="warn">waiver lapsed ${h(x.waiver.expires)}</span>` : '';
    return `<div class="card"><div><span class="sev sev-${x.severity}">${h(x.severity.toUpperCase())}</span> <strong>${h(x.control)} ${h(x.title)}</strong> — ${h(x.resource)}${state}</div>
<p>${h(x.detail)}</p><p><strong>Fix:</strong> ${htmlInline(x.remediation)}<br><strong>Verify:</strong> ${htmlInline(x.verification)}<br><strong>Standards:</strong> ${h(x.standards.join('; '))}<br><span class="meta">fingerprint ${h(x.fingerprint)}</span></p>
<div><strong>Evidence</strong><ul>${x.evidence.map(evidenceOf).join('')}</ul></div></div>`;
  });
  const backlogRows = backlog.map(
    (b) =>
      `<tr><td>${b.rank}</td><td>${b.score}</td><td class="sev-${b.severity}">${h(b.severity)}</td><td>${h(b.control)} ${h(b.title)}</td><td>${h(b.resource)}${b.notRetested ? ` <span class="warn">not re-tested since ${h(b.notRetested.since)}</span>` : b.runId !== doc.run.id ? ` <span class="meta">run ${h(b.runId)}</span>` : ''}</td><td>${h(b.exposure)}</td><td>${h(b.effort)}</td><td>${h(b.owner)}</td><td><code>${h(b.verification.command)}</code> → ${h(b.control)} pass</td><td>${h(b.standards.join('; '))}</td></tr>`,
  );
  const results = doc.results.map(
    (r) => `<tr><td class="${STATUS_CLASS[r.status] ?? ''}">${h(r.status)}</td><td>${h(r.control)}</td><td>${h(r.resource)}</td><td>${h(r.severity)}</td><td>${h(r.detail)}</td></tr>`,
  );
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>pathaudit · ${h(run.gatewayId)} · ${h(run.bundle)} · ${h(run.id)}</title><style>${CSS}</style></head>
<body><main>
<h1>pathaudit report — ${h(run.gatewayId)} · ${h(run.bundle)}</h1>
<div class="meta">run ${h(run.id)} · ${h(run.status)} · ${h(run.startedAt)} → ${h(run.finishedAt ?? '…')} · agent ${h(run.agentVersion)}${describeHost(run.host) ? ` · host ${h(describeHost(run.host)!)}` : ''}${run.path?.name ? ` · path: ${h(run.path.name)}${run.path.pressure ? ` (${h(run.path.pressure)})` : ''}${run.path.deadline ? ` · decision by ${h(run.path.deadline)}` : ''}` : ''}</div>
<h2>Leadership summary</h2>
${path !== doc ? `<p class="meta">This run: ${h(doc.summary.headline)}. The summary, next move and backlog are the path as this run left it, drawn on:</p><ul class="meta">${pathSources(doc, path).map((s) => `<li>${h(s)}</li>`).join('')}</ul>` : ''}
<div class="card"><span class="posture" style="background:${POSTURE_COLOR[lead.posture]}">${h(lead.posture)}</span> <span class="headline">${h(lead.headline)}</span>
<p>Open findings: <strong>${f.critical}</strong> critical · <strong>${f.high}</strong> high · <strong>${f.medium}</strong> medium · <strong>${f.low}</strong> low · ${f.info} info</p>
<p>Recommended next move: <strong>${h(DECISION_WORDS[lead.decision])}</strong> — ${h(lead.decisionRule)}</p>
${lead.topRisks.length ? `<strong>Top risks</strong>${list(lead.topRisks)}` : ''}
<strong>What the next run should verify</strong><ul>${lead.nextRun.map((i) => `<li>${htmlInline(i)}</li>`).join('')}</ul>
${lead.lapsedWaivers.length ? `<strong class="warn">Lapsed waivers</strong>${list(lead.lapsedWaivers)}` : ''}
${lead.waived.length ? `<strong>Waived (accepted risk)</strong>${list(lead.waived)}` : ''}
${lead.unobserved.length ? `<strong class="err">Not observed (never counted as passing)</strong>${list(lead.unobserved)}` : ''}</div>
<h2>Posture over time</h2><div class="card">${history.length ? postureChart(history) : '<p>No completed run yet.</p>'}</div>
${delta ? deltaSection(delta) : ''}
<h2>Backlog</h2><p class="meta">Ranking: ${h(RANKING_RULE)}</p>
${backlogRows.length ? `<table><thead><tr><th>#</th><th>score</th><th>severity</th><th>control</th><th>resource</th><th>exposure</th><th>effort</th><th>owner</th><th>verify with</th><th>standards</th></tr></thead><tbody>${backlogRows.join('')}</tbody></table>` : '<p>Nothing to fix: no open finding.</p>'}
<h2>Findings</h2>${findings.length ? findings.join('\n') : '<p>No findings.</p>'}
<h2>Control results</h2><table><thead><tr><th>status</th><th>control</th><th>resource</th><th>severity</th><th>detail</th></tr></thead><tbody>${results.join('')}</tbody></table>
<h2>Integrity</h2><div class="card meta">run hash <code>${h(run.hash ?? 'not finished')}</code><br>previous-run hash <code>${h(run.previousHash ?? 'none (first run)')}</code><br>config hash <code>${h(run.configHash)}</code><br>${doc.evidence.length} evidence records</div>
</main></body></html>
`;
}
