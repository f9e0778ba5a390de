// `pathaudit demo` end to end, as a newcomer runs it: exits 0 well within
// 60 s, tells the three stages with their figures, writes the report, backlog
// and verified bundles, works a second time in the same folder, and the HTML
// report opens in headless Chromium. The retainer's device-trust findings come
// with their evidence, from a lab broker log in Mosquitto's own format.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { getBaseline } from '../../agent/evidence/baseline.js';
import { LAB_DFU_BOARD, LAB_ST_LINK } from '../../agent/lab/usb.js';
import { computeDelta } from '../../agent/evidence/delta.js';
import { openStore } from '../../agent/store/index.js';
import { builtCli } from '../helpers/build.js';
import { tempDir } from '../helpers/lab.js';
import { CHROMIUM, openInChromium, pageRequests } from '../helpers/chromium.js';
import { mosquittoShapes, EPOCH_LINE, LAB_ONLY, shapeOf } from './lab/log-shapes.js';

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
  t.match(out, /== 3\. Retainer — certificate-hygiene, telemetry-trust and device-trust/);
  t.match(out, /DC-02 Device certificate expires within 30 days — device stm32-01/);
  t.match(out, /DC-03 .* stm32-02, stm32-03/);
  t.match(out, /TI-01 Duplicate telemetry messages — device stm32-02/);
  // device-trust: each finding, then the evidence it was observed in.
  const retainerAt = out.indexOf('== 3. Retainer');
  const retainer = out.slice(retainerAt, out.indexOf('\n   snapshot ', retainerAt));
  const dfu = `usb 0483:df11 ${LAB_DFU_BOARD.serial}`;
  const stLink = `usb 0483:374b ${LAB_ST_LINK.serial}`;
  t.match(retainer, new RegExp(`- \\[critical\\] DL-02 .* — ${dfu}: STM32 in its ROM bootloader, USB DFU mode: 0483:df11 "DFU in FS Mode".*\\n\\s+evidence: /sys/bus/usb/devices/1-1\\.4: idVendor 0483 idProduct df11 product "DFU in FS Mode" serial ${LAB_DFU_BOARD.serial}, interface classes fe\\n`), 'DL-02 with its sysfs entry');
  t.match(retainer, new RegExp(`- \\[high\\] DL-03 .* — ${stLink}: ST-LINK debug probe attached: 0483:374b "STM32 STLink".*\\n\\s+evidence: /sys/bus/usb/devices/1-2: idVendor 0483 idProduct 374b product "STM32 STLink" serial ${LAB_ST_LINK.serial}, interface classes ff 08 02 0a\\n`), 'DL-03 with its sysfs entry');
  t.match(retainer, /- \[medium\] BS-01 .* — client stm32-02: client id stm32-02 was taken over 1 time .*\n\s+evidence: (\d{10}): Client stm32-02 already connected, closing old connection\.\n\s+evidence: \d{10}: New client connected from 127\.0\.0\.1:\d+ as stm32-02 \(p2, c1, k60, u'stm32-02'\)\.\n/, 'BS-01 naming the id and the count, with the log lines');
  t.notMatch(retainer, /\[\w+\] (DL-01|DL-04|DL-05|BS-0[2-5]) /, 'nothing else is found on the devices: attached, serial nodes in their group, no unknown client');
  t.match(out, /snapshot \d{4}-\d{2}:/);
  for (const [control, resource] of [['DL-02', dfu], ['DL-03', stLink], ['BS-01', 'client stm32-02']])
    t.match(out, new RegExp(`NEW FINDING\\s+\\w+\\s+${control} .*\\(${resource}\\)\n`), `the snapshot shows ${control} on ${resource} as new since the baseline`);
  for (const f of ['report.html', 'report-sprint.html', 'backlog.csv']) t.ok(existsSync(join(cwd, 'out', f)), `out/${f} written`);
  const bundles = readdirSync(join(cwd, 'out', 'bundles'));
  t.equal(bundles.length, 5, 'one bundle per run');
  t.equal((out.match(/signed and verified, key sha256:[0-9a-f]{64}/g) ?? []).length, 5, 'each bundle verified before the demo says so');
  t.match(out, /\(device-trust\) signed and verified/, 'the device-trust run among them');

  // The lab broker's log is Mosquitto's format line for line (the shapes of Debian's Mosquitto 2.0.11 captures).
  const logLines = readFileSync(join(cwd, 'out', 'lab', 'log', 'mosquitto.log'), 'utf8').trimEnd().split('\n');
  const real = mosquittoShapes();
  const shapes = new Set<string>();
  for (const line of logLines) {
    const m = EPOCH_LINE.exec(line);
    if (!m?.[2]) {
      t.fail(`not an epoch-stamped line: ${line}`);
      continue;
    }
    if (!LAB_ONLY.test(m[2])) shapes.add(shapeOf(m[2]));
  }
  for (const s of shapes) t.ok(real.has(s), `Mosquitto writes this shape: ${s}`);
  for (const kind of ['New connection from HOST:PORT on port PORT.', "New client connected from HOST:PORT as ID (p2, cC, kK, u'USER').", 'Client ID already connected, closing old connection.', 'Client <unknown> disconnected, not authorised.'])
    t.ok(shapes.has(kind), `the demo's log has: ${kind}`);
  t.match(readFileSync(join(cwd, 'out', 'backlog.csv'), 'utf8'), /^rank,/);

  // The sprint's headline is true: every finding it calls resolved has a pass, or a resource its check no longer finds, behind it.
  const store = openStore(join(cwd, 'out', 'lab', 'pathaudit.db'));
  try {
    const baseline = store.runs.get(getBaseline(store)!)!;
    t.notOk(baseline.run.checks.some((c) => c.check === 'device-link' || c.check === 'broker-sessions'), 'audit-baseline runs no device-trust check, so the sprint owes them no rerun');
    const takeoverS = Number(/^(\d{10}): Client stm32-02 already connected/m.exec(logLines.join('\n'))?.[1]);
    t.ok(takeoverS < Math.floor(Date.parse(baseline.run.startedAt) / 1000), 'the takeover was logged in a second before the first run started');
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
