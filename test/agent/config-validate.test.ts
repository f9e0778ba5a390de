// `config validate` tells the truth about a config before the first run: a
// YAML error shows file, line, column and the line with a caret; every file
// the config names is judged for the user the service runs as (exists,
// readable by that user, the right kind); the store folder must exist and be
// writable; a config that audits nothing is a warning with its own exit code
// (4), and `run` on it refuses (exit 3) rather than report a posture of nothing.
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { cli } from '../helpers/cli.js';
import { labGateway, tempDir } from '../helpers/lab.js';

const LISTENER = 'broker:\n  host: 127.0.0.1\n  listeners: [{ name: mqtts, port: 8883, tls: true }]\n';

/** A temp folder other accounts may enter (mkdtemp makes 0700), so `--as nobody` judges the files, not the folder. */
function openDir(t: Parameters<typeof tempDir>[0]): string {
  const dir = tempDir(t);
  chmodSync(dir, 0o755);
  return dir;
}

t.test('a YAML error names file, line and column, and shows the line with a caret under the column', async (t) => {
  const dir = openDir(t);
  const file = join(dir, 'config.yaml');
  // The operator's case: "YAML Nested mappings are not allowed in compact mappings", with no line or column.
  writeFileSync(file, 'gateway: { id: gw-1 }\nbroker:\n  host: 127.0.0.1: 1883\n  listeners: []\n');
  const r = await cli(['config', 'validate', '--config', file]);
  t.equal(r.code, 2);
  const lines = r.stderr.split('\n');
  const at = lines.findIndex((l) => l.includes(`${file}:3:9: YAML Nested mappings are not allowed in compact mappings`));
  t.ok(at > 0, `file:line:col and the message (${r.stderr})`);
  t.match(lines[at + 1], /^\s+3 \| {3}host: 127\.0\.0\.1: 1883$/, 'the offending line, numbered');
  const caret = lines[at + 2]!;
  t.equal(caret.indexOf('^') - caret.indexOf('|'), lines[at + 1]!.indexOf('1') - lines[at + 1]!.indexOf('|'), 'the caret stands under column 9');

  // A tab-indented line keeps its tab in the caret line, so the caret stays under the column in any terminal.
  writeFileSync(file, 'broker:\n\thost: x\n');
  const tab = await cli(['config', 'validate', '--config', file]);
  t.match(tab.stderr, `${file}:2:1: YAML Tabs are not allowed as indentation`);
  t.match(tab.stderr, /\n\s+2 \| \thost: x\n\s+\| \^/, 'line and caret');
});

t.test('an empty config is valid but audits nothing: a warning and exit 4; run on it refuses with exit 3 and stores nothing', async (t) => {
  const dir = openDir(t);
  const file = join(dir, 'config.yaml');
  writeFileSync(file, '');
  const v = await cli(['config', 'validate', '--config', file]);
  t.equal(v.code, 4, 'exit 4: nothing audited');
  t.match(v.stderr, 'warning: nothing audited: every check is not configured');
  t.match(v.stdout, /audits: nothing/);
  t.match(v.stdout, /not configured: .*broker-transport \(no broker section in the config\)/);

  writeFileSync(file, `store: { path: ${join(dir, 'pathaudit.db')} }\n`);
  const r = await cli(['run', '--config', file]);
  t.equal(r.code, 3, 'run exits 3');
  t.equal(r.stderr.split('\n')[0], 'pathaudit: nothing audited: every check is not configured', 'one clear line');
  t.match(r.stderr, /broker-transport: no broker section in the config/, 'why, check by check');
  t.equal(r.stdout, '', 'no "Degraded posture · 0 findings" report');
  t.notOk(existsSync(join(dir, 'pathaudit.db')), 'no store, no run, no baseline');

  // A config that audits something, run with a bundle none of whose checks it configures.
  writeFileSync(file, `${LISTENER}store: { path: ${join(dir, 'pathaudit.db')} }\n`);
  const hygiene = await cli(['run', '--bundle', 'certificate-hygiene', '--config', file]);
  t.equal(hygiene.code, 3);
  t.match(hygiene.stderr, /nothing audited: every check of certificate-hygiene is not configured \(this config audits broker-cert, broker-transport\)/);
});

