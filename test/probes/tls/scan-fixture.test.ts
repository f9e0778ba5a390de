// The TLS scan and its judgement against the raw fixture server: suites no
// OpenSSL 3 server can serve (3DES on TLS 1.0, RC4, NULL, EXPORT), SSLv3,
// preference order, CertificateRequest CA names, and servers that stall,
// answer garbage or close.
import 'reflect-metadata';
import { Name } from '@peculiar/x509';
import t from 'tap';
import { judgeCipherSuites, judgeProtocolVersions, speaksTls } from '../../../probes/tls/judge.js';
import { scanTls, type TlsScan, type VersionScan } from '../../../probes/tls/scan.js';
import { freePort } from '../../helpers/lab.js';
import { startTlsFixture, type FixtureOptions } from '../../helpers/tls-fixture.js';

const TIMEOUT_MS = 1500;

async function scanFixture(t: Parameters<typeof startTlsFixture>[0], o: FixtureOptions, timeoutMs = TIMEOUT_MS): Promise<TlsScan> {
  const f = await startTlsFixture(t, o);
  return scanTls({ host: '127.0.0.1', port: f.port, timeoutMs });
}

const version = (scan: TlsScan, v: string): VersionScan => scan.versions.find((x) => x.version === v)!;
const codes = (v: VersionScan) => v.suites.map((s) => s.code);

