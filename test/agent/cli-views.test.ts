// The views an operator reaches for, on a lab gateway's real store: one
// finding with its evidence, fix and history (`finding`); the effective config
// with defaults and no secret (`config show`); the backlog in four formats,
// the same document GET /v1/backlog serves (`backlog`); the bundles exported
// (`bundle list`); `serve --listen`; an example in every --help.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import t from 'tap';
import { parse as parseYaml, stringify } from 'yaml';
import { serveOverrides } from '../../agent/cli/serve-flags.js';
import { buildProgram } from '../../agent/cli/main.js';
import { DEFAULTS, REDACTED } from '../../agent/config/effective.js';
import { builtCli } from '../helpers/build.js';
import { cli } from '../helpers/cli.js';
import { freePort, tempDir } from '../helpers/lab.js';
import { AUTH, testApi } from './api/helpers.js';

t.test('finding, backlog and bundle list on a store with two audits', async (t) => {
  const lab = await testApi(t);
  const config = lab.gw.configFile;
  const first = await cli(['run', '--bundle', 'audit-baseline', '--format', 'json', '--config', config]);
  t.equal(first.code, 0, first.stderr);
  const second = await cli(['run', '--bundle', 'audit-baseline', '--format', 'json', '--config', config]);
  const doc = JSON.parse(second.stdout);
  const bt02 = doc.findings.find((f: { control: string; resource: string }) => f.control === 'BT-02' && f.resource.startsWith('mqtt '));
  t.ok(bt02, 'the weak broker accepts anonymous CONNECT: a BT-02 finding');

  await t.test('finding CONTROL:RESOURCE: evidence in full, fix, verify command, history across both runs', async (t) => {
    const r = await cli(['finding', 'BT-02:mqtt', '--config', config]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, `CRITICAL BT-02 ${bt02.title} — ${bt02.resource}`);
    t.match(r.stdout, `fingerprint ${bt02.fingerprint}`);
    t.match(r.stdout, /\nwhy: /);
    t.match(r.stdout, `fix: ${bt02.remediation}`);
    t.match(r.stdout, /verify: pathaudit run --bundle hardening-verification → BT-02 pass on/);
    for (const id of bt02.evidence) t.match(r.stdout, `  ${id} · `, `evidence ${id} shown`);
    t.match(r.stdout, /sha256 [0-9a-f]{64}\n {4}\{/, 'with its full sha256 and its data');
    t.match(r.stdout, /history \(2 runs, newest first\):/);
    t.equal((r.stdout.match(/ FAIL {4}critical/g) ?? []).length, 2, 'failing in both runs');
  });

  await t.test('finding FINGERPRINT --run --format json: the same finding, as the first run left it', async (t) => {
    const r = await cli(['finding', bt02.fingerprint, '--run', first.stdout ? JSON.parse(first.stdout).run.id : 'latest', '--format', 'json', '--config', config]);
    t.equal(r.code, 0, r.stderr);
    const view = JSON.parse(r.stdout);
    t.equal(view.finding.fingerprint, bt02.fingerprint);
    t.equal(view.asOf, JSON.parse(first.stdout).run.id);
    t.same(view.evidence.map((e: { id: string }) => e.id), bt02.evidence, 'every evidence record it cites');
    t.ok(view.evidence.every((e: { data: unknown }) => e.data !== undefined), 'with its data');
    t.equal(view.history.length, 2);
  });

  await t.test('finding: ambiguous, unknown and malformed references are one clear line, exit 2', async (t) => {
    const amb = await cli(['finding', 'BT-02', '--config', config]);
    t.equal(amb.code, 2, 'BT-02 fails on three listeners');
    t.match(amb.stderr, /^pathaudit: finding BT-02: 3 resources match; name one: "BT-02:mqtt 127\.0\.0\.1:\d+", /);
    const unknown = await cli(['finding', 'ZZ-99', '--config', config]);
    t.equal(unknown.code, 2);
    t.match(unknown.stderr, /finding ZZ-99: no result for it in the path as run run-\S+ left it/);
    const bad = await cli(['finding', 'not a ref', '--config', config]);
    t.equal(bad.code, 2);
    t.match(bad.stderr, /finding: expected a fingerprint \(BT-01-0123456789abcdef\) or CONTROL\[:RESOURCE\]/);
  });

  await t.test('backlog --format json is the document GET /v1/backlog serves; csv, md and text show the same rows', async (t) => {
    const r = await cli(['backlog', '--format', 'json', '--config', config]);
    t.equal(r.code, 0, r.stderr);
    const mine = JSON.parse(r.stdout);
    const res = await lab.api.app.inject({ method: 'GET', url: '/v1/backlog', headers: AUTH });
    t.equal(res.statusCode, 200);
    t.same(mine, JSON.parse(res.body), 'the same runId, drawsOn and items');
    t.ok(mine.items.length > 5, `${mine.items.length} items`);
    const csv = await cli(['backlog', '--format', 'csv', '--config', config]);
    t.equal(csv.stdout.trim().split('\r\n').length, mine.items.length + 1, 'csv: a header and a row per item');
    const md = await cli(['backlog', '--format', 'md', '--config', config]);
    t.match(md.stdout, /^# Backlog — the path as run run-\S+ left it\n/);
    t.equal(md.stdout.split('\n').filter((l) => /^\| \d+ \|/.test(l)).length, mine.items.length, 'md: a table row per item');
    const text = await cli(['backlog', '--config', config]);
    t.match(text.stdout, `  1. ${String(mine.items[0].score).padStart(5)}  ${mine.items[0].severity.padEnd(8)} ${mine.items[0].control}`);
  });

  await t.test('bundle list names each exported bundle with the sha256 of the file written', async (t) => {
    const none = await cli(['bundle', 'list', '--config', config]);
    t.match(none.stdout, /no bundle exported yet/);
    const dir = tempDir(t);
    const out = join(dir, 'evidence.tar.gz');
    const ex = await cli(['bundle', 'export', 'latest', '--out', out, '--config', config]);
    t.equal(ex.code, 0, ex.stderr);
    const list = await cli(['bundle', 'list', '--format', 'json', '--config', config]);
    const page = JSON.parse(list.stdout);
    t.equal(page.total, 1);
    t.equal(page.items[0].destination, out);
    t.equal(page.items[0].runId, doc.run.id);
    t.equal(page.items[0].sha256, createHash('sha256').update(readFileSync(out)).digest('hex'), 'sha256sum of the file');
    t.match(page.items[0].keyFingerprint, /^sha256:[0-9a-f]{64}$/);
    const text = await cli(['bundle', 'list', '--config', config]);
    t.match(text.stdout, `${doc.run.id}  ${out}`);
    t.match(text.stdout, /1 of 1 bundle exported, newest first/);
  });
});

t.test('config show: defaults filled in, paths resolved, no secret content; secret file paths named', async (t) => {
  const lab = await testApi(t);
  const secretFile = lab.loaded.config.broker?.auth?.password_file;
  t.ok(secretFile, 'the lab names a broker password file');
  const secret = readFileSync(secretFile!, 'utf8').trim();
  const yaml = await cli(['config', 'show', '--config', lab.gw.configFile]);
  t.equal(yaml.code, 0, yaml.stderr);
  t.match(yaml.stdout, /^# effective config of /);
  const json = await cli(['config', 'show', '--format', 'json', '--config', lab.gw.configFile]);
  const shown = JSON.parse(json.stdout);
  t.same(parseYaml(yaml.stdout), shown, 'YAML and JSON say the same');
  for (const out of [yaml.stdout, json.stdout]) {
    t.notOk(out.includes(secret), 'the secret value never appears');
    t.ok(out.includes(secretFile!), 'its file path does');
  }
  t.equal(shown.runner.check_timeout_s, lab.loaded.config.runner?.check_timeout_s ?? 10, 'runner defaults');
  t.equal(shown.decision.sprint_high, 3, 'decision defaults');
  t.equal(shown.broker.max_validity_days, 398, 'broker defaults inside the broker section');
  t.equal(shown.store.key_file, join(lab.gw.dir, 'gateway-key.pem'), 'the signing key path, computed');
  t.notOk('telemetry' in shown && !lab.loaded.config.telemetry, 'no section is invented for a check that is not configured');

  const dir = tempDir(t);
  const file = join(dir, 'c.yaml');
  writeFileSync(file, 'broker:\n  host: 127.0.0.1\n  listeners: [{ name: m, port: 1, tls: false }]\n  default_credentials: [{ username: admin, password: not-for-your-eyes }]\n');
  const creds = await cli(['config', 'show', '--format', 'json', '--config', file]);
  const c = JSON.parse(creds.stdout);
  t.same(c.broker.default_credentials, [{ username: 'admin', password: REDACTED }], 'inline credentials redacted');
  t.notOk(creds.stdout.includes('not-for-your-eyes'));
  t.same(c.broker.listeners[0].websocket, false);
  t.notOk('auth' in c.broker, 'no probe identity invented');
  t.notOk('ingest' in c, 'no section invented');
});

t.test('every default config show fills in is the one the schema documents', async (t) => {
  const schema = JSON.parse(readFileSync(new URL('../../config/pathaudit.schema.json', import.meta.url), 'utf8'));
  for (const [path, value] of Object.entries(DEFAULTS)) {
    let node = schema;
    for (const part of path.replace(/\?/g, '').split('.')) {
      const key = part.replace(/\[\]$/, '');
      node = node.properties?.[key] ?? node.anyOf?.find((x: { properties?: object }) => x.properties)?.properties?.[key];
      if (part.endsWith('[]')) node = node.items;
    }
    t.match(node?.description ?? '', new RegExp(`\\(default ${String(value).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}[);:,]`), `${path} = ${String(value)}`);
  }
});

t.test('serve --listen HOST:PORT overrides api.listen; a malformed one is a usage error', async (t) => {
  const lab = await testApi(t);
  const port = await freePort();
  const child = spawn(process.execPath, [builtCli(), 'serve', '--listen', `127.0.0.1:${port}`, '--config', lab.gw.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  let ok = false;
  for (let i = 0; i < 100 && !ok; i++) {
    ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (!ok) await new Promise((r) => setTimeout(r, 100));
  }
  t.ok(ok, `the API answers on the --listen address (${log.slice(-300)})`);
  t.match(log, `"listen":"127.0.0.1:${port}"`, 'and says so when ready');
  child.kill('SIGTERM');
  await new Promise((r) => child.once('close', r));
  // --init makes a missing store folder before the daemon opens the store, as run --init does.
  const dir = tempDir(t);
  const cfg = join(dir, 'c.yaml');
  writeFileSync(cfg, stringify({ ...lab.gw.config, store: { path: join(dir, 'state', 'pathaudit.db') } }));
  t.same(serveOverrides({ config: cfg, init: true, listen: '[::1]:7878' }), { listen: '[::1]:7878' });
  t.ok(existsSync(join(dir, 'state')), 'serve --init made the store folder');
  for (const bad of ['127.0.0.1', '127.0.0.1:0', 'host:99999', 'a b:80']) {
    const r = await cli(['serve', '--listen', bad, '--config', lab.gw.configFile]);
    t.equal(r.code, 2, `${bad}: exit 2`);
    t.match(r.stderr, `--listen: expected HOST:PORT with a port from 1 to 65535`);
  }
});

t.test('every command and command group has examples in its --help, in the README form', async (t) => {
  const walk = (c: CommandUnknownOpts, path: string[]): Array<{ cmd: CommandUnknownOpts; path: string[] }> => [
    { cmd: c, path },
    ...c.commands.filter((s) => s.name() !== 'help').flatMap((s) => walk(s, [...path, s.name()])),
  ];
  const all = walk(buildProgram({ stdout: () => undefined, stderr: () => undefined, interactive: false }, () => undefined), []);
  t.ok(all.length >= 20, `${all.length} commands`);
  for (const { path } of all) {
    const r = await cli([...path, '--help']);
    t.equal(r.code, 0);
    const examples = r.stdout.split('\nExamples:\n')[1];
    t.ok(examples, `pathaudit ${path.join(' ')} --help has examples`);
    const lines = (examples ?? '').split('\n').filter(Boolean);
    for (const l of lines) t.match(l, /^ {2}\$ (sudo -u pathaudit )?pathaudit /, `${path.join(' ')}: ${l}`);
    if (path.length) t.ok(lines.some((l) => l.includes(`pathaudit ${path.join(' ')}`)), `${path.join(' ')}: an example of itself`);
  }
});
