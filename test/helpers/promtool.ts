// Debian's promtool (package prometheus) for the fleet monitoring tests, and
// the names of the series GET /metrics really exports.
import { spawnSync } from 'node:child_process';
import type { Test } from 'tap';
import { AUTH, testApi } from '../agent/api/helpers.js';

const version = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
export const PROMTOOL_VERSION = version.status === 0 ? (version.stdout || version.stderr).split('\n')[0]! : null;

/** tap's `skip` option: run where promtool is; outside CI skip with the reason; under CI run (and fail). */
export const skipWithoutPromtool: string | false = PROMTOOL_VERSION || process.env.CI ? false : 'promtool not installed (apt-get install -y prometheus)';

export function promtool(t: Test, args: string[], cwd: string): { status: number | null; output: string } {
  if (!PROMTOOL_VERSION) {
    t.fail("promtool is missing: .ci/run must install Debian's prometheus package");
    return { status: null, output: '' };
  }
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

/** The metric names a real app declares on GET /metrics (its `# TYPE` lines). */
export async function exportedMetricNames(t: Test): Promise<Set<string>> {
  const { api } = await testApi(t);
  const res = await api.app.inject({ method: 'GET', url: '/metrics', headers: AUTH });
  return new Set([...res.body.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
}

/** The pathaudit_… series names a PromQL expression mentions (recorded `pathaudit:…` names excluded). */
export function pathauditMetricsIn(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\bpathaudit_[a-z0-9_]+/g)].map((m) => m[0]))];
}
