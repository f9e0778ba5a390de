// docs/fleet.md's configs and commands, run: the Prometheus configs through
// `promtool check config` (with /etc/prometheus mapped to files made here, the
// rules file the real one), the gateway's api section through the config
// validator, and the reviewer's and the SIEM collector's scripts against two
// gateways — each a lab behind its own `pathaudit serve` over HTTPS, with its
// own token, certificate and signing key. The ssh line (run on a gateway) is
// replaced by the same `pathaudit bundle pubkey` run locally.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { validateConfig } from '../../agent/config/load.js';
import { BUILTIN_BUNDLES } from '../../agent/runner/bundles.js';
import { CHECK_IDS } from '../../probes/catalogue.js';
import { createCa, serverCert } from '../../agent/lab/certs.js';
import { freePort, labGateway, tempDir } from '../helpers/lab.js';
import { promtool, skipWithoutPromtool } from '../helpers/promtool.js';
import { serve } from '../reliability/serve-child.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'dist', 'app', 'cli.js');
const doc = readFileSync(join(ROOT, 'docs', 'fleet.md'), 'utf8');
const blocks = [...doc.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, text: m[2]! }));

t.test('the Prometheus configs pass promtool check config', { skip: skipWithoutPromtool }, async (t) => {
  const configs = blocks.filter((b) => b.lang === 'yaml' && b.text.startsWith('# prometheus.yml'));
  t.equal(configs.length, 2, 'a site config (scrape, rules, alerting) and a central one (federation)');
  for (const b of configs) {
    const dir = tempDir(t);
    const text = b.text.replaceAll('/etc/prometheus/', `${dir}/etc/prometheus/`);
    // Every file the config names exists (promtool checks that); the rules are the repository's.
    for (const [file] of text.matchAll(new RegExp(`${dir}/etc/prometheus/[^\\s"'\\]]+`, 'g'))) {
      mkdirSync(dirname(file), { recursive: true });
      if (file.endsWith('pathaudit.rules.yml')) copyFileSync(join(ROOT, 'config', 'prometheus', 'pathaudit.rules.yml'), file);
      else writeFileSync(file, 'made by test/docs/fleet.test.ts\n');
    }
    writeFileSync(join(dir, 'prometheus.yml'), text);
    const r = promtool(t, ['check', 'config', join(dir, 'prometheus.yml')], dir);
    t.equal(r.status, 0, `${b.text.split('\n')[0]}: ${r.output}`);
    const parsed = parse(text) as { scrape_configs: Array<{ job_name: string; scheme?: string; authorization?: unknown; static_configs?: Array<{ labels?: Record<string, string> }> }> };
    for (const job of parsed.scrape_configs) t.equal(job.scheme, 'https', `${job.job_name}: over https`);
    if (text.includes('/metrics')) {
      for (const job of parsed.scrape_configs) {
        t.match(job.job_name, /^pathaudit/, `${job.job_name}: a pathaudit… job (PathauditGatewayDown watches them)`);
        t.ok(job.authorization, `${job.job_name}: sends the gateway's bearer token`);
        t.ok(job.static_configs?.every((s) => s.labels?.gateway && s.labels?.site), `${job.job_name}: gateway and site labels`);
      }
    }
  }
});

t.test('the gateway\'s api section validates, and the Alertmanager routing groups by the target labels', async (t) => {
  const api = blocks.find((b) => b.lang === 'yaml' && b.text.startsWith('api:'));
  t.ok(api, 'the api section is there');
  const dir = tempDir(t);
  const text = api!.text.replaceAll('/etc/pathaudit/', `${dir}/`);
  const section = parse(text) as { api: { token_file: string; tls: { cert_file: string; key_file: string } } };
  mkdirSync(join(dir, 'secrets'), { recursive: true });
  mkdirSync(join(dir, 'tls'), { recursive: true });
  writeFileSync(section.api.token_file, 'a-token-made-by-the-test\n', { mode: 0o600 });
  writeFileSync(section.api.tls.key_file, 'key\n', { mode: 0o600 });
  writeFileSync(section.api.tls.cert_file, 'cert\n');
  const loaded = validateConfig(section, { baseDir: dir, file: null, knownBundles: new Set(Object.keys(BUILTIN_BUNDLES)), knownChecks: CHECK_IDS });
  t.equal(loaded.config.api?.listen, '10.20.0.11:7878');
  t.ok(loaded.secrets.has(section.api.tls.key_file), 'the TLS key is read as a secret');
  const am = parse(blocks.find((b) => b.text.startsWith('# alertmanager.yml'))!.text) as { route: { group_by: string[] } };
  t.same(am.route.group_by, ['site', 'gateway', 'alertname']);
  t.match(blocks.find((b) => b.lang === 'ini')!.text, /^IPAddressAllow=/m, 'the unit drop-in allows the Prometheus host');
});

const jq = spawnSync('jq', ['--version']).status === 0;