t.test('missing ca_file and cert_dir are named by validate (they used to pass and fail only at run time)', async (t) => {
  const dir = openDir(t);
  const file = join(dir, 'config.yaml');
  writeFileSync(file, `${LISTENER}  ca_file: ${dir}/trust/broker-ca.pem\ndevices:\n  cert_dir: ${dir}/devices\nstore: { path: ${dir}/pathaudit.db }\n`);
  const r = await cli(['config', 'validate', '--config', file]);
  t.equal(r.code, 2);
  t.match(r.stderr, `broker.ca_file: ${dir}/trust/broker-ca.pem does not exist`);
  t.match(r.stderr, `devices.cert_dir: ${dir}/devices does not exist`);
  t.match(r.stderr, /checked as \S+ \((the service user pathaudit|the current user: there is no pathaudit user here)\)/, 'says which user was assumed');
});

t.test('files of the wrong kind are named: a CA file that is no certificate, a cert_dir that is a file, a log that is a folder', async (t) => {
  const dir = openDir(t);
  writeFileSync(join(dir, 'ca.pem'), 'not a certificate\n');
  writeFileSync(join(dir, 'devices'), 'a file\n');
  mkdirSync(join(dir, 'log'));
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    `${LISTENER}  ca_file: ca.pem\n  log_file: log\ndevices:\n  cert_dir: devices\nstore: { path: pathaudit.db }\n`,
  );
  const r = await cli(['config', 'validate', '--config', file]);
  t.equal(r.code, 2);
  t.match(r.stderr, `broker.ca_file: ${dir}/ca.pem is not a PEM or DER X.509 certificate`);
  t.match(r.stderr, `devices.cert_dir: ${dir}/devices is not a directory`);
  t.match(r.stderr, `broker.log_file: ${dir}/log is not a regular file`);
});

t.test('--as USER judges readability for the service user: a root-only secret folder and store folder are named with owner and mode', { skip: process.getuid?.() === 0 ? false : 'needs root to make files another user cannot read' }, async (t) => {
  const gw = await labGateway(t, { profile: 'weak' });
  const dir = openDir(t);
  const store = join(dir, 'state');
  mkdirSync(store, { mode: 0o755 });
  const config = { ...gw.config, store: { path: join(store, 'pathaudit.db') } };
  writeFileSync(gw.configFile, stringify(config));
  chmodSync(gw.dir, 0o755);
  const asRoot = await cli(['config', 'validate', '--config', gw.configFile, '--as', 'root']);
  t.equal(asRoot.code, 0, `the lab config is valid for root (${asRoot.stderr})`);
  t.match(asRoot.stdout, /checked as root \(given with --as\)/);

  const r = await cli(['config', 'validate', '--config', gw.configFile, '--as', 'nobody']);
  t.equal(r.code, 2, 'not for nobody');
  t.match(r.stderr, /checked as nobody \(given with --as\)/);
  t.match(r.stderr, new RegExp(`store\\.path: the folder ${store} is not writable by nobody \\(root:root 0755\\)`), 'the store folder, with owner and mode');
  const secrets = readdirSync(join(gw.dir, 'secrets'));
  t.ok(secrets.length > 0, 'the lab has secret files');
  t.match(r.stderr, /not readable by nobody \(root:root 06[04]0\)|nobody cannot enter the folder/, 'a secret only root reads is named');

  const unknown = await cli(['config', 'validate', '--config', gw.configFile, '--as', 'no-such-user-here']);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, '--as no-such-user-here: no such user in /etc/passwd');
});
