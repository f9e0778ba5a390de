// broker-transport's TLS controls against the raw fixture server: what no
// OpenSSL 3 broker can serve (3DES on TLS 1.0), and answers that are not TLS
// or never finish. BT-03 and BT-04 fail with the version and suite named, or
// give `error` with the reason; never `pass` on what was not observed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { stringify } from 'yaml';
import type { TlsScan } from '../../../probes/tls/scan.js';
import { evidenceOf, load, resultOf, runChecks, tempDir } from '../../helpers/lab.js';
import { startTlsFixture, type FixtureOptions } from '../../helpers/tls-fixture.js';

async function auditFixture(t: Test, o: FixtureOptions, stepMs = 1500) {
  const f = await startTlsFixture(t, o);
  const dir = tempDir(t);
  const file = join(dir, 'pathaudit.yaml');
  writeFileSync(file, stringify({ broker: { host: '127.0.0.1', listeners: [{ name: 'mqtts', port: f.port, tls: true }], default_credentials: false }, runner: { step_timeout_ms: stepMs } }));
  return runChecks(load(file), ['broker-transport']);
}

t.test('TLS 1.0 with 3DES only: BT-03 fails naming TLS 1.0, BT-04 fails at high naming 3DES in both forms', async (t) => {
  const doc = await auditFixture(t, { accept: { TLSv1: [0x000a] } });
  const bt03 = resultOf(doc, 'BT-03', 'mqtts ');
  t.equal(bt03.status, 'fail');
  t.match(bt03.detail, /accepted below TLS 1\.2: TLSv1 \(1 suite, e\.g\. TLS_RSA_WITH_3DES_EDE_CBC_SHA \(DES-CBC3-SHA\)\)/);
  const bt04 = resultOf(doc, 'BT-04', 'mqtts ');
  t.equal(bt04.status, 'fail');
  t.equal(bt04.severity, 'high');
  t.match(bt04.detail, /DES\/3DES/);
  t.match(bt04.detail, /TLS_RSA_WITH_3DES_EDE_CBC_SHA \(DES-CBC3-SHA\) on TLSv1/);
  const scan = evidenceOf(doc, bt04.evidence[0]!);
  t.equal(scan.kind, 'tls-scan');
  t.match((scan.data as TlsScan).versions.find((v) => v.version === 'TLSv1'), { status: 'accepted', suites: [{ code: '0x000A', iana: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', openssl: 'DES-CBC3-SHA' }] });
  t.match(resultOf(doc, 'BT-01', 'mqtts '), { status: 'pass', detail: /speaks TLS/ });
  t.equal(resultOf(doc, 'BT-05').status, 'pass');
});

t.test('garbage instead of TLS: BT-03 and BT-04 are error, the evidence keeps a hex excerpt, nothing TLS passes', async (t) => {
  const all = { SSLv3: 'garbage', TLSv1: 'garbage', 'TLSv1.1': 'garbage', 'TLSv1.2': 'garbage', 'TLSv1.3': 'garbage' } as const;
  const doc = await auditFixture(t, { accept: { 'TLSv1.2': [0xc02f] }, misbehave: all });
  for (const c of ['BT-03', 'BT-04']) {
    const r = resultOf(doc, c, 'mqtts ');
    t.equal(r.status, 'error', `${c}: ${r.detail}`);
    t.match(r.detail, /answer is not TLS/);
  }
  const scan = evidenceOf(doc, resultOf(doc, 'BT-03', 'mqtts ').evidence[0]!).data as TlsScan;
  t.match(scan.versions[0], { status: 'error', excerpt: /^48 54 54 50 / });
  t.not(resultOf(doc, 'BT-01', 'mqtts ').status, 'pass', 'a listener that answers HTTP does not speak TLS');
  t.not(resultOf(doc, 'BT-05').status, 'pass');
});

t.test('a stall mid-ServerHello on TLS 1.1: BT-03 is error naming the deadline; TLS 1.2 is still enumerated', async (t) => {
  const doc = await auditFixture(t, { accept: { 'TLSv1.1': [0x002f], 'TLSv1.2': [0xc02f] }, misbehave: { 'TLSv1.1': 'stall' } }, 600);
  const bt03 = resultOf(doc, 'BT-03', 'mqtts ');
  t.equal(bt03.status, 'error');
  t.match(bt03.detail, /TLSv1\.1: no ServerHello within 600 ms/);
  const scan = evidenceOf(doc, bt03.evidence[0]!).data as TlsScan;
  t.match(scan.versions.find((v) => v.version === 'TLSv1.2'), { status: 'accepted', suites: [{ code: '0xC02F' }] });
  t.equal(resultOf(doc, 'BT-04', 'mqtts ').status, 'error', 'only AEAD seen, but TLS 1.1 was not observed: no pass');
});
