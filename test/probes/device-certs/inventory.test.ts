// device-certs over real certificate files generated at test time, through
// the real config loader and runner.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { stringify } from 'yaml';
import { silentLogger } from '../../../agent/log.js';
import type { RunDocument } from '../../../agent/runner/document.js';
import { code as deviceCerts } from '../../../probes/device-certs/index.js';
import type { Evidence } from '../../../probes/types.js';
import { createCa, deviceCert, type Issued } from '../../../agent/lab/certs.js';
import { cli } from '../../helpers/cli.js';
import { load, runChecks, tempDir } from '../../helpers/lab.js';

const PER_DEVICE = ['DC-01', 'DC-02', 'DC-04', 'DC-05', 'DC-06', 'DC-07'];

let ca: Issued;
t.before(async () => {
  ca = await createCa('CN=pathaudit test device CA');
});

interface Fleet {
  dir: string;
  file: string;
}

/** Writes the device CA, a cert_dir and a config; `devices` maps file name → content. */
function writeFleet(t: Test, files: Record<string, string | Buffer>, devices: Record<string, unknown> = {}): Fleet {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'devices'));
  writeFileSync(join(dir, 'device-ca.pem'), ca.certPem);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, 'devices', name), content);
  const file = join(dir, 'pathaudit.yaml');
  writeFileSync(file, stringify({ devices: { ca_file: 'device-ca.pem', cert_dir: 'devices', ...devices } }));
  return { dir, file };
}

const run = (fleet: Fleet) => runChecks(load(fleet.file), ['device-certs']);

function expectDevice(t: Test, doc: RunDocument, id: string, expected: Record<string, string>) {
  for (const control of PER_DEVICE) {
    const r = doc.results.filter((x) => x.control === control && x.resource === `device ${id}`);
    t.equal(r.length, 1, `${control} device ${id}: one result`);
    t.equal(r[0]?.status, expected[control] ?? 'pass', `${control} device ${id}: ${r[0]?.detail}`);
    if (r[0] && r[0].status !== 'skipped') t.ok(r[0].evidence.length > 0, `${control} device ${id} references evidence`);
  }
}

t.test('a good fleet yields every device control pass and DC-03 pass; DC-08 skipped without telemetry', async (t) => {
  const a = await deviceCert(ca, 'stm32-01');
  const b = await deviceCert(ca, 'stm32-02');
  const c = await deviceCert(ca, 'stm32-03');
  const fleet = writeFleet(t, { 'stm32-01.pem': a.certPem, 'stm32-02.crt': b.certPem }, { inventory: [{ id: 'stm32-02' }, { id: 'stm32-03', cert: 'other/stm32-03.pem' }] });
  mkdirSync(join(fleet.dir, 'other'));
  writeFileSync(join(fleet.dir, 'other', 'stm32-03.pem'), c.certPem);
  const doc = await run(fleet);
  for (const id of ['stm32-01', 'stm32-02', 'stm32-03']) expectDevice(t, doc, id, {});
  const dc03 = doc.results.filter((r) => r.control === 'DC-03');
  t.same(dc03.map((r) => [r.resource, r.status]), [['device-fleet', 'pass']]);
  t.match(dc03[0]!.detail, /3 device certificate\(s\), 3 distinct public key/);
  const dc08 = doc.results.filter((r) => r.control === 'DC-08');
  t.same(dc08.map((r) => r.status), ['skipped']);
  t.match(dc08[0]!.detail, /telemetry/);
  const ev = doc.evidence.find((e) => e.id === 'device-certs:cert device stm32-01')!.data as { facts: Record<string, unknown> };
  for (const k of ['subject', 'issuer', 'serial', 'san', 'notBefore', 'notAfter', 'daysLeft', 'keyType', 'keyBits', 'signatureAlgorithm', 'sha256', 'spkiSha256'])
    t.ok(k in ev.facts, `evidence carries ${k}`);
  t.notOk(JSON.stringify(doc).includes(a.keyPem.split('\n')[1]!), 'no private key material in the run document');
});

