// config/grafana/pathaudit.dashboard.json: parses, has the fleet's panels
// (posture per gateway, findings by severity, regressions, run duration,
// store health, and more), and every PromQL query names only series that GET
// /metrics really exports; where promtool is installed, every query also
// parses (as a recording rule, `promtool check rules`).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { stringify } from 'yaml';
import { tempDir } from '../helpers/lab.js';
import { exportedMetricNames, pathauditMetricsIn, promtool, skipWithoutPromtool } from '../helpers/promtool.js';

const DASHBOARD = new URL('../../config/grafana/pathaudit.dashboard.json', import.meta.url).pathname;

interface Panel {
  title?: string;
  type?: string;
  panels?: Panel[];
  targets?: Array<{ expr?: string }>;
}

function load(t: Test): { panels: Panel[] } | null {
  if (!existsSync(DASHBOARD)) {
    t.fail(`${DASHBOARD} is missing: the fleet's Grafana dashboard (docs/fleet.md) must be in the repository`);
    return null;
  }
  try {
    return JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
  } catch (err) {
    t.fail(`${DASHBOARD} is not a readable JSON dashboard: ${(err as Error).message}`);
    return null;
  }
}

const flatten = (ps: Panel[]): Panel[] => ps.flatMap((p) => [p, ...flatten(p.panels ?? [])]).filter((p) => p.type !== 'row');
/** Grafana's variables as PromQL would see them once Grafana substituted them. */
const substituted = (expr: string) => expr.replaceAll('$site', '.*').replaceAll('$gateway', '.*');

t.test('the dashboard has the fleet panels and queries only series /metrics exports', async (t) => {
  const dashboard = load(t);
  if (!dashboard) return;
  const panels = flatten(dashboard.panels ?? []);
  t.ok(panels.length >= 3, `${panels.length} panels (at least 3)`);
  const exprs = panels.flatMap((p) => (p.targets ?? []).map((x) => ({ panel: p.title ?? '?', expr: x.expr ?? '' })));
  for (const p of panels) t.ok((p.targets ?? []).length > 0, `panel "${p.title}" has a query`);
  const exported = await exportedMetricNames(t);
  for (const { panel, expr } of exprs) {
    const names = pathauditMetricsIn(expr);
    t.ok(names.length > 0, `"${panel}": a pathaudit series`);
    for (const n of names) t.ok(exported.has(n), `"${panel}": ${n} is exported by /metrics`);
  }
  const all = exprs.map((e) => e.expr).join('\n');
  for (const [what, series] of [
    ['posture per gateway', 'pathaudit_posture'],
    ['findings by severity over time', 'pathaudit_findings'],
    ['regressions', 'pathaudit_baseline_regressions'],
    ['run duration', 'pathaudit_bundle_last_run_duration_seconds'],
    ['store health', 'pathaudit_store_healthy'],
    ['certificate expiry', 'pathaudit_certificate_not_after_timestamp_seconds'],
  ])
    t.match(all, series, `${what}: ${series}`);
});

t.test('every dashboard query parses (promtool check rules)', { skip: skipWithoutPromtool }, async (t) => {
  const dashboard = load(t);
  if (!dashboard) return;
  const exprs = flatten(dashboard.panels ?? []).flatMap((p) => (p.targets ?? []).map((x) => substituted(x.expr ?? '')));
  const dir = tempDir(t);
  const file = join(dir, 'dashboard-queries.yml');
  writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr })) }] }));
  const r = promtool(t, ['check', 'rules', file], dir);
  t.equal(r.status, 0, r.output);
  t.match(r.output, new RegExp(`SUCCESS: ${exprs.length} rules found`));
});
