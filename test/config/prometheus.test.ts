// config/prometheus/pathaudit.rules.yml: promtool checks it and runs its unit
// tests (pathaudit.rules.test.yml); every series the rules and their tests
// name is one GET /metrics exports. Skips outside CI where promtool is not
// installed; under CI (CI=true) promtool is required.
import { existsSync, readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { parse } from 'yaml';
import { exportedMetricNames, pathauditMetricsIn, promtool, PROMTOOL_VERSION, skipWithoutPromtool } from '../helpers/promtool.js';

const DIR = new URL('../../config/prometheus/', import.meta.url).pathname;
const RULES = `${DIR}pathaudit.rules.yml`;
const RULE_TESTS = `${DIR}pathaudit.rules.test.yml`;

/** The rules file's text, or a failure that says which file is missing or unreadable. */
function read(t: Test, file: string): string | null {
  if (!existsSync(file)) {
    t.fail(`${file} is missing: the fleet's Prometheus rules (docs/fleet.md) must be in the repository`);
    return null;
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    t.fail(`${file} cannot be read: ${(err as Error).message}`);
    return null;
  }
}

t.test('promtool check rules and promtool test rules pass', { skip: skipWithoutPromtool }, async (t) => {
  if (!read(t, RULES) || !read(t, RULE_TESTS)) return;
  t.comment(PROMTOOL_VERSION ?? '');
  const check = promtool(t, ['check', 'rules', RULES], DIR);
  t.comment(check.output);
  t.equal(check.status, 0, `promtool check rules: ${check.output}`);
  t.match(check.output, /SUCCESS: \d+ rules found/);
  const test = promtool(t, ['test', 'rules', RULE_TESTS], DIR);
  t.comment(test.output);
  t.equal(test.status, 0, `promtool test rules: ${test.output}`);
  t.match(test.output, /SUCCESS/);
});

t.test('the rules cover what a fleet alerts on, over series /metrics exports', async (t) => {
  const text = read(t, RULES);
  if (!text) return;
  const groups = (parse(text) as { groups: Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }> }).groups;
  const rules = groups.flatMap((g) => g.rules);
  const alerts = new Map(rules.filter((r) => r.alert).map((r) => [r.alert!, r.expr]));
  // posture exposed, regression, critical finding, certificate expiring, stuck scheduler, store degraded, runs failing
  const wanted: Array<[string, RegExp]> = [
    ['PathauditPostureExposed', /pathaudit_posture\{posture="exposed"\}/],
    ['PathauditRegressionSinceBaseline', /baseline_regressions/],
    ['PathauditCriticalFindingOpen', /pathaudit_findings\{severity="critical"\}/],
    ['PathauditCertificateExpiring', /certificate_days_to_expiry/],
    ['PathauditScheduledBundleStale', /pathaudit_schedule_interval_seconds/],
    ['PathauditStoreDegraded', /pathaudit_store_healthy/],
    ['PathauditRunsFailing', /status="failed"/],
  ];
  for (const [name, expr] of wanted) t.match(alerts.get(name), expr, `${name} is there and watches ${expr}`);
  const exported = await exportedMetricNames(t);
  t.ok(exported.size >= 20, `/metrics declares ${exported.size} series`);
  for (const r of rules) for (const m of pathauditMetricsIn(r.expr)) t.ok(exported.has(m), `${r.alert ?? r.record}: ${m} is exported`);
  const tests = read(t, RULE_TESTS);
  if (!tests) return;
  const series = (parse(tests) as { tests: Array<{ input_series: Array<{ series: string }> }> }).tests.flatMap((x) => x.input_series.map((s) => /^[^{]+/.exec(s.series)![0]));
  for (const name of new Set(series)) if (name !== 'up') t.ok(exported.has(name), `rule tests feed ${name}, which /metrics exports`);
});
