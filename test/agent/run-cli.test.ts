// `pathaudit run` end to end against the lab: the JSON document follows the
// contract, the run is in the SQLite file afterwards, exit codes follow --fail-on.
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { cli } from '../helpers/cli.js';
import { labGateway } from '../helpers/lab.js';

t.test('run --format json matches the run document contract and is stored', async (t) => {
  const gw = await labGateway(t, { profile: 'weak' });
  const r = await cli(['run', '--check', 'broker-transport', '--config', gw.configFile, '--format', 'json']);
  t.equal(r.code, 0, 'no --fail-on: findings do not change the exit code');
  const doc = JSON.parse(r.stdout);
  t.match(doc.run, { id: /^run-\d{8}T\d{6}Z-[0-9a-f]{6}$/, bundle: 'checks:broker-transport', status: 'completed', startedAt: String, finishedAt: String });
  // The box the evidence came from, as this machine describes itself (a Pi reports e.g. "Raspberry Pi 5 Model B Rev 1.0").
  t.match(doc.run.host, { os: /\S/, kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(), arch: String }, 'run.host names the OS and the kernel this machine runs');
  t.match(doc.summary, { posture: 'exposed', decision: 'sprint', headline: /^Exposed posture · \d+ findings/ });
  t.same(Object.keys(doc.summary.findings).sort(), ['critical', 'high', 'info', 'low', 'medium']);
  t.ok(doc.results.length >= 8);
  for (const res of doc.results) {
    t.match(res, { control: /^BT-0\d$/, check: 'broker-transport', resource: String, status: /^(pass|fail|warn|skipped|error)$/, severity: String, detail: String });
    t.ok(Array.isArray(res.evidence));
  }
  for (const f of doc.findings) {
    t.match(f, { fingerprint: new RegExp(`^${f.control}-[0-9a-f]{16}$`), control: String, resource: String, severity: String, title: String, remediation: String, verification: String, waived: false });
    t.ok(f.standards.length > 0);
    t.ok(f.evidence.length > 0, `${f.control} finding carries evidence`);
  }
  const ids = new Set(doc.evidence.map((e: { id: string }) => e.id));
  for (const res of doc.results) for (const id of res.evidence) t.ok(ids.has(id), `evidence ${id} is in the document`);
  for (const e of doc.evidence) t.match(e, { id: String, check: 'broker-transport', kind: String, sha256: /^[0-9a-f]{64}$/ });

  const db = new Database(gw.config.store!.path, { readonly: true });
  t.teardown(() => db.close());
  const row = db.prepare('SELECT * FROM runs WHERE id = ?').get(doc.run.id) as { status: string; hash: string; previous_hash: string | null };
  t.equal(row.status, 'completed');
  t.equal(row.hash, doc.run.hash);
  t.equal(row.previous_hash, null, 'first run of the store');
  t.equal((db.prepare('SELECT count(*) n FROM results WHERE run_id = ?').get(doc.run.id) as { n: number }).n, doc.results.length);
  t.equal((db.prepare('SELECT count(*) n FROM evidence WHERE run_id = ?').get(doc.run.id) as { n: number }).n, doc.evidence.length);
  t.equal((db.prepare('SELECT count(*) n FROM findings WHERE run_id = ?').get(doc.run.id) as { n: number }).n, doc.findings.length);
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal');

  const second = await cli(['run', '--check', 'broker-transport', '--config', gw.configFile, '--format', 'json', '--fail-on', 'critical']);
  t.equal(second.code, 1, 'critical findings with --fail-on critical → exit 1');
  const doc2 = JSON.parse(second.stdout);
  t.equal(doc2.run.previousHash, doc.run.hash, 'the second run links to the first');
});

t.test('run text report: a status line per control, then findings with evidence', async (t) => {
  const gw = await labGateway(t, { profile: 'hardened' });
  const r = await cli(['run', '--check', 'broker-transport', '--config', gw.configFile, '--fail-on', 'low']);
  t.equal(r.code, 0, 'hardened: nothing at or above low');
  t.match(r.stdout, /Hardened path · 0 findings/);
  t.match(r.stdout, /^ {2}PASS BT-02 mqtts 127\.0\.0\.1:\d+ — anonymous CONNECT refused/m);
  t.match(r.stdout, /next move: hold/);
});

t.test('usage errors exit 2', async (t) => {
  const gw = await labGateway(t, { profile: 'hardened' });
  for (const args of [
    ['run', '--bundle', 'nope', '--config', gw.configFile],
    ['run', '--check', 'nope', '--config', gw.configFile],
    ['run', '--check', 'broker-transport', '--bundle', 'full', '--config', gw.configFile],
    ['run', '--fail-on', 'severe', '--config', gw.configFile],
    ['run', '--format', 'pdf', '--config', gw.configFile],
    ['frobnicate'],
  ]) {
    const r = await cli(args);
    t.equal(r.code, 2, `${args.join(' ')} → 2`);
    t.ok(r.stderr.trim().length > 0, 'says why');
    t.notMatch(r.stderr, /\n\s+at /);
  }
});

t.test('a run whose every check failed exits 3', async (t) => {
  const gw = await labGateway(t, { profile: 'hardened' });
  const { writeFileSync } = await import('node:fs');
  const { stringify } = await import('yaml');
  writeFileSync(gw.configFile, stringify({ ...JSON.parse(JSON.stringify(gw.config)), runner: { check_timeout_s: 0.001 } }));
  const r = await cli(['run', '--check', 'broker-transport', '--config', gw.configFile]);
  t.equal(r.code, 3);
  t.match(r.stdout, /run-.* · failed/);
});

t.test('checks lists the catalogue', async (t) => {
  const r = await cli(['checks']);
  t.equal(r.code, 0);
  t.match(r.stdout, /broker-transport/);
  t.match(r.stdout, /BT-02 {2}critical Anonymous MQTT CONNECT accepted/);
  const json = await cli(['checks', '--format', 'json']);
  t.ok(JSON.parse(json.stdout).some((c: { id: string }) => c.id === 'broker-transport'));
});
