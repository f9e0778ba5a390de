// Config loading: one problem line per violation naming the path, exit 2,
// never a stack trace; secrets referenced by file and checked at load.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t from 'tap';
import { createCa, serverCert } from '../../agent/lab/certs.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/lab.js';

function configFile(t: Parameters<typeof tempDir>[0], yaml: string): string {
  const dir = tempDir(t);
  const file = join(dir, 'pathaudit.yaml');
  writeFileSync(file, yaml);
  return file;
}

const BROKER = 'broker:\n  host: 127.0.0.1\n  listeners:\n    - { name: mqtts, port: 8883, tls: true }\n';

t.test('a minimal file with just broker: validates', async (t) => {
  const r = await cli(['config', 'validate', '--config', configFile(t, BROKER)]);
  t.equal(r.code, 0);
  t.match(r.stdout, /config OK: .*pathaudit\.yaml/);
  t.match(r.stdout, /sections: gateway, broker/, 'gateway.id defaults to the host name');
});

t.test('the shipped example config is valid once the files it names exist, and validate names each one that does not', async (t) => {
  // The example names files under /etc and /var: validate a copy whose paths point into a temp tree.
  const dir = tempDir(t);
  const example = readFileSync(new URL('../../config/pathaudit.example.yaml', import.meta.url), 'utf8');
  const text = example.replace(/(?<=[\s[])\/(etc|var)\//g, `${dir}/$1/`);
  const file = join(dir, 'example.yaml');
  writeFileSync(file, text);
  const ca = await createCa();
  const cert = (await serverCert(ca)).certPem;
  const put = (path: string, body: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), body, { mode: 0o600 });
  };
  for (const name of ['broker-password', 'ingest-token', 'api-token']) put(`etc/pathaudit/secrets/${name}`, 'example-secret-value\n');
  const missing = await cli(['config', 'validate', '--config', file]);
  t.equal(missing.code, 2, 'the files do not exist yet');
  for (const where of ['broker.ca_file', 'broker.cert_file', 'broker.key_file', 'broker.log_file', 'devices.cert_dir', 'devices.inventory[0].cert', 'store.path'])
    t.match(missing.stderr, `\n  ${where}: `, `${where} is named`);

  for (const path of ['etc/pathaudit/trust/broker-ca.pem', 'etc/pathaudit/trust/ingest-ca.pem', 'etc/mosquitto/certs/server.crt', 'etc/gateway/pki/device-ca.pem', 'etc/gateway/devices/stm32-01.crt', 'etc/gateway/devices/stm32-02.crt'])
    put(path, cert);
  put('etc/mosquitto/certs/server.key', ca.keyPem);
  put('var/log/mosquitto/mosquitto.log', '');
  mkdirSync(join(dir, 'var/lib/pathaudit'), { recursive: true });
  const r = await cli(['config', 'validate', '--config', file]);
  t.equal(r.code, 0, r.stderr);
});

const BAD: Array<[string, string, RegExp]> = [
  ['port above range', 'broker:\n  host: 127.0.0.1\n  listeners:\n    - { name: a, port: 1883, tls: false }\n    - { name: b, port: 70000, tls: true }\n', /^ {2}broker\.listeners\[1\]\.port: must be <= 65535$/m],
  ['unknown top-level key', `${BROKER}brokr: {}\n`, /^ {2}brokr: unknown key/m],
  ['unknown nested key (a typo must not disable a check)', 'broker:\n  host: 127.0.0.1\n  listner: []\n  listeners:\n    - { name: a, port: 1, tls: false }\n', /^ {2}broker\.listner: unknown key/m],
  ['wrong type', 'broker:\n  host: 127.0.0.1\n  listeners:\n    - { name: a, port: "1883", tls: false }\n', /broker\.listeners\[0\]\.port: must be integer/],
  ['missing required key', 'broker:\n  listeners:\n    - { name: a, port: 1, tls: false }\n', /^ {2}broker\.host: is required$/m],
  ['duplicate listener names', 'broker:\n  host: 127.0.0.1\n  listeners:\n    - { name: a, port: 1, tls: false }\n    - { name: a, port: 2, tls: true }\n', /duplicate listener name "a"/],
  ['missing secret file', `${BROKER}  auth: { username: probe, password_file: /nonexistent/secret }\n`, /broker\.auth\.password_file: cannot read secret file \/nonexistent\/secret \(ENOENT/],
  ['invalid cron', 'schedules:\n  - { bundle: audit-baseline, cron: "every hour" }\n', /schedules\[0\]\.cron: invalid cron expression/],
  ['unknown bundle in a schedule', 'schedules:\n  - { bundle: nope, cron: "0 * * * *" }\n', /schedules\[0\]\.bundle: unknown bundle "nope"/],
  ['invalid YAML', 'broker: [\n', /YAML/],
  ['a YAML bomb is refused, not expanded', 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n', /alias|unknown key/i],
  ['a list instead of a mapping', '- broker\n', /must be a mapping/],
  ['waiver with a bad control id', 'waivers:\n  - { control: GG4, reason: x, expires: 2027-01-01 }\n', /waivers\[0\]\.control: must match pattern/],
];

for (const [name, yaml, expected] of BAD) {
  t.test(`invalid config (${name}) → exit 2, one clear line, no stack trace`, async (t) => {
    const r = await cli(['config', 'validate', '--config', configFile(t, yaml)]);
    t.equal(r.code, 2);
    t.match(r.stderr, expected);
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
    t.equal(r.stdout, '');
  });
}

t.test('an unreadable secret file is named', { skip: process.getuid?.() === 0 ? 'running as root: file modes do not stop root' : false }, async (t) => {
  const dir = tempDir(t);
  const secret = join(dir, 'pw');
  writeFileSync(secret, 'x');
  chmodSync(secret, 0o000);
  const r = await cli(['config', 'validate', '--config', configFile(t, `${BROKER}  auth: { username: u, password_file: ${secret} }\n`)]);
  t.equal(r.code, 2);
  t.match(r.stderr, /EACCES/);
});

t.test('a missing config file is a usage error naming it', async (t) => {
  const r = await cli(['run', '--config', '/nonexistent/pathaudit.yaml']);
  t.equal(r.code, 2);
  t.match(r.stderr, /cannot read config \/nonexistent\/pathaudit\.yaml: ENOENT/);
});

t.test('relative file paths resolve against the config file folder', async (t) => {
  const file = configFile(t, `${BROKER}  auth: { username: u, password_file: secrets/pw }\n`);
  const r = await cli(['config', 'validate', '--config', file]);
  t.equal(r.code, 2);
  t.match(r.stderr, new RegExp(`${join(file, '..', 'secrets', 'pw').replace(/[/.]/g, '\\$&')}`));
});
