// `pathaudit demo` end to end, as a newcomer runs it: exits 0 well within
// 60 s, tells the three stages with their figures, writes the report, backlog
// and verified bundles, works a second time in the same folder, and the HTML
// report opens in headless Chromium.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { getBaseline } from '../../agent/evidence/baseline.js';
import { computeDelta } from '../../agent/evidence/delta.js';
import { openStore } from '../../agent/store/index.js';
import { builtCli } from '../helpers/build.js';
import { tempDir } from '../helpers/lab.js';
import { CHROMIUM, openInChromium, pageRequests } from '../helpers/chromium.js';

const CLI = builtCli();

function demo(cwd: string) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [CLI, 'demo'], { cwd, encoding: 'utf8', timeout: 90_000 });
  return { ...r, ms: Date.now() - started };
}

t.test('the demo tells Audit, Sprint and Retainer with their figures and leaves verified evidence', async (t) => {
  const cwd = tempDir(t);
  const r = demo(cwd);
  t.equal(r.status, 0, `exit 0 (stderr: ${r.stderr.slice(-300)})`);
  t.ok(r.ms < 60_000, `finished in ${r.ms} ms (budget 60 s)`);
  const out = r.stdout;
  t.match(out, /== 1\. Audit — audit-baseline on the weak gateway/);
  t.match(out, /Exposed posture · \d+ findings/);
  t.match(out, /next move: SPRINT — focused sprint/);
  t.match(out, /backlog \(top 5 of \d+\):\n\s+1\. \[/);
  t.match(out, /✓ broker-transport completed in \d+ ms/, 'progress is shown while checks run');
  t.match(out, /== 2\. Sprint/);
  t.match(out, /Hardened path · 0 findings/);
  t.match(out, /delta to the baseline: \d+ controls improved · 0 regressions/);
  t.match(out, /== 3\. Retainer/);
  t.match(out, /DC-02 Device certificate expires within 30 days — device stm32-01/);
  t.match(out, /DC-03 .* stm32-02, stm32-03/);
  t.match(out, /TI-01 Duplicate telemetry messages — device stm32-02/);
  t.match(out, /snapshot \d{4}-\d{2}:/);
  for (const f of ['report.html', 'report-sprint.html', 'backlog.csv']) t.ok(existsSync(join(cwd, 'out', f)), `out/${f} written`);
  const bundles = readdirSync(join(cwd, 'out', 'bundles'));
  t.equal(bundles.length, 4, 'one bundle per run');
  t.equal((out.match(/signed and verified, key sha256:[0-9a-f]{64}/g) ?? []).length, 4, 'each bundle verified before the demo says so');
  t.match(readFileSync(join(cwd, 'out', 'backlog.csv'), 'utf8'), /^rank,/);

  // The sprint's headline is true: every finding it calls resolved has a pass, or a resource its check no longer finds, behind it.
  const store = openStore(join(cwd, 'out', 'lab', 'pathaudit.db'));
  try {
    const baseline = store.runs.get(getBaseline(store)!)!;
    const sprint = store.runs.list({ limit: 10, offset: 0 }).items.find((i) => i.bundle.startsWith('checks:'));
    t.ok(sprint, 'the sprint rerun is a run of the checks with open findings');
    const rerun = store.runs.get(sprint!.id)!;
    const delta = computeDelta(baseline, rerun);
    t.match(out, new RegExp(`delta to the baseline: ${delta.headline.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`), 'the demo prints this delta');
    t.equal(delta.findingCounts['not-retested'], 0, 'the rerun re-tested every finding of the baseline');
    const resolved = delta.findings.filter((f) => f.change === 'resolved');
    t.equal(resolved.length, baseline.findings.length, `all ${baseline.findings.length} baseline findings resolved`);
    for (const f of resolved) {
      const after = rerun.results.filter((r) => r.control === f.control && r.resource === f.resource);
      const completed = rerun.run.checks.some((c) => c.check === f.check && c.outcome === 'completed');
      // Backed by a pass, or by the resource gone after its check completed:
      // no longer reported, or observed absent (a closed listener's skipped result, with its evidence).
      const pass = after.length === 1 && after[0]!.status === 'pass';
      const gone = completed && (after.length === 0 || (after.length === 1 && after[0]!.gone === true && after[0]!.evidence.length > 0));
      const how = pass ? 'pass in the rerun' : after.length ? `${after[0]!.status}${after[0]!.gone ? ', observed gone,' : ''} in the rerun` : completed ? `${f.check} completed and no longer reports it` : 'NOT observed';
      t.ok(pass || gone, `${f.control} ${f.resource}: ${how}`);
    }
  } finally {
    store.close();
  }

  const again = demo(cwd);
  t.equal(again.status, 0, 'a second run in the same folder works (no port or file clashes)');
  t.match(again.stdout, /Hardened path · 0 findings/);

  const html = join(cwd, 'out', 'report.html');
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI) t.fail(`${CHROMIUM} is missing: .ci/run must install Debian's chromium`);
    else t.skip(`${CHROMIUM} not installed; the demo's report was not rendered`, () => undefined);
    return;
  }
  const shot = openInChromium(html, cwd, 'demo-report');
  t.equal(shot.status, 0, 'chromium rendered out/report.html');
  t.ok(existsSync(shot.shot) && statSync(shot.shot).size > 30_000, 'a non-blank screenshot');
  t.same(shot.consoleLines, [], 'no console errors');
  t.same(pageRequests(shot.netLog), [], 'no network requests');
});
