// Reports never carry markup from what was probed. A run whose certificate
// subjects, client ids, log lines, HTTP headers, payload excerpts, file paths
// and config names are hostile is rendered in every format, and each output is
// read back with a real parser of its language: markdown-it (html: true) and
// parse5 for Markdown and HTML, fast-xml-parser for JUnit, csv-parse for CSV,
// JSON.parse for JSON and OCSF. No tag, attribute, element, formula or
// terminal command may come from the hostile text — and the text itself must
// still be there, shown as text.
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import MarkdownIt from 'markdown-it';
import { parse as parseHtml } from 'parse5';
import t from 'tap';
import { computeDelta } from '../../../agent/evidence/delta.js';
import { fingerprintOf } from '../../../agent/evidence/findings.js';
import { summarize } from '../../../agent/evidence/summary.js';
import { CSV_COLUMNS } from '../../../agent/reports/csv.js';
import { pointOf } from '../../../agent/reports/context.js';
import { REPORT_FORMATS, renderReport, type ReportFormat } from '../../../agent/reports/index.js';
import type { EvidenceRecord, FindingRecord, ResultRecord, RunDocument } from '../../../agent/runner/document.js';

/** Hostile strings as a peer could send them (a DN keeps its own backslash escapes, as RFC 4514 formatting gives them). */
const HOSTILE = {
  subject: 'CN=\\<img src=x onerror=alert(1)\\>,O=ev\\,il',
  rawTag: 'CN=<img src=x onerror=alert(1)>',
  formula: "=cmd|' /C calc'!A0",
  plus: '+SUM(1+1)*cmd|x',
  minus: '-2+3+cmd|x',
  at: '@SUM(A1)',
  pipes: 'a | b \\| c \\\\ d',
  lines: 'first line\nPASS BT-02 forged line\r\n<script>alert(2)</script>',
  terminal: '\u001b[2J\u001b]0;owned\u0007 after ESC',
  ticks: '`code` ``more`` ```fence```',
  links: '[link](javascript:alert(3)) <https://evil.example> ![img](x.png) <a href="javascript:alert(4)">a</a>',
  blocks: '# heading',
  entity: '&lt;b&gt; &amp;amp; &#x3C;img&#x3E;',
  xml: ']]> <![CDATA[x]]> <?xml version="1.0"?> <!-- c --> <x:y z="1"/>',
  bidi: 'evil \u202Etxt.exe',
  quotes: `x"y'z`,
};
const ALL = Object.values(HOSTILE);
const joined = ALL.join(' ◆ ');

function hostileRun(id: string, status: 'fail' | 'pass'): RunDocument {
  const results: ResultRecord[] = [];
  const evidence: EvidenceRecord[] = [];
  const findings: FindingRecord[] = [];
  Object.entries(HOSTILE).forEach(([name, text], i) => {
    const resource = i % 2 ? `device ${text}` : `ingest https://127.0.0.1:8443/${name}?${text}`;
    const check = i % 2 ? 'device-certs' : 'ingest-auth';
    const control = i % 2 ? 'DC-07' : 'IA-07';
    const evId = `${check}:observation ${resource}`;
    evidence.push({
      id: evId,
      check,
      kind: 'hostile-observation',
      resource,
      sha256: 'f'.repeat(64),
      data: { subject: HOSTILE.subject, clientId: text, headers: { server: text, 'x-powered-by': HOSTILE.rawTag }, bodyExcerpt: joined, logLine: `New client connected from 10.0.0.9 as ${text} (p2, c1, k60, u'${HOSTILE.formula}')` },
    });
    const detail = `served certificate "${HOSTILE.subject}"; client id ${text}; header Server: ${HOSTILE.rawTag}`;
    results.push({ control, check, resource, status, severity: 'high', detail, evidence: [evId] });
    if (status === 'fail')
      findings.push({
        fingerprint: fingerprintOf(control, resource),
        control,
        check,
        resource,
        status: 'fail',
        severity: 'high',
        title: `${control} title`,
        detail,
        remediation: `chown mosquitto: '${text}' && chmod 600 '${text}'`,
        verification: 'rerun',
        standards: [`ETSI EN 303 645 ${text}`],
        evidence: [evId],
        waived: i === 3,
        waiver: i === 3 ? { reason: HOSTILE.links, expires: '2099-01-01', lapsed: false } : null,
      });
  });
  return {
    run: {
      id,
      bundle: 'full',
      trigger: 'cli',
      startedAt: '2026-11-01T00:00:00.000Z',
      finishedAt: '2026-11-01T00:00:01.000Z',
      status: 'completed',
      agentVersion: '0.1.0',
      configHash: 'c'.repeat(64),
      gatewayId: HOSTILE.rawTag,
      path: { name: HOSTILE.lines, pressure: HOSTILE.formula, deadline: '2026-12-15' },
      checks: [
        { check: 'ingest-auth', outcome: 'completed', durationMs: 1, reason: HOSTILE.terminal },
        { check: 'device-certs', outcome: 'completed', durationMs: 1 },
      ],
      previousHash: null,
      hash: 'h'.repeat(64),
    },
    summary: summarize(findings, results),
    results,
    findings,
    evidence,
  };
}

