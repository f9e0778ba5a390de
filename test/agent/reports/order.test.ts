// Reports read in order of importance. Findings by severity, then backlog
// score (a low BT-01 never comes first); a delta's sections in the order
// regressions, resolved, not re-tested, new findings, improved, with what did
// not change and results newly observed without a finding folded into a count
// (no more dozens of "new … pass" rows); the posture chart draws one series
// per bundle; commands render as code in Markdown and HTML; `bundle verify`
// never says "undefined".
import MarkdownIt from 'markdown-it';
import t from 'tap';
import { exportBundle } from '../../../agent/evidence/bundle.js';
import { computeDelta } from '../../../agent/evidence/delta.js';
import { findingScore } from '../../../agent/evidence/backlog.js';
import { fingerprintOf } from '../../../agent/evidence/findings.js';
import { keyFileOf } from '../../../agent/evidence/signing.js';
import { summarize } from '../../../agent/evidence/summary.js';
import { readTarGz, writeTarGz } from '../../../agent/evidence/tarball.js';
import { pointOf } from '../../../agent/reports/context.js';
import { renderReport } from '../../../agent/reports/index.js';
import type { FindingRecord, ResultRecord, RunDocument } from '../../../agent/runner/document.js';
import { SEVERITIES, type Severity, type Status } from '../../../probes/types.js';
import { cli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/lab.js';
import { storedLab } from '../evidence/helpers.js';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';

type Row = [control: string, resource: string, status: Status, severity: Severity, check?: string];

/** A run document from result rows: a finding per fail/warn, evidence for every observed result. */
function runOf(id: string, bundle: string, startedAt: string, rows: Row[], checks = [...new Set(rows.map((r) => r[4] ?? 'broker-transport'))]): RunDocument {
  const results: ResultRecord[] = rows.map(([control, resource, status, severity, check = 'broker-transport']) => ({
    control, check, resource, status, severity, detail: `${control} ${status} on ${resource}`, evidence: status === 'error' || status === 'skipped' ? [] : [`${check}:obs ${resource}`],
  }));
  const findings: FindingRecord[] = results
    .filter((r) => r.status === 'fail' || r.status === 'warn')
    .map((r) => ({
      fingerprint: fingerprintOf(r.control, r.resource), control: r.control, check: r.check, resource: r.resource, status: r.status as 'fail', severity: r.severity,
      title: `${r.control} title`, detail: r.detail, remediation: 'Set `tls_version tlsv1.2` in /etc/mosquitto/conf.d/tls.conf, then `systemctl reload mosquitto`.',
      verification: 'rerun `pathaudit run --bundle hardening-verification`', standards: [], evidence: r.evidence, waived: false, waiver: null,
    }));
  const evidence = [...new Set(results.flatMap((r) => r.evidence))].map((e) => ({ id: e, check: e.split(':')[0]!, kind: 'obs', resource: e.split(' ').slice(1).join(' '), sha256: 'a'.repeat(64), data: { beyondLoopback: !e.includes('127.0.0.1') } }));
  return {
    run: { id, bundle, trigger: 'cli', startedAt, finishedAt: startedAt, status: 'completed', agentVersion: '0.1.0', configHash: 'c'.repeat(64), gatewayId: 'gw', path: null, checks: checks.map((c) => ({ check: c, outcome: 'completed', durationMs: 1 })), previousHash: null, hash: 'h'.repeat(64) },
    summary: summarize(findings, results),
    results,
    findings,
    evidence,
  };
}

// A low BT-01 (plaintext on loopback), a high BT-03 beyond loopback, a high one on loopback, a critical, a medium.
const RUN = runOf('run-20261102T000000Z-bbbbbb', 'audit-baseline', '2026-11-02T00:00:00.000Z', [
  ['BT-01', 'mqtt 127.0.0.1:1883', 'fail', 'low'],
  ['BT-03', 'mqtts 127.0.0.1:8883', 'fail', 'high'],
  ['BT-03', 'mqtts 10.0.0.2:8883', 'fail', 'high'],
  ['BT-04', 'mqtts 10.0.0.2:8883', 'warn', 'medium'],
  ['BT-02', 'mqtt 127.0.0.1:1883', 'fail', 'critical'],
]);

t.test('findings come by severity, then score, in text, Markdown and HTML', async (t) => {
  const expected = ['BT-02 mqtt 127.0.0.1:1883', 'BT-03 mqtts 10.0.0.2:8883', 'BT-03 mqtts 127.0.0.1:8883', 'BT-04 mqtts 10.0.0.2:8883', 'BT-01 mqtt 127.0.0.1:1883'];
  const byScore = [...RUN.findings].sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || findingScore(RUN, b) - findingScore(RUN, a));
  t.same(byScore.map((f) => `${f.control} ${f.resource}`), expected, 'the expected order is severity, then score (the exposed high before the loopback one)');
  const order = (text: string, re: RegExp) => [...text.matchAll(re)].map((m) => `${m[1]} ${m[2]}`);
  const md = renderReport(RUN, 'md', { path: null, delta: null, history: [] }).body;
  t.same(order(md, /^### \w+ (BT-\d\d) BT-\d\d title — (.+)$/gm), expected, 'Markdown');
  const text = renderReport(RUN, 'text', { path: null, delta: null }).body;
  t.same(order(text.split('\nfindings:\n')[1]!, /^ {2}\w+ (BT-\d\d) BT-\d\d title — (.+)$/gm), expected, 'text');
  const html = renderReport(RUN, 'html', { path: null, delta: null, history: [pointOf(RUN)] }).body;
  t.same(order(html, /<strong>(BT-\d\d) BT-\d\d title<\/strong> — ([^<]+)</g), expected, 'HTML');
});

t.test('delta sections: regressions, resolved, not re-tested, new findings, improved; unchanged and new passes counted', async (t) => {
  // [control, resource, before, after, severity, check]: one row per result, its status on each side (null: absent).
  const table: Array<[string, string, Status | null, Status | null, Severity, string?]> = [
    ['BT-02', 'mqtt 127.0.0.1:1883', 'pass', 'fail', 'critical'],
    ['BT-03', 'mqtts 127.0.0.1:8883', 'fail', 'pass', 'high'],
    ['BT-04', 'mqtts 127.0.0.1:8883', 'fail', 'pass', 'medium'],
    ['BT-01', 'mqtt 127.0.0.1:1883', 'fail', 'fail', 'low'],
    ['BT-05', 'mqtts 127.0.0.1:8883', 'pass', 'pass', 'high'],
    ['IA-04', 'ingest http://127.0.0.1:8080/', 'fail', null, 'high', 'ingest-auth'],
    ['DC-02', 'device stm32-01', null, 'fail', 'high', 'device-certs'],
    ...Array.from({ length: 43 }, (_, i): [string, string, null, Status, Severity, string] => [`DC-0${(i % 8) + 1}`, `device stm32-${String(i).padStart(2, '0')}`, null, 'pass', 'high', 'device-certs']),
  ];
  const side = (at: 2 | 3): Row[] => table.flatMap((r) => (r[at] ? [[r[0], r[1], r[at], r[4], r[5]] as Row] : []));
  const before = runOf('run-20261101T000000Z-aaaaaa', 'audit-baseline', '2026-11-01T00:00:00.000Z', side(2));
  const after = runOf('run-20261102T000000Z-bbbbbb', 'full', '2026-11-02T00:00:00.000Z', side(3));
  const delta = computeDelta(before, after);
  t.ok(delta.controls.filter((c) => c.change === 'new' && c.to?.status === 'pass').length >= 43, 'the delta holds 43 new passes');
  const titles = ['Regressions', 'Resolved', 'Not re-tested', 'New findings', 'Improved'];

  const html = renderReport(after, 'html', { path: null, delta, history: [pointOf(before), pointOf(after)] }).body;
  const section = html.slice(html.indexOf('<h2>Delta'), html.indexOf('<h2>Backlog'));
  const at = titles.map((x) => section.indexOf(`<h3>${x}`));
  t.ok(at.every((i) => i > 0), `HTML: every section present (${at.join(", ")})`);
  t.same([...at].sort((a, b) => a - b), at, 'HTML: in that order');
  t.notMatch(section, /<td>device stm32-\d\d<\/td><td>—<\/td><td>pass/, 'HTML: no newly observed pass is listed');
  t.match(section, /Not listed: 2 results unchanged · 43 results newly observed without a finding · 1 finding persisting/, 'HTML: they are counted');
  t.equal((section.match(/<tr class="new">/g) ?? []).length, 2, 'HTML: two new-finding rows (BT-02, DC-02), not 45 pink rows');

  const md = renderReport(after, 'md', { path: null, delta, history: [] }).body;
  const mdAt = titles.map((x) => md.indexOf(`### ${x}`));
  t.ok(mdAt.every((i) => i > 0), 'Markdown: every section present');
  t.same([...mdAt].sort((a, b) => a - b), mdAt, 'Markdown: in that order');
  t.match(md, /Not listed: 2 results unchanged · 43 results newly observed without a finding/);

  const text = renderReport(after, 'text', { path: null, delta }).body;
  const labels = ['REGRESSED', 'RESOLVED', 'NOT RE-TESTED', 'NEW FINDING', 'IMPROVED'].map((l) => text.indexOf(`  ${l} `));
  t.ok(labels.every((i) => i > 0), 'text: every section present');
  t.same([...labels].sort((a, b) => a - b), labels, 'text: in that order');
  t.match(text, /43 results newly observed without a finding/);
});

t.test('the posture chart draws one series per bundle, with a legend', async (t) => {
  const mk = (id: string, bundle: string, day: number, rows: Row[]) => pointOf(runOf(id, bundle, `2026-11-0${day}T00:00:00.000Z`, rows));
  const fail = (n: number): Row[] => Array.from({ length: n }, (_, i) => ['BT-03', `mqtts 127.0.0.1:${8000 + i}`, 'fail', 'high']);
  const history = [mk('run-a', 'audit-baseline', 1, fail(12)), mk('run-b', 'full', 2, fail(16)), mk('run-c', 'audit-baseline', 3, fail(10)), mk('run-d', 'full', 4, fail(14))];
  const html = renderReport(RUN, 'html', { path: null, delta: null, history }).body;
  const lines = [...html.matchAll(/<polyline fill="none" stroke="(#[0-9a-f]{6})" stroke-width="2" points="([^"]+)"/g)];
  t.equal(lines.length, 2, 'two series');
  t.not(lines[0]![1], lines[1]![1], 'in two colours');
  t.equal(lines[0]![2]!.split(' ').length, 2, 'audit-baseline: its two runs');
  t.match(html, /<rect x="\d+" y="\d+" width="12" height="4" fill="#[0-9a-f]{6}"\/><text[^>]*>audit-baseline<\/text>/, 'legend: audit-baseline');
  t.match(html, /<rect x="\d+" y="\d+" width="12" height="4" fill="#[0-9a-f]{6}"\/><text[^>]*>full<\/text>/, 'legend: full');
});

t.test('code and commands render as code in Markdown and HTML, and probed text in them stays text', async (t) => {
  const md = renderReport(RUN, 'md', { path: null, delta: null, history: [] }).body;
  t.notMatch(md, /\\`/, 'Markdown: no escaped backtick');
  const html = new MarkdownIt({ html: true }).render(md);
  t.match(html, /Remediation: Set <code>tls_version tlsv1\.2<\/code> in \/etc\/mosquitto\/conf\.d\/tls\.conf, then <code>systemctl reload mosquitto<\/code>\./, 'Markdown: remediation code spans are code');
  t.match(html, /<td><code>pathaudit run --bundle hardening-verification<\/code> → BT-\d\d pass<\/td>/, 'Markdown: the backlog verify command is code');
  const report = renderReport(RUN, 'html', { path: null, delta: null, history: [pointOf(RUN)] }).body;
  t.match(report, /<strong>Fix:<\/strong> Set <code>tls_version tlsv1\.2<\/code> in \/etc\/mosquitto\/conf\.d\/tls\.conf, then <code>systemctl reload mosquitto<\/code>\./, 'HTML: remediation code spans are <code>');
  t.notMatch(report.slice(report.indexOf('<body>')), /`/, 'HTML: no raw backtick in the page');

  const hostile = structuredClone(RUN);
  hostile.findings[0]!.remediation = 'chown mosquitto: `</code><img src=x onerror=alert(1)>` && chmod 600 `a|b` then `x';
  const hmd = renderReport(hostile, 'md', { path: null, delta: null, history: [] }).body;
  const rendered = new MarkdownIt({ html: true }).render(hmd);
  t.notMatch(rendered, /<img/, 'Markdown: a tag inside a code span stays text');
  t.match(rendered, /<code>&lt;\/code&gt;&lt;img src=x onerror=alert\(1\)&gt;<\/code>/);
  const hhtml = renderReport(hostile, 'html', { path: null, delta: null, history: [pointOf(RUN)] }).body;
  t.notMatch(hhtml, /<img/, 'HTML: likewise');
  t.match(hhtml, /<code>&lt;\/code&gt;&lt;img src=x onerror=alert\(1\)&gt;<\/code>/);
  t.match(hhtml, /then `x/, 'an odd backtick stays as text');
});

t.test('bundle verify never prints "undefined" for a field a damaged bundle lacks', async (t) => {
  const dir = tempDir(t);
  const lab = await storedLab(t, { profile: 'weak', dir: join(dir, 'lab') });
  const run = await lab.run();
  const data = await exportBundle(lab.store, run.run.id, keyFileOf(lab.loaded));
  const { files } = readTarGz(data);
  const damaged = files.map((f) => {
    if (f.path.startsWith('evidence/')) {
      const e = JSON.parse(f.data.toString('utf8'));
      delete e.sha256;
      return { ...f, data: Buffer.from(JSON.stringify(e)) };
    }
    if (f.path === 'manifest.json') {
      const m = JSON.parse(f.data.toString('utf8'));
      delete m.files[2].sha256;
      delete m.signing.fingerprint;
      return { ...f, data: Buffer.from(JSON.stringify(m)) };
    }
    return f;
  });
  const file = join(dir, 'damaged.tar.gz');
  writeFileSync(file, writeTarGz(damaged, new Date()));
  for (const format of ['text', 'json']) {
    const r = await cli(['bundle', 'verify', file, '--format', format]);
    t.equal(r.code, 3, `${format}: verification fails`);
    t.notMatch(r.stdout, /undefined/, `${format}: no "undefined" in what it prints`);
    t.match(r.stdout, /\(none: the field is missing\)/, `${format}: the missing field is named as missing`);
  }
});