t.test('each weak device certificate yields exactly its own control failures', async (t) => {
  const other = await createCa('CN=pathaudit test device CA'); // same name, different key
  const shared = await deviceCert(ca, 'stm32-20');
  const certs: Record<string, Issued> = {
    expired: await deviceCert(ca, 'expired', { notBeforeDays: -400, notAfterDays: -3 }),
    soon: await deviceCert(ca, 'soon', { notAfterDays: 10 }),
    rsa1024: await deviceCert(ca, 'rsa1024', { key: { type: 'rsa', bits: 1024 } }),
    foreign: await deviceCert(other, 'foreign'),
    'ca-leaf': await deviceCert(ca, 'ca-leaf', { isCa: true }),
    'no-client-auth': await deviceCert(ca, 'no-client-auth', { eku: ['serverAuth'] }),
    misfiled: await deviceCert(ca, 'stm32-99'),
    'stm32-20': shared,
    'stm32-21': await deviceCert(ca, 'stm32-21', { reuseKeys: shared }),
    'stm32-22': await deviceCert(ca, 'stm32-22', { reuseKeys: shared }),
  };
  const fleet = writeFleet(t, Object.fromEntries(Object.entries(certs).map(([id, c]) => [`${id}.pem`, c.certPem])));
  const doc = await run(fleet);
  expectDevice(t, doc, 'expired', { 'DC-01': 'fail', 'DC-02': 'skipped' });
  expectDevice(t, doc, 'soon', { 'DC-02': 'fail' });
  expectDevice(t, doc, 'rsa1024', { 'DC-04': 'fail' });
  expectDevice(t, doc, 'foreign', { 'DC-05': 'fail' });
  expectDevice(t, doc, 'ca-leaf', { 'DC-06': 'fail' });
  expectDevice(t, doc, 'no-client-auth', { 'DC-06': 'fail' });
  expectDevice(t, doc, 'misfiled', { 'DC-07': 'fail' });
  for (const id of ['stm32-20', 'stm32-21', 'stm32-22']) expectDevice(t, doc, id, {});
  const detail = (c: string, id: string) => doc.results.find((r) => r.control === c && r.resource === `device ${id}`)!.detail;
  t.match(detail('DC-02', 'soon'), /expires in (9|10) day/);
  t.match(detail('DC-04', 'rsa1024'), /RSA 1024 bits/);
  t.match(detail('DC-05', 'foreign'), /does not verify with the key of "CN=pathaudit test device CA"/);
  t.match(detail('DC-06', 'ca-leaf'), /CA:TRUE/);
  t.match(detail('DC-06', 'no-client-auth'), /\[serverAuth\] lacks clientAuth/);
  t.match(detail('DC-07', 'misfiled'), /device id "misfiled" \(file name\) but certificate CN "stm32-99"/);

  const dc03 = doc.results.filter((r) => r.control === 'DC-03');
  t.equal(dc03.length, 1, 'one key-reuse group reported once');
  const g = dc03[0]!;
  t.equal(g.status, 'fail');
  t.match(g.resource, /^key-reuse spki:[0-9a-f]{16}$/);
  t.match(g.detail, /3 devices share one public key .*stm32-20, stm32-21, stm32-22/);
  t.same(g.evidence, ['device-certs:cert device stm32-20', 'device-certs:cert device stm32-21', 'device-certs:cert device stm32-22']);
});

t.test('bad inputs get an error for that device with a clear reason; the other devices are still judged', async (t) => {
  const good = await deviceCert(ca, 'good');
  const der = await deviceCert(ca, 'der-device');
  const full = await deviceCert(ca, 'fullchain');
  const truncated = good.certPem.split('\n').slice(0, 4).join('\n');
  const fleet = writeFleet(
    t,
    {
      'good.pem': good.certPem,
      'garbage.pem': 'this is not a certificate\n',
      'truncated.pem': truncated,
      'key-only.pem': '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n',
      'bad-der.crt': Buffer.from([0x30, 0x82, 0x01, 0x00, 0x01, 0x02]),
      'der-device.crt': Buffer.from(der.cert.rawData),
      'fullchain.pem': full.certPem + ca.certPem,
    },
    { inventory: [{ id: 'ghost', cert: 'devices/missing.pem' }, { id: 'no-cert-on-record' }] },
  );
  symlinkSync(join(fleet.dir, 'nowhere.pem'), join(fleet.dir, 'devices', 'dangling.pem'));
  const doc = await run(fleet);
  const errorOf = (id: string) => {
    const rs = doc.results.filter((r) => r.resource === `device ${id}` && PER_DEVICE.includes(r.control));
    t.same(new Set(rs.map((r) => r.status)), new Set(['error']), `${id}: every per-device control is error`);
    return rs[0]!.detail;
  };
  t.match(errorOf('garbage'), /garbage\.pem: not a certificate: neither PEM .* nor DER/);
  t.match(errorOf('truncated'), /truncated\.pem: truncated PEM: 1 BEGIN line\(s\) but 0 complete block/);
  t.match(errorOf('key-only'), /key-only\.pem: not a certificate: PEM holds no CERTIFICATE block \(found PUBLIC KEY\)/);
  t.match(errorOf('bad-der'), /bad-der\.crt: not a certificate: DER does not parse as X\.509/);
  t.match(errorOf('ghost'), /missing\.pem: ENOENT/);
  t.match(errorOf('dangling'), /dangling\.pem: ENOENT/);
  for (const r of doc.results.filter((x) => x.resource === 'device no-cert-on-record')) t.equal(r.status, 'skipped', `${r.control}: ${r.detail}`);

  // Decided: DER is accepted; a PEM with several certificates is leaf + chain.
  expectDevice(t, doc, 'good', {});
  expectDevice(t, doc, 'der-device', {});
  expectDevice(t, doc, 'fullchain', {});
  const derEv = doc.evidence.find((e) => e.id === 'device-certs:cert device der-device')!.data as { encoding: string };
  t.equal(derEv.encoding, 'der');
  const fullEv = doc.evidence.find((e) => e.id === 'device-certs:cert device fullchain')!.data as { extraCertificates: number; facts: { cn: string } };
  t.equal(fullEv.extraCertificates, 1, 'evidence says the file held one more certificate');
  t.equal(fullEv.facts.cn, 'fullchain', 'the first certificate is the leaf');
  t.equal(doc.results.find((r) => r.control === 'DC-03')!.status, 'pass', 'key reuse judged over the readable certificates');
});