const before = hostileRun('run-20261101T000000Z-aaaaaa', 'pass');
const doc = hostileRun('run-20261102T000000Z-bbbbbb', 'fail');
const delta = computeDelta(before, doc);
const render = (format: ReportFormat) => renderReport(doc, format, { delta, history: [pointOf(before), pointOf(doc)], path: null }).body;

const textOf = (node: { nodeName: string; value?: string; childNodes?: unknown[] }): string =>
  node.nodeName === '#text' ? (node.value ?? '') : ((node.childNodes ?? []) as Array<typeof node>).map(textOf).join('');

/** Every element of a parse5 tree: [tag, attribute names]. */
function elements(node: { nodeName: string; tagName?: string; attrs?: Array<{ name: string; value: string }>; childNodes?: unknown[]; content?: unknown }): Array<{ tag: string; attrs: Array<{ name: string; value: string }> }> {
  const out = node.tagName ? [{ tag: node.tagName, attrs: node.attrs ?? [] }] : [];
  for (const c of (node.childNodes ?? []) as Array<typeof node>) out.push(...elements(c));
  if (node.content) out.push(...elements(node.content as typeof node));
  return out;
}

t.test('every report format is covered here', async (t) => {
  t.same([...REPORT_FORMATS].sort(), ['csv', 'html', 'json', 'junit', 'md', 'ocsf', 'text']);
});

t.test('Markdown: markdown-it with html on renders no tag or attribute from the probed text, and shows that text', async (t) => {
  const md = render('md');
  const html = new MarkdownIt({ html: true }).render(md);
  const tree = parseHtml(html);
  const allowed = new Set(['html', 'head', 'body', 'h1', 'h2', 'h3', 'p', 'ul', 'ol', 'li', 'strong', 'em', 'code', 'table', 'thead', 'tbody', 'tr', 'th', 'td']);
  const found = elements(tree);
  t.same(found.filter((e) => !allowed.has(e.tag)).map((e) => e.tag), [], 'only the elements the report itself makes');
  t.same(found.flatMap((e) => e.attrs.map((a) => `${e.tag}[${a.name}]`)).filter((a) => a !== 'ol[start]'), [], 'no attribute at all (no onerror, href, src)');
  const text = textOf(tree);
  for (const s of [HOSTILE.subject, HOSTILE.rawTag, HOSTILE.formula, HOSTILE.pipes, HOSTILE.links, HOSTILE.entity, HOSTILE.xml, HOSTILE.ticks, HOSTILE.quotes])
    t.ok(text.includes(s), `shown as text: ${JSON.stringify(s)}`);
  t.ok(text.includes('first line PASS BT-02 forged line <script>alert(2)</script>'), 'line breaks flattened, the tag still text');
  t.notOk(/<(img|script|a)\b/i.test(html.replace(/&lt;/g, '')), 'no live tag in the HTML markdown-it made');
});

t.test('HTML: parse5 finds only the report\'s own elements and attributes, the probed text as text', async (t) => {
  const html = render('html');
  const tree = parseHtml(html);
  const allowed = new Set(['html', 'head', 'body', 'meta', 'title', 'style', 'main', 'h1', 'h2', 'h3', 'div', 'span', 'p', 'strong', 'br', 'ul', 'li', 'code', 'details', 'summary', 'pre', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'svg', 'rect', 'line', 'text', 'polyline', 'circle']);
  const found = elements(tree);
  t.same(found.filter((e) => !allowed.has(e.tag)).map((e) => e.tag), [], 'no img, script or a');
  const attrs = new Set(found.flatMap((e) => e.attrs.map((a) => a.name)));
  t.same([...attrs].filter((a) => a.startsWith('on') || a === 'src' || a === 'href'), [], 'no event handler, src or href attribute');
  const text = textOf(tree);
  // eslint-disable-next-line no-control-regex -- control characters are what this filter is about
  for (const s of ALL.filter((x) => !/[\u0000-\u001f]/.test(x))) t.ok(text.includes(s), `shown as text: ${JSON.stringify(s)}`);
  t.ok(text.includes(HOSTILE.lines.replace(/\r\n/g, '\n')), 'line breaks kept as text (HTML reads CRLF as LF)');
});