t.test('TLS 1.0 with 3DES only: BT-03 fails naming TLSv1, BT-04 fails high naming DES/3DES and the suite in both forms', async (t) => {
  const scan = await scanFixture(t, { accept: { TLSv1: [0x000a] } });
  t.match(version(scan, 'TLSv1'), { status: 'accepted', serverHello: true, suites: [{ code: '0x000A', iana: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', openssl: 'DES-CBC3-SHA' }], hellos: 2 });
  t.match(version(scan, 'SSLv3'), { status: 'refused', refusal: 'fatal alert protocol_version (70)' });
  t.match(version(scan, 'TLSv1.1'), { status: 'refused', refusal: 'ServerHello of TLSv1 instead', serverHello: true });
  t.match(version(scan, 'TLSv1.2'), { status: 'refused', refusal: 'ServerHello of TLSv1 instead' });
  t.equal(version(scan, 'TLSv1.3').status, 'refused');
  t.ok(speaksTls(scan));

  const v = judgeProtocolVersions(scan);
  t.equal(v.status, 'fail');
  t.same(v.accepted, ['TLSv1']);
  t.match(v.detail, /accepted below TLS 1\.2: TLSv1 \(1 suite, e\.g\. TLS_RSA_WITH_3DES_EDE_CBC_SHA \(DES-CBC3-SHA\)\)/);

  const s = judgeCipherSuites(scan);
  t.equal(s.status, 'fail');
  t.equal(s.severity, 'high');
  t.same(s.classes, ['DES/3DES', 'CBC', 'static RSA key exchange', 'SHA-1 MAC']);
  t.match(s.detail, /TLS_RSA_WITH_3DES_EDE_CBC_SHA \(DES-CBC3-SHA\) on TLSv1 \[DES\/3DES, CBC, static RSA key exchange, SHA-1 MAC\]/);
});

for (const [label, code, klass, iana, openssl] of [
  ['RC4', 0x0005, 'RC4', 'TLS_RSA_WITH_RC4_128_SHA', 'RC4-SHA'],
  ['NULL', 0x0002, 'NULL', 'TLS_RSA_WITH_NULL_SHA', 'NULL-SHA'],
  ['EXPORT', 0x0003, 'EXPORT', 'TLS_RSA_EXPORT_WITH_RC4_40_MD5', 'EXP-RC4-MD5'],
  ['anonymous', 0xc018, 'anonymous', 'TLS_ECDH_anon_WITH_AES_128_CBC_SHA', 'AECDH-AES128-SHA'],
] as const) {
  t.test(`${label} on TLS 1.2: BT-04 fails at high and names ${klass}`, async (t) => {
    const scan = await scanFixture(t, { accept: { 'TLSv1.2': [0xc02f, code] } });
    t.same(codes(version(scan, 'TLSv1.2')).sort(), ['0xC02F', `0x${code.toString(16).toUpperCase().padStart(4, '0')}`].sort());
    const s = judgeCipherSuites(scan);
    t.equal(s.status, 'fail');
    t.equal(s.severity, 'high');
    t.ok(s.classes.includes(klass), `classes: ${s.classes.join(', ')}`);
    t.match(s.detail, `${iana} (${openssl}) on TLSv1.2`);
    t.equal(judgeProtocolVersions(scan).status, 'pass', 'only TLS 1.2: BT-03 passes');
  });
}

t.test('CBC with ECDHE on TLS 1.2 only: BT-04 fails at medium (no broken class)', async (t) => {
  const scan = await scanFixture(t, { accept: { 'TLSv1.2': [0xc02f, 0xc013] } });
  const s = judgeCipherSuites(scan);
  t.match(s, { status: 'fail', severity: 'medium', classes: ['CBC', 'SHA-1 MAC'] });
});

t.test('AEAD with ECDHE only, TLS 1.2 and 1.3: both judgements pass; TLS 1.3 suites are counted', async (t) => {
  const scan = await scanFixture(t, { accept: { 'TLSv1.2': [0xc030, 0xc02f], 'TLSv1.3': [0x1302, 0x1301] } });
  t.same(codes(version(scan, 'TLSv1.3')), ['0x1302', '0x1301']);
  t.match(judgeProtocolVersions(scan), { status: 'pass', detail: /SSLv3 refused .*TLSv1 refused .*TLSv1\.1 refused/ });
  const s = judgeCipherSuites(scan);
  t.match(s, { status: 'pass', accepted: 4 });
  t.match(s.detail, /TLS_AES_256_GCM_SHA384/);
});

t.test('an integrity-only TLS 1.3 suite is NULL: BT-04 fails at high', async (t) => {
  const scan = await scanFixture(t, { accept: { 'TLSv1.3': [0x1301, 0xc0b4] } });
  t.match(judgeCipherSuites(scan), { status: 'fail', severity: 'high', classes: ['NULL'] });
});

t.test('SSLv3 accepted: BT-03 fails and names SSLv3; the SSLv3 hello carries no extensions', async (t) => {
  const f = await startTlsFixture(t, { accept: { SSLv3: [0x0005, 0x000a], TLSv1: [0x0005] } });
  const scan = await scanTls({ host: '127.0.0.1', port: f.port, timeoutMs: TIMEOUT_MS, servername: 'gateway.local' });
  t.match(version(scan, 'SSLv3'), { status: 'accepted', suites: [{ openssl: 'RC4-SHA' }, { openssl: 'DES-CBC3-SHA' }] });
  const v = judgeProtocolVersions(scan);
  t.same(v.accepted, ['SSLv3', 'TLSv1']);
  t.match(v.detail, /SSLv3 \(2 suites/);
  t.ok(f.hellos.some((h) => h.asked === 'SSLv3' && h.servername === null), 'no SNI in an SSLv3 hello');
  t.ok(f.hellos.some((h) => h.asked === 'TLSv1.2' && h.servername === 'gateway.local'), 'SNI in a TLS hello');
});

t.test('preference order: the same suites in the other order show whose order rules', async (t) => {
  const server = await scanFixture(t, { accept: { 'TLSv1.2': [0xc030, 0x009c, 0xc02f] }, preference: 'server' });
  const v = version(server, 'TLSv1.2');
  t.same(codes(v), ['0xC030', '0x009C', '0xC02F'], "the pick order is the server's");
  t.equal(v.preference, 'server');
  t.match(v.preferenceHow, /still chose TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384/);

  const client = await scanFixture(t, { accept: { 'TLSv1.2': [0xc030, 0x009c, 0xc02f] }, preference: 'client' });
  const c = version(client, 'TLSv1.2');
  t.same(codes(c), ['0x009C', '0xC02F', '0xC030'], 'the pick order is our offer order (registry order)');
  t.equal(c.preference, 'client');
  t.match(judgeCipherSuites(client).detail, /client's order on TLSv1\.2/);

  const one = await scanFixture(t, { accept: { 'TLSv1.2': [0xc02f] } });
  t.match(version(one, 'TLSv1.2'), { preference: 'unknown', preferenceHow: /one suite/ });
});

t.test('a CertificateRequest in the TLS 1.2 flight: requested, with the CA names decoded', async (t) => {
  const caNames = [Buffer.from(new Name('CN=Device CA, O=Example').toArrayBuffer()), Buffer.from(new Name('CN=Backup CA').toArrayBuffer())];
  const scan = await scanFixture(t, { accept: { 'TLSv1.2': [0xc02f], 'TLSv1.3': [0x1301] }, certificateRequest: { caNames } });
  t.match(scan.clientCertificate, { requested: true, observedOn: 'TLSv1.2', caNames: ['CN=Device CA, O=Example', 'CN=Backup CA'] });
  const none = await scanFixture(t, { accept: { 'TLSv1.2': [0xc02f] } });
  t.match(none.clientCertificate, { requested: false, caNames: [], observedOn: 'TLSv1.2' });
  const tls10 = await scanFixture(t, { accept: { TLSv1: [0x002f] }, certificateRequest: { caNames: [] } });
  t.match(tls10.clientCertificate, { requested: true, caNames: [], observedOn: 'TLSv1' }, 'TLS 1.0 layout, empty CA list ("any CA")');
});

t.test('TLS 1.3 only: a CertificateRequest cannot be seen, and the data says why', async (t) => {
  const scan = await scanFixture(t, { accept: { 'TLSv1.3': [0x1301] } });
  t.match(scan.clientCertificate, { requested: null, observedOn: null, note: /only TLS 1\.3 accepted: its CertificateRequest travels encrypted/ });
});

t.test('a server that insists on P-256: the HelloRetryRequest counts as acceptance and names the suite', async (t) => {
  const f = await startTlsFixture(t, { accept: { 'TLSv1.3': [0x1302, 0x1301] }, helloRetryGroup: 0x0017 });
  const scan = await scanTls({ host: '127.0.0.1', port: f.port, timeoutMs: TIMEOUT_MS });
  t.match(version(scan, 'TLSv1.3'), { status: 'accepted', helloRetryGroup: 'secp256r1' });
  t.same(codes(version(scan, 'TLSv1.3')), ['0x1302', '0x1301']);
  const shares = f.hellos.filter((h) => h.asked === 'TLSv1.3').map((h) => h.keyShareGroups);
  t.same(shares[0], [0x001d], 'the first hello offers x25519');
  t.ok(shares.slice(1).every((g) => g.length === 1 && g[0] === 0x0017), 'later hellos carry a P-256 share');
});

t.test('a stall mid-ServerHello on TLS 1.1: that version is error within its deadline, the others conclude', async (t) => {
  const scan = await scanFixture(t, { accept: { TLSv1: [0x002f], 'TLSv1.1': [0x002f], 'TLSv1.2': [0xc02f] }, misbehave: { 'TLSv1.1': 'stall' } }, 400);
  t.match(version(scan, 'TLSv1.1'), { status: 'error', error: /no ServerHello within 400 ms \(TCP connected, 20 byte\(s\) received\)/ });
  t.match(version(scan, 'TLSv1'), { status: 'accepted' });
  t.match(version(scan, 'TLSv1.2'), { status: 'accepted' });
  t.equal(version(scan, 'SSLv3').status, 'refused');
  const v = judgeProtocolVersions(scan);
  t.equal(v.status, 'fail', 'TLS 1.0 accepted is a failure whatever TLS 1.1 did');
  t.match(v.detail, /not observed: TLSv1\.1/);
  const only11 = await scanFixture(t, { accept: { 'TLSv1.1': [0x002f], 'TLSv1.2': [0xc02f] }, misbehave: { 'TLSv1.1': 'stall' } }, 400);
  t.match(judgeProtocolVersions(only11), { status: 'error', unobserved: ['TLSv1.1'] }, 'never pass on a stalled version');
  t.match(judgeCipherSuites(only11), { status: 'error', detail: /TLSv1\.1: no ServerHello within 400 ms/ }, 'only AEAD seen, but TLS 1.1 was not observed: no pass');
});

t.test('garbage instead of a ServerHello: error with a hex excerpt, never pass', async (t) => {
  const scan = await scanFixture(t, { accept: { 'TLSv1.2': [0xc02f] }, misbehave: { SSLv3: 'garbage', TLSv1: 'garbage', 'TLSv1.1': 'garbage', 'TLSv1.2': 'garbage', 'TLSv1.3': 'garbage' } });
  for (const v of scan.versions) {
    t.match(v, { status: 'error', error: /answer is not TLS: not a TLS record \(content type 0x48\)/, excerpt: /^48 54 54 50 2f 31 2e 31 20 34 30 30/ }, v.version);
  }
  t.notOk(speaksTls(scan));
  t.equal(judgeProtocolVersions(scan).status, 'error');
  t.equal(judgeCipherSuites(scan).status, 'error');
});

t.test('a close without alert, a decode_error alert and a suite that was not offered are errors, not refusals', async (t) => {
  const scan = await scanFixture(t, {
    accept: { TLSv1: [0x002f], 'TLSv1.1': [0x002f], 'TLSv1.2': [0xc02f], 'TLSv1.3': [0x1301] },
    misbehave: { SSLv3: 'close', TLSv1: 'decode-error', 'TLSv1.1': 'unoffered-suite' },
  });
  t.match(version(scan, 'SSLv3'), { status: 'error', error: 'connection closed without an answer or alert' });
  t.match(version(scan, 'TLSv1'), { status: 'error', error: 'the server answered fatal alert decode_error (50)' });
  t.match(version(scan, 'TLSv1.1'), { status: 'error', error: /chose .* which was not offered/ });
  t.match(judgeProtocolVersions(scan), { status: 'error', unobserved: ['SSLv3', 'TLSv1', 'TLSv1.1'] });
  t.match(judgeCipherSuites(scan), { status: 'error', detail: /suites not fully enumerated: SSLv3: connection closed/ });
});

t.test('a listener that refuses TCP: every version is error, nothing is judged pass', async (t) => {
  const port = await freePort();
  const scan = await scanTls({ host: '127.0.0.1', port, timeoutMs: TIMEOUT_MS });
  t.ok(scan.versions.every((v) => v.status === 'error' && /TCP connect failed \(connect ECONNREFUSED/.test(v.error!)));
  t.equal(judgeProtocolVersions(scan).status, 'error');
});

t.test('an abort ends every probe with the reason', async (t) => {
  const all = [0x002f];
  const f = await startTlsFixture(t, {
    accept: { SSLv3: all, TLSv1: all, 'TLSv1.1': all, 'TLSv1.2': all, 'TLSv1.3': [0x1301] },
    misbehave: { SSLv3: 'stall', TLSv1: 'stall', 'TLSv1.1': 'stall', 'TLSv1.2': 'stall', 'TLSv1.3': 'stall' },
  });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const scan = await scanTls({ host: '127.0.0.1', port: f.port, timeoutMs: 60_000, signal: ac.signal });
  for (const v of scan.versions) t.match(v, { status: 'error', error: /aborted/ }, v.version);
});

t.test('a server with no version at all: every version refused, the listener still speaks TLS only if a ServerHello came', async (t) => {
  const scan = await scanFixture(t, { accept: {} });
  t.ok(scan.versions.every((v) => v.status === 'refused'));
  t.notOk(speaksTls(scan), 'alerts alone are not a ServerHello');
  t.match(judgeCipherSuites(scan), { status: 'error', detail: /accepted no version/ });
  t.equal(judgeProtocolVersions(scan).status, 'pass');
});

t.test('internal_error to two hellos of a version is a refusal (OpenSSL 3 with no signature algorithm left for TLS <= 1.1); BT-03 passes on it', async (t) => {
  const f = await startTlsFixture(t, { accept: { 'TLSv1.2': [0xc02f] }, versionAlert: 80 });
  const scan = await scanTls({ host: '127.0.0.1', port: f.port, timeoutMs: TIMEOUT_MS });
  for (const v of ['SSLv3', 'TLSv1', 'TLSv1.1'])
    t.match(version(scan, v), { status: 'refused', hellos: 2, refusal: /internal_error \(80\) to two hellos: the server cannot negotiate/ }, v);
  t.equal(f.hellos.filter((h) => h.asked === 'TLSv1.1').length, 2, 'the hello was repeated once, not more');
  t.equal(judgeProtocolVersions(scan).status, 'pass');
  t.equal(version(scan, 'TLSv1.2').status, 'accepted');
});