t.test('a missing cert_dir yields an error on that directory; inventory devices are still judged', async (t) => {
  const dir = tempDir(t);
  const dev = await deviceCert(ca, 'stm32-01');
  writeFileSync(join(dir, 'device-ca.pem'), ca.certPem);
  writeFileSync(join(dir, 'stm32-01.pem'), dev.certPem);
  const file = join(dir, 'pathaudit.yaml');
  writeFileSync(file, stringify({ devices: { ca_file: 'device-ca.pem', cert_dir: 'no-such-dir', inventory: [{ id: 'stm32-01', cert: 'stm32-01.pem' }] } }));
  const doc = await runChecks(load(file), ['device-certs']);
  const dirResults = doc.results.filter((r) => r.resource === `cert-dir ${join(dir, 'no-such-dir')}`);
  t.equal(dirResults.length, PER_DEVICE.length);
  for (const r of dirResults) {
    t.equal(r.status, 'error');
    t.match(r.detail, /devices\.cert_dir .*no-such-dir: ENOENT/);
  }
  expectDevice(t, doc, 'stm32-01', {});
});

t.test('without devices.ca_file DC-05 is skipped with the reason', async (t) => {
  const fleet = writeFleet(t, { 'stm32-01.pem': (await deviceCert(ca, 'stm32-01')).certPem }, { ca_file: undefined });
  const doc = await run(fleet);
  expectDevice(t, doc, 'stm32-01', { 'DC-05': 'skipped' });
  t.match(doc.results.find((r) => r.control === 'DC-05')!.detail, /devices\.ca_file not configured/);
});

t.test('DC-08 fails once per device seen in telemetry but not in the inventory, and passes when all are enrolled', async (t) => {
  const fleet = writeFleet(t, { 'stm32-01.pem': (await deviceCert(ca, 'stm32-01')).certPem, 'stm32-02.pem': (await deviceCert(ca, 'stm32-02')).certPem });
  const loaded = load(fleet.file);
  const evidence = await deviceCerts.collect({ config: loaded.config, secrets: loaded.secrets, signal: new AbortController().signal, stepTimeoutMs: 1000, log: silentLogger(), runWindows: [] });
  // The shape the telemetry check publishes (its evidence contract), as another check of the same run would.
  const seen = (devices: string[]): Evidence => ({ key: 'devices-seen devices/+/telemetry', kind: 'telemetry-devices-seen', resource: 'telemetry devices/+/telemetry', data: { devices } });
  const now = new Date();
  const bad = deviceCerts.evaluate({ config: loaded.config, evidence, runEvidence: [...evidence, seen(['stm32-01', 'rogue-7', 'rogue-3'])], now }).filter((r) => r.control === 'DC-08');
  t.same(bad.map((r) => [r.resource, r.status]), [['device rogue-3', 'fail'], ['device rogue-7', 'fail']]);
  t.match(bad[0]!.detail, /"rogue-3" seen \(telemetry-devices-seen on telemetry devices\/\+\/telemetry\) but not in the inventory of 2/);
  t.same(bad[0]!.evidence, ['inventory devices']);
  const good = deviceCerts.evaluate({ config: loaded.config, evidence, runEvidence: [...evidence, seen(['stm32-01', 'stm32-02'])], now }).filter((r) => r.control === 'DC-08');
  t.same(good.map((r) => [r.resource, r.status]), [['device-fleet', 'pass']]);
});

t.test('`pathaudit run --bundle certificate-hygiene` runs device-certs and exits 1 on a critical key-reuse finding', async (t) => {
  const shared = await deviceCert(ca, 'stm32-01');
  const fleet = writeFleet(t, { 'stm32-01.pem': shared.certPem, 'stm32-02.pem': (await deviceCert(ca, 'stm32-02', { reuseKeys: shared })).certPem }, {});
  writeFileSync(fleet.file, stringify({ devices: { ca_file: 'device-ca.pem', cert_dir: 'devices' }, store: { path: 'pathaudit.db' } }));
  const { code, stdout, stderr } = await cli(['run', '--bundle', 'certificate-hygiene', '--config', fleet.file, '--format', 'json', '--fail-on', 'critical']);
  t.equal(code, 1, stderr);
  const doc = JSON.parse(stdout) as RunDocument;
  t.equal(doc.run.bundle, 'certificate-hygiene');
  t.same(doc.run.checks.map((c) => [c.check, c.outcome]), [['device-certs', 'completed']]);
  const finding = doc.findings.find((f) => f.control === 'DC-03');
  t.ok(finding, 'DC-03 finding');
  t.match(finding!.resource, /^key-reuse spki:/);
  t.equal(finding!.severity, 'critical');
});