t.test('JUnit: fast-xml-parser validates it and finds only testsuites/testsuite/testcase and their verdicts; messages round-trip', async (t) => {
  const xml = render('junit');
  t.equal(XMLValidator.validate(xml), true, 'well-formed XML');
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', htmlEntities: true, isArray: (name) => ['testsuite', 'testcase'].includes(name) }).parse(xml);
  const names = new Set<string>();
  const walk = (o: unknown) => {
    if (!o || typeof o !== 'object') return;
    for (const [k, v] of Object.entries(o)) {
      if (!k.startsWith('@_') && k !== '#text') names.add(k);
      for (const x of Array.isArray(v) ? v : [v]) walk(x);
    }
  };
  walk(parsed);
  t.same([...names].sort(), ['?xml', 'failure', 'skipped', 'testcase', 'testsuite', 'testsuites'], 'no element from the probed text');
  const cases = parsed.testsuites.testsuite.flatMap((s: { testcase: unknown[] }) => s.testcase);
  t.equal(cases.length, doc.results.length, 'one testcase per result');
  const failure = cases.map((c: { failure?: { '@_message': string } }) => c.failure?.['@_message']).find(Boolean);
  t.equal(failure, doc.results.find((r) => r.detail === failure)?.detail, 'the failure message is the detail, exactly');
  t.ok(cases.some((c: { '@_name': string }) => c['@_name'].includes(HOSTILE.xml)), 'the resource name survives with its ]]> and <?xml');
});

t.test('CSV: csv-parse reads the backlog back; no cell starts a formula; every cell is the text it stood for', async (t) => {
  const csv = render('csv');
  const rows: string[][] = parseCsv(csv, { relaxQuotes: false });
  t.same(rows[0], [...CSV_COLUMNS]);
  const body = rows.slice(1);
  t.equal(body.length, doc.findings.filter((f) => !f.waived).length, 'one row per open finding');
  for (const row of body) for (const cell of row) t.notMatch(cell, /^[=+\-@\t\r\n]/, `no formula start: ${JSON.stringify(cell.slice(0, 30))}`);
  const resources = body.map((r) => r[CSV_COLUMNS.indexOf('resource')]!.replace(/^'/, ''));
  for (const f of doc.findings.filter((x) => !x.waived)) t.ok(resources.includes(f.resource), `resource round-trips: ${JSON.stringify(f.resource.slice(0, 40))}`);
  const standards = body.map((r) => r[CSV_COLUMNS.indexOf('standards')]!);
  t.ok(standards.every((s) => s.startsWith('ETSI')), 'standards cells intact');
});

t.test('JSON and OCSF: parse back with the probed text intact', async (t) => {
  const json = JSON.parse(render('json'));
  t.same(json, JSON.parse(JSON.stringify(doc)));
  const ocsf = JSON.parse(render('ocsf'));
  const events = Array.isArray(ocsf) ? ocsf : (ocsf.events ?? ocsf);
  t.ok(JSON.stringify(events).includes(JSON.stringify(HOSTILE.subject).slice(1, -1)), 'the subject is in the events, as JSON text');
});

t.test('Text: no terminal control, no forged line, every hostile string still readable', async (t) => {
  const text = render('text');
  // eslint-disable-next-line no-control-regex -- the assertion is that no control character reaches the terminal
  t.notOk(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(text), 'no control character (ESC) reaches the terminal');
  t.notOk(/[\u202a-\u202e\u2066-\u2069]/.test(text), 'no bidirectional override');
  t.notOk(text.split('\n').some((l) => /^\s*PASS BT-02 forged/.test(l)), 'a line break in probed text does not start a line');
  t.ok(text.includes(HOSTILE.subject) && text.includes(HOSTILE.formula), 'the text is still there');
});
