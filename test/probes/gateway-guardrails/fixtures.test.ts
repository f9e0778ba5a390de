// The two fixture trees the lab gateway audits: a commissioning-fresh weak
// Raspberry Pi OS gateway and a hardened one, run through the CLI's path
// (config file → loader → runner with its contract enforcement).
import t from 'tap';
import { tempDir } from '../../helpers/lab.js';
import { copyFixtureRoot, FIXTURE_SECRET_FILES, LAB_ALLOWED_LISTENERS, runFromConfigFile } from './helpers.js';

const LIVE_ONLY = ['GG-05', 'GG-07', 'GG-08'];

t.test('weak fixture fails GG-01, 02, 03, 04, 06 and 10, each with evidence', async (t) => {
  const root = copyFixtureRoot('gateway-weak', tempDir(t));
  const doc = await runFromConfigFile(t, { root, allowed_listeners: LAB_ALLOWED_LISTENERS, secret_files: FIXTURE_SECRET_FILES });
  t.equal(doc.run.checks[0]!.outcome, 'completed');
  const failing = new Set(doc.results.filter((r) => r.status === 'fail').map((r) => r.control));
  t.same([...failing].sort(), ['GG-01', 'GG-02', 'GG-03', 'GG-04', 'GG-06', 'GG-10']);
  for (const r of doc.results.filter((x) => x.status === 'fail')) t.ok(r.evidence.length > 0, `${r.control} ${r.resource} references evidence`);

  const byControl = (c: string) => doc.results.filter((r) => r.control === c);
  const gg01 = byControl('GG-01')[0]!;
  t.equal(gg01.resource, 'sshd');
  t.match(gg01.detail, /PasswordAuthentication yes \(OpenSSH default\)/, 'the unset PasswordAuthentication falls back to the default yes');
  t.match(gg01.detail, /Match Address 192\.168\.50\.0\/24.*50-field-access\.conf:4/, 'names the Match block that re-enables passwords');
  t.match(byControl('GG-02')[0]!.detail, /PermitRootLogin yes \(\/etc\/ssh\/sshd_config\.d\/50-field-access\.conf:2\)/);
  t.same(byControl('GG-03').map((r) => r.resource).sort(), ['socket 0.0.0.0:1883', 'socket 0.0.0.0:8080', 'socket [::]:1883']);
  t.match(byControl('GG-04')[0]!.detail, /no input filter chain in effect.*nftables\.service/, 'the Debian default ruleset is not even loaded at boot');
  const gg06 = byControl('GG-06')[0]!.detail;
  t.match(gg06, /unattended-upgrades is not installed/);
  t.match(gg06, /Unattended-Upgrade is "0"/);
  t.match(gg06, /no security origin/);
  t.same(byControl('GG-10').map((r) => [r.resource, r.status]), FIXTURE_SECRET_FILES.map((f) => [`file ${f}`, 'fail']));
  t.match(byControl('GG-10')[0]!.detail, /mode 0644, owner .*: readable by every local account \(other\)/);

  for (const c of LIVE_ONLY) for (const r of byControl(c)) t.match(r, { status: 'skipped', detail: /needs the live system/ }, `${c} is skipped on an image root`);
  t.same(byControl('GG-09').map((r) => r.status), ['skipped', 'skipped'], 'no Pi firmware report and no thermal zones in the tree');
  t.ok(doc.findings.length >= 6, `${doc.findings.length} findings`);
});

t.test('hardened fixture passes GG-01, 02, 03, 04, 06 and 10 and nothing fails', async (t) => {
  const root = copyFixtureRoot('gateway-hardened', tempDir(t));
  const doc = await runFromConfigFile(t, { root, allowed_listeners: LAB_ALLOWED_LISTENERS, secret_files: FIXTURE_SECRET_FILES });
  t.equal(doc.run.checks[0]!.outcome, 'completed');
  for (const c of ['GG-01', 'GG-02', 'GG-03', 'GG-04', 'GG-06', 'GG-10']) {
    const rs = doc.results.filter((r) => r.control === c);
    t.ok(rs.length > 0, `${c} has results`);
    for (const r of rs) t.match(r, { status: 'pass', evidence: [/^gateway-guardrails:/] }, `${c} ${r.resource} passes with evidence: ${r.detail}`);
  }
  t.same(
    doc.results.filter((r) => r.status !== 'pass' && r.status !== 'skipped'),
    [],
    'nothing fails, warns or errors',
  );
  t.equal(doc.findings.length, 0);
  for (const r of doc.results.filter((x) => x.status === 'skipped')) t.ok(r.detail.length > 20, `${r.control} ${r.resource} skipped with a reason: ${r.detail}`);

  const detail = (c: string) => doc.results.find((r) => r.control === c)!.detail;
  t.match(detail('GG-01'), /PasswordAuthentication no \(\/etc\/ssh\/sshd_config\.d\/10-hardening\.conf:2\)/, 'first value wins over 50-cloud-init.conf');
  t.match(detail('GG-01'), /none of 1 Match block/);
  t.match(detail('GG-03'), /all allowed: 0\.0\.0\.0:22, \[::\]:22, 0\.0\.0\.0:8443, 0\.0\.0\.0:8883/);
  t.match(detail('GG-04'), /inet filter input \(\/etc\/nftables\.conf\): policy drop/);
  t.match(detail('GG-06'), /pending updates not checked .*configuration only/, 'an image root says it judged the configuration only');
});
