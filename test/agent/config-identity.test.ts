// broker.auth: a probe identity by password, by client certificate, or both.
// A pair the probe could not use is refused at load, by `config validate` and
// `run` alike (exit 2), naming the file; the key never appears in the output.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createCa, deviceCert } from '../../agent/lab/certs.js';
import { cli } from '../helpers/cli.js';
import { freePort, tempDir } from '../helpers/lab.js';

const broker = (port: number, auth: string) => `broker:\n  host: 127.0.0.1\n  listeners:\n    - { name: mqtts, port: ${port}, tls: true }\n  auth: ${auth}\n`;

async function pki(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t);
  const ca = await createCa('CN=probe test CA');
  const probe = await deviceCert(ca, 'pathaudit-probe');
  const other = await deviceCert(ca, 'someone-else');
  writeFileSync(join(dir, 'probe.crt'), probe.certPem);
  writeFileSync(join(dir, 'probe.key'), probe.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'other.key'), other.keyPem, { mode: 0o600 });
  const encrypted = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'not-asked-for' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  writeFileSync(join(dir, 'encrypted.key'), encrypted.privateKey, { mode: 0o600 });
  writeFileSync(join(dir, 'not-a-cert.crt'), 'hello\n');
  writeFileSync(join(dir, 'pw'), 'probe-password\n', { mode: 0o600 });
  return { dir, probe, other };
}

t.test('a certificate alone, a password alone, or both: each validates', async (t) => {
  const { dir } = await pki(t);
  const port = await freePort();
  for (const auth of [
    `{ cert_file: ${dir}/probe.crt, key_file: ${dir}/probe.key }`,
    `{ username: probe, password_file: ${dir}/pw }`,
    `{ username: probe, password_file: ${dir}/pw, cert_file: ${dir}/probe.crt, key_file: ${dir}/probe.key, plaintext_ok: false, allowed_topics: [gateway/status] }`,
  ]) {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, broker(port, auth));
    const r = await cli(['config', 'validate', '--config', file]);
    t.equal(r.code, 0, `${auth}: ${r.stderr}`);
  }
});

t.test('bad identities → config validate and run exit 2 and name the file, never the key', async (t) => {
  const { dir, probe, other } = await pki(t);
  const port = await freePort();
  const cases: Array<[string, string, RegExp]> = [
    ['no identity at all', '{ plaintext_ok: true }', /broker\.auth: names no probe identity: give username \+ password_file, or cert_file \+ key_file/],
    ['a user name without a password', '{ username: probe }', /broker\.auth\.password_file: is required with broker\.auth\.username/],
    ['a password without a user name', `{ password_file: ${dir}/pw }`, /broker\.auth\.username: is required with broker\.auth\.password_file/],
    ['a certificate without its key', `{ cert_file: ${dir}/probe.crt }`, /broker\.auth\.key_file: is required with broker\.auth\.cert_file/],
    ['a key that does not match the certificate', `{ cert_file: ${dir}/probe.crt, key_file: ${dir}/other.key }`, new RegExp(`broker\\.auth\\.key_file: key file ${dir}/other\\.key does not match the certificate ${dir}/probe\\.crt`)],
    ['an encrypted key', `{ cert_file: ${dir}/probe.crt, key_file: ${dir}/encrypted.key }`, new RegExp(`broker\\.auth\\.key_file: key file ${dir}/encrypted\\.key is encrypted`)],
    ['a key file that does not exist', `{ cert_file: ${dir}/probe.crt, key_file: ${dir}/missing.key }`, new RegExp(`broker\\.auth\\.key_file: cannot read secret file ${dir}/missing\\.key \\(ENOENT`)],
    ['a certificate file that does not exist', `{ cert_file: ${dir}/missing.crt, key_file: ${dir}/probe.key }`, new RegExp(`broker\\.auth\\.cert_file: cannot read certificate ${dir}/missing\\.crt \\(ENOENT`)],
    ['a certificate file that holds no certificate', `{ cert_file: ${dir}/not-a-cert.crt, key_file: ${dir}/probe.key }`, new RegExp(`broker\\.auth\\.cert_file: ${dir}/not-a-cert\\.crt is not a PEM or DER X\\.509 certificate`)],
    ['an unknown key', `{ username: probe, password_file: ${dir}/pw, certfile: x }`, /broker\.auth\.certfile: unknown key/],
  ];
  const keyBodies = [probe.keyPem, other.keyPem].map((pem) => pem.split('\n')[1]!);
  for (const [name, auth, expected] of cases) {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, broker(port, auth));
    for (const args of [['config', 'validate', '--config', file], ['run', '--check', 'broker-transport', '--config', file]]) {
      const r = await cli(args);
      t.equal(r.code, 2, `${name}: ${args[0]} exits 2`);
      t.match(r.stderr, expected, `${name}: ${args[0]} names it`);
      t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
      for (const body of keyBodies) t.notOk(r.stderr.includes(body) || r.stdout.includes(body), 'no key material in the output');
    }
  }
});

t.test('ingest client-cert pairs are checked the same way', async (t) => {
  const { dir } = await pki(t);
  const file = join(dir, 'ingest.yaml');
  writeFileSync(file, `ingest:\n  url: https://127.0.0.1:8443/v1/ingest\n  auth: { type: client-cert, cert_file: ${dir}/probe.crt, key_file: ${dir}/other.key }\n`);
  const r = await cli(['config', 'validate', '--config', file]);
  t.equal(r.code, 2);
  t.match(r.stderr, new RegExp(`ingest\\.auth\\.key_file: key file ${dir}/other\\.key does not match the certificate ${dir}/probe\\.crt \\(ingest\\.auth\\.cert_file\\)`));
});