t.test('the retainer script pulls snapshots and signed bundles from two gateways over HTTPS and verifies them against pinned keys; the SIEM script writes OCSF NDJSON', { skip: jq || process.env.CI ? false : 'jq not installed (apt-get install -y jq)' }, async (t) => {
  const scripts = blocks.filter((b) => b.lang === 'sh');
  const retainer = scripts.find((b) => b.text.startsWith('# retainer-pull.sh'))!.text;
  const siem = scripts.find((b) => b.text.startsWith('# siem-pull.sh'))!.text;
  const work = tempDir(t);
  const bin = join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'pathaudit'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(bin, 'pathaudit'), 0o755);
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  const run = (args: string[], cwd = work) => spawnSync(process.execPath, [CLI, ...args], { cwd, env, encoding: 'utf8', timeout: 60_000 });
  const month = new Date().toISOString().slice(0, 7);
  const ca = await createCa('CN=pathaudit site CA (test)');
  writeFileSync(join(work, 'ca.pem'), ca.certPem);
  for (const d of ['keys', 'tokens']) mkdirSync(join(work, d));
  const gateways: string[] = [];
  for (const name of ['gw-a', 'gw-b']) {
    const gw = await labGateway(t, { profile: 'weak' });
    const port = await freePort();
    const cert = await serverCert(ca);
    writeFileSync(join(gw.dir, 'api.crt'), cert.certPem);
    writeFileSync(join(gw.dir, 'secrets', 'api.key'), cert.keyPem, { mode: 0o600 });
    const token = `${name}-token-${port}-0123456789`;
    writeFileSync(join(gw.dir, 'secrets', 'api-token'), `${token}\n`, { mode: 0o600 });
    writeFileSync(
      gw.configFile,
      stringify({ ...gw.config, gateway: { id: name }, api: { listen: `127.0.0.1:${port}`, token_file: join(gw.dir, 'secrets', 'api-token'), tls: { cert_file: join(gw.dir, 'api.crt'), key_file: join(gw.dir, 'secrets', 'api.key') } } }),
    );
    // The gateway's month: an audit, then the snapshot its schedule would take.
    t.equal(run(['run', '--bundle', 'audit-baseline', '--config', gw.configFile]).status, 0, `${name}: audit`);
    t.equal(run(['snapshot', '--month', month, '--config', gw.configFile]).status, 0, `${name}: snapshot ${month}`);
    // Onboarding: the key as `bundle pubkey` prints it on the gateway.
    const pub = run(['bundle', 'pubkey', '--config', gw.configFile]);
    writeFileSync(join(work, 'keys', `${name}.pem`), pub.stdout);
    writeFileSync(join(work, 'tokens', name), `${token}\n`);
    await serve(t, gw.configFile);
    gateways.push(`${name} https://127.0.0.1:${port}`);
  }
  writeFileSync(join(work, 'gateways.txt'), `${gateways.join('\n')}\n`);
  const bash = (script: string, extra: Record<string, string> = {}) => spawnSync('bash', ['-c', script], { cwd: work, env: { ...env, ...extra }, encoding: 'utf8', timeout: 120_000 });

  const ok = bash(retainer, { MONTH: month });
  t.equal(ok.status, 0, `retainer-pull.sh exits 0 (stderr: ${ok.stderr.slice(-400)})`);
  for (const name of ['gw-a', 'gw-b']) {
    t.match(ok.stdout, new RegExp(`^${name}: .* — bundle run-\\S+ verified$`, 'm'), `${name}: verified`);
    const dir = join(work, 'retainer', month, name);
    const snapshot = JSON.parse(readFileSync(join(dir, 'snapshot.json'), 'utf8')) as { month: string; latest: { runId: string } };
    t.equal(snapshot.month, month);
    t.ok(existsSync(join(dir, `${snapshot.latest.runId}.tar.gz`)), `${name}: the bundle of the snapshot's run`);
    t.match(readFileSync(join(dir, 'verify.txt'), 'utf8'), /^bundle OK: run run-\S+ · \d+ files · signed by /);
  }
  // A gateway whose bundle is signed by a key other than the pinned one fails the review.
  copyFileSync(join(work, 'keys', 'gw-b.pem'), join(work, 'keys', 'gw-a.pem'));
  const bad = bash(retainer, { MONTH: month });
  t.equal(bad.status, 1, 'exit 1 when a bundle does not verify');
  t.match(bad.stderr, /gw-a: bundle run-\S+ does NOT verify against keys\/gw-a\.pem/);
  t.match(bad.stdout, /^gw-b: .* verified$/m, 'the other gateway still verifies');

  const s = bash(siem);
  t.equal(s.status, 0, `siem-pull.sh exits 0 (stderr: ${s.stderr.slice(-300)})`);
  t.same(readdirSync(join(work, 'ocsf')).sort(), ['gw-a.ndjson', 'gw-b.ndjson']);
  for (const name of ['gw-a', 'gw-b']) {
    const events = readFileSync(join(work, 'ocsf', `${name}.ndjson`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { class_uid: number; unmapped: { gateway_id: string } });
    t.ok(events.length > 10, `${name}: ${events.length} events, one per line`);
    t.ok(events.every((e) => e.class_uid === 2003 && e.unmapped.gateway_id === name), `${name}: OCSF Compliance Findings from ${name}`);
  }
});
