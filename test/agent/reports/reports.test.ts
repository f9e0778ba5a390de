// Reports from real lab runs: JUnit through a well-known XML parser, OCSF
// against the Compliance Finding class's required fields, CSV, Markdown, and
// no secret from the config in any of them.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import t from 'tap';
import { buildBacklog } from '../../../agent/evidence/backlog.js';
import { setBaseline } from '../../../agent/evidence/baseline.js';
import { REPORT_FORMATS, renderReport } from '../../../agent/reports/index.js';
import { CSV_COLUMNS } from '../../../agent/reports/csv.js';
import type { OcsfComplianceFinding } from '../../../agent/reports/ocsf.js';
import { tempDir } from '../../helpers/lab.js';
import { storedLab } from '../evidence/helpers.js';

const API_TOKEN = 'api-token-KNOWN-7d1e-reports-do-not-leak';

t.test('reports of a weak and a hardened run', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'lab', 'secrets'), { recursive: true });
  writeFileSync(join(dir, 'lab', 'secrets', 'api-token'), `${API_TOKEN}\n`, { mode: 0o600 });
  const lab = await storedLab(t, { profile: 'weak', dir: join(dir, 'lab'), config: { api: { token_file: join(dir, 'lab', 'secrets', 'api-token') } } });
  const weak = await lab.run();
  setBaseline(lab.store, weak.run.id);
  await lab.gw.reconfigure('hardened');
  const hard = await lab.run();
  const ctx = { store: lab.store };

  await t.test('JUnit: valid XML, one testcase per control result, failure counts match the open findings', async (t) => {
    for (const doc of [weak, hard]) {
      const xml = renderReport(doc, 'junit', ctx).body;
      t.equal(XMLValidator.validate(xml), true, 'well-formed XML');
      const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ['testsuite', 'testcase'].includes(name) }).parse(xml);
      const suites = parsed.testsuites.testsuite as Array<Record<string, unknown> & { '@name': string; testcase: Array<Record<string, unknown>> }>;
      t.equal(suites.length, new Set(doc.results.map((r) => r.check)).size, 'one testsuite per check');
      const cases = suites.flatMap((s) => s.testcase);
      t.equal(cases.length, doc.results.length, 'one testcase per control result');
      const failing = cases.filter((c) => c.failure !== undefined).length;
      t.equal(failing, doc.findings.filter((f) => !f.waived).length, 'a <failure> per open finding');
      t.equal(Number(parsed.testsuites['@failures']), failing, 'testsuites failures attribute matches');
      t.equal(Number(parsed.testsuites['@tests']), cases.length);
      for (const s of suites) {
        t.equal(Number(s['@tests']), s.testcase.length, `${s['@name']}: tests attribute`);
        t.equal(Number(s['@failures']), s.testcase.filter((c) => c.failure !== undefined).length, `${s['@name']}: failures attribute`);
        t.equal(Number(s['@errors']), s.testcase.filter((c) => c.error !== undefined).length, `${s['@name']}: errors attribute`);
        t.equal(Number(s['@skipped']), s.testcase.filter((c) => c.skipped !== undefined).length, `${s['@name']}: skipped attribute`);
      }
      t.ok(cases.every((c) => typeof c['@name'] === 'string' && typeof c['@classname'] === 'string'));
    }
  });

  await t.test('OCSF: every event is a Compliance Finding with the class and base-event required fields', async (t) => {
    const events = JSON.parse(renderReport(weak, 'ocsf', ctx).body) as Array<OcsfComplianceFinding & Record<string, unknown>>;
    t.equal(events.length, weak.results.length);
    for (const e of events) {
      for (const f of ['activity_id', 'category_uid', 'class_uid', 'type_uid', 'severity_id', 'time', 'metadata', 'finding_info', 'compliance']) t.ok(e[f] !== undefined, `required ${f}`);
      t.equal(e.class_uid, 2003);
      t.equal(e.category_uid, 2);
      t.equal(e.type_uid, e.class_uid * 100 + e.activity_id);
      t.ok([0, 1, 2, 3, 4, 5, 6, 99].includes(e.severity_id));
      t.ok(Number.isInteger(e.time) && e.time > 1.7e12, 'time in epoch ms');
      t.ok(typeof e.metadata.version === 'string' && typeof e.metadata.product?.name === 'string' && typeof e.metadata.product?.vendor_name === 'string');
      t.ok(typeof e.finding_info.uid === 'string' && e.finding_info.uid.length > 0);
      t.ok(Array.isArray(e.compliance.standards) && e.compliance.standards.length > 0, 'compliance.standards required and non-empty');
    }
    const bt02 = events.find((e) => e.compliance.control === 'BT-02' && e.compliance.status_id === 3)!;
    t.equal(bt02.severity_id, 5, 'critical finding → severity_id 5');
    t.equal(bt02.finding_info.uid, weak.findings.find((f) => f.control === 'BT-02' && f.resource === bt02.resources[0]!.uid)!.fingerprint, 'finding uid is the stable fingerprint');
  });

  await t.test('CSV: the ranked backlog, RFC 4180', async (t) => {
    const csv = renderReport(weak, 'csv', ctx).body;
    const lines = csv.split('\r\n').filter(Boolean);
    t.equal(lines[0], CSV_COLUMNS.join(','));
    const backlog = buildBacklog(weak);
    t.equal(lines.length, backlog.length + 1);
    t.match(lines[1], new RegExp(`^1,${backlog[0]!.score},${backlog[0]!.severity},${backlog[0]!.control},`));
    t.equal(renderReport(hard, 'csv', ctx).body, `${CSV_COLUMNS.join(',')}\r\n`, 'hardened: header only');
  });

  await t.test('Markdown and text: leadership summary, delta to the baseline, backlog, findings with evidence', async (t) => {
    const md = renderReport(hard, 'md', ctx).body;
    for (const section of ['## Leadership summary', `## Delta: ${weak.run.id} → ${hard.run.id}`, '## Backlog', '## Findings', '## Control results', '## Integrity']) t.ok(md.includes(section), section);
    t.match(md, /\*\*\d+ controls improved · 0 regressions/);
    const weakMd = renderReport(weak, 'md', ctx).body;
    t.match(weakMd, /Recommended next move: \*\*Focused sprint\*\*/);
    t.match(weakMd, /- `broker-transport:anonymous mqtt 127\.0\.0\.1:\d+` \(mqtt-connack, sha256/);
    const text = renderReport(hard, 'text', ctx).body;
    t.match(text, /delta run-.* → run-.*: \d+ controls improved · 0 regressions/);
  });

  await t.test('no secret value from the config appears in any report format', async (t) => {
    const password = readFileSync(lab.loaded.config.broker!.auth!.password_file!, 'utf8').trim();
    for (const doc of [weak, hard])
      for (const format of REPORT_FORMATS) {
        const body = renderReport(doc, format, ctx).body;
        t.notOk(body.includes(password) || body.includes(API_TOKEN), `${format} of ${doc === weak ? 'weak' : 'hardened'} run holds no secret`);
      }
  });
});
