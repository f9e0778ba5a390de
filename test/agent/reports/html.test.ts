// The HTML report opened in headless Chromium (Debian's `chromium`): it must
// render from the file alone, log nothing to the console (the report carries a
// CSP of default-src 'none', so any attempt to fetch something would be logged
// as a violation), make no network request of its own, and leave a screenshot.
// Chromium's own background traffic is pinned to a dead loopback proxy and a
// resolver that resolves nothing, so nothing leaves the machine.
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { setBaseline } from '../../../agent/evidence/baseline.js';
import { renderReport } from '../../../agent/reports/index.js';
import { silentLogger } from '../../../agent/log.js';
import { runAndStore } from '../../../agent/runner/index.js';
import { tempDir } from '../../helpers/lab.js';
import { storedLab } from '../evidence/helpers.js';
import { ARTIFACTS, CHROMIUM, openInChromium, pageRequests } from '../../helpers/chromium.js';

/** Opens the report in Chromium, checks it rendered alone and quietly, keeps the screenshot as an artifact; returns the run. */
function screenshot(t: Test, html: string, dir: string, name: string) {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, html);
  const run = openInChromium(file, dir, name);
  t.equal(run.error, undefined, 'chromium started');
  t.equal(run.status, 0, `chromium exited 0${run.status ? `: ${run.stderr.slice(-500)}` : ''}`);
  t.same(run.consoleLines, [], 'no console message (errors, CSP violations)');
  t.ok(existsSync(run.shot), 'screenshot written');
  t.ok(statSync(run.shot).size > 30_000, `screenshot is not blank (${statSync(run.shot).size} bytes)`);
  t.same(pageRequests(run.netLog), [], 'the page made no network request');
  mkdirSync(ARTIFACTS, { recursive: true });
  copyFileSync(run.shot, join(ARTIFACTS, `${name}.png`));
  copyFileSync(file, join(ARTIFACTS, `${name}.html`));
  t.comment(`artifacts: ${join(ARTIFACTS, `${name}.png`)}`);
  return run;
}

t.test('the HTML report is one self-contained file that renders in headless Chromium without console errors or requests', async (t) => {
  const dir = tempDir(t);
  const lab = await storedLab(t, { profile: 'weak', dir: join(dir, 'lab') });
  const weak = await lab.run();
  setBaseline(lab.store, weak.run.id);
  await lab.gw.reconfigure('hardened');
  await lab.run();
  await lab.gw.reconfigure('hardened', { anonymous: true });
  const drifted = await lab.run();
  const html = renderReport(drifted, 'html', { store: lab.store }).body;

  // Static: nothing external is referenced at all.
  t.notMatch(html, /https?:\/\//i, 'no http(s):// reference anywhere in the file');
  t.notMatch(html, /<(script|link|iframe|object|embed)\b/i, 'no script, stylesheet link, frame or embed');
  t.notMatch(html, /\b(src|href)\s*=/i, 'no src/href attribute');
  t.match(html, /<svg viewBox[^>]*aria-label="Posture over time/, 'inline SVG posture chart');
  t.equal((html.match(/<circle /g) ?? []).length, 3, 'one point per completed run');
  t.match(html, /Delta: run-/, 'delta table against the baseline');
  t.match(html, /<h2>Backlog<\/h2>/);
  t.match(html, /<details><summary>observation<\/summary><pre>/, 'findings carry their evidence');

  if (!existsSync(CHROMIUM)) {
    if (process.env.CI) t.fail(`${CHROMIUM} is missing: .ci/run must install Debian's chromium`);
    else t.skip(`${CHROMIUM} not installed (apt-get install -y chromium); static checks above still ran`, () => undefined);
    return;
  }
  const run = screenshot(t, html, dir, 'report');
  const png = readFileSync(run.shot);
  t.same([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
  t.equal(png.readUInt32BE(16), 1280, 'PNG width = window width');

  // The request check itself must be able to fail: the same page with an external image and without the CSP.
  const leaky = join(dir, 'leaky.html');
  writeFileSync(leaky, html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '').replace('</main>', '<img alt="" src="https://example.invalid/pixel.png"></main>'));
  const control = openInChromium(leaky, dir, 'leaky');
  t.same(pageRequests(control.netLog), ['https://example.invalid/pixel.png'], 'a page that does fetch something is caught (the request went to the dead loopback proxy)');
});

t.test('the sprint report in Chromium: the delta opens with what matters, a chart series per bundle, commands as code', async (t) => {
  const dir = tempDir(t);
  const lab = await storedLab(t, { profile: 'weak', dir: join(dir, 'lab') });
  const audit = await runAndStore({ loaded: lab.loaded, store: lab.store, bundle: 'audit-baseline', trigger: 'cli', log: silentLogger() });
  setBaseline(lab.store, audit.run.id);
  await lab.gw.reconfigure('hardened');
  // The sprint's rerun across the larger bundle: many results are observed for the first time, passing.
  const sprint = await runAndStore({ loaded: lab.loaded, store: lab.store, bundle: 'full', trigger: 'cli', log: silentLogger() });
  const html = renderReport(sprint, 'html', { store: lab.store }).body;
  const delta = html.slice(html.indexOf('<h2>Delta'), html.indexOf('<h2>Backlog'));
  t.match(delta, /^<h2>Delta[^]*?<\/div>\s*<h3>(Regressions|Resolved) \(\d+\)<\/h3>/, 'the delta opens with regressions or what was resolved');
  t.match(delta, /Not listed: \d+ results? unchanged · \d+ results newly observed without a finding/, 'the newly observed passes are a count');
  t.notMatch(delta, /<tr class="new"><td>[A-Z]{2}-\d\d<\/td>/, 'no "new … pass" row');
  t.equal((html.match(/<polyline fill="none" stroke="#[0-9a-f]{6}" stroke-width="2"/g) ?? []).length, 0, 'one run per bundle: no line yet, only dots');
  t.match(html, />audit-baseline<\/text>/, 'legend names audit-baseline');
  t.match(html, />full<\/text>/, 'and full');
  t.match(html, /<li>rerun <code>pathaudit run [^<]+<\/code> on schedule/, 'the next run\'s command is code');
  t.match(renderReport(audit, 'html', { store: lab.store }).body, /<strong>Fix:<\/strong> [^<]*<code>/, 'a remediation command is code');
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI) t.fail(`${CHROMIUM} is missing: .ci/run must install Debian's chromium`);
    else t.skip(`${CHROMIUM} not installed`, () => undefined);
    return;
  }
  screenshot(t, html, dir, 'report-sprint');
});
