// Interop: the TLS scan against Debian's Mosquitto 2.0 (OpenSSL 3), checked
// against sslscan on the same listeners: a hardened TLS 1.2+ listener, a
// legacy TLS 1.1 one at security level 0, and one that requires client
// certificates but still accepts TLS 1.1. Needs mosquitto and sslscan
// (.ci/run installs both); skips with the reason elsewhere.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { stringify } from 'yaml';
import { SSLSCAN, runSslscan, suiteMapOf } from '../../scripts/bench/sslscan.js';
import { createCa, deviceCert, serverCert } from '../../agent/lab/certs.js';
import { judgeCipherSuites, judgeProtocolVersions } from '../../probes/tls/judge.js';
import { scanTls, type TlsScan } from '../../probes/tls/scan.js';
import { evidenceOf, load, resultOf, runChecks, tempDir } from '../helpers/lab.js';
import { skipReason, startMosquitto, type RunningMosquitto } from './mosquitto.js';

if (!SSLSCAN && process.env.PATHAUDIT_REQUIRE_INTEROP === '1') throw new Error('sslscan is not installed, and PATHAUDIT_REQUIRE_INTEROP=1 requires the interop suite (apt-get install sslscan)');
const skip = skipReason() || (SSLSCAN ? false : 'sslscan is not installed (CI installs it: apt-get install sslscan)');

/**
 * Lets the broker open TLS 1.1 at security level 0 whatever the system's
 * openssl.cnf says (Debian 11 and some images set MinProtocol = TLSv1.2 there).
 * Listeners still narrow it with tls_version and ciphers.
 */
const LEGACY_OPENSSL_CONF = `openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MinProtocol = TLSv1.1
CipherString = DEFAULT:@SECLEVEL=0
`;

interface Setup {
  dir: string;
  m: RunningMosquitto;
  client: { certFile: string; keyFile: string };
}

async function setup(t: Test): Promise<Setup> {
  const dir = tempDir(t);
  const ca = await createCa('CN=interop device CA, O=pathaudit');
  const rsa = await serverCert(ca, { key: { type: 'rsa', bits: 2048 } });
  const ec = await serverCert(ca);
  const probe = await deviceCert(ca, 'pathaudit-probe');
  for (const [name, c] of [['rsa', rsa], ['ec', ec], ['probe', probe]] as const) {
    writeFileSync(join(dir, `${name}.crt`), c.certPem);
    writeFileSync(join(dir, `${name}.key`), c.keyPem, { mode: 0o600 });
  }
  writeFileSync(join(dir, 'ca.pem'), ca.certPem);
  writeFileSync(join(dir, 'openssl-legacy.cnf'), LEGACY_OPENSSL_CONF);
  const m = await startMosquitto('tls-scan', dir, ['HARDENED', 'LEGACY', 'MTLS'], { env: { OPENSSL_CONF: join(dir, 'openssl-legacy.cnf') } });
  t.teardown(() => m.stop());
  return { dir, m, client: { certFile: join(dir, 'probe.crt'), keyFile: join(dir, 'probe.key') } };
}

const scan = (port: number) => scanTls({ host: '127.0.0.1', port, servername: 'gateway.local', timeoutMs: 5000 });
const version = (s: TlsScan, v: string) => s.versions.find((x) => x.version === v)!;

t.test('accepted suites per version equal sslscan on hardened, legacy and mutual-TLS Mosquitto listeners', { skip }, async (t) => {
  const { m, client } = await setup(t);
  for (const [name, port] of [
    ['hardened', m.ports.HARDENED!],
    ['legacy TLS 1.1', m.ports.LEGACY!],
  ] as const) {
    const ours = suiteMapOf(await scan(port));
    const theirs = await runSslscan('127.0.0.1', port);
    t.same(ours.suites, theirs.suites, `${name}: the same suites per version as sslscan`);
    t.same(ours.enabled, theirs.enabled, `${name}: the same versions enabled as sslscan`);
  }
  // sslscan tests TLS ≤ 1.2 suites with complete handshakes: on the mTLS listener it needs a client certificate to see them at all.
  const mtls = await scan(m.ports.MTLS!);
  const withCert = await runSslscan('127.0.0.1', m.ports.MTLS!, client);
  t.same(suiteMapOf(mtls).suites, withCert.suites, 'mTLS listener: the scan, without a certificate, sees what sslscan sees with one');
  const withoutCert = await runSslscan('127.0.0.1', m.ports.MTLS!);
  t.comment(`sslscan without a client certificate on the mTLS listener: ${JSON.stringify(withoutCert.suites)}`);
  t.ok(suiteMapOf(mtls).suites['TLSv1.2']!.length > 0, 'the scan sees TLS 1.2 suites there');
});

t.test('what each Mosquitto listener says to SSLv3, TLS 1.0 and 1.1 hellos; preference; client certificates', { skip: skipReason() }, async (t) => {
  const { m } = await setup(t);
  const hardened = await scan(m.ports.HARDENED!);
  for (const v of ['SSLv3', 'TLSv1', 'TLSv1.1']) t.equal(version(hardened, v).status, 'refused', `hardened: ${v} ${version(hardened, v).refusal}`);
  t.match(version(hardened, 'SSLv3').refusal, /fatal alert (handshake_failure|protocol_version)/, 'OpenSSL 3 refuses an SSLv3 hello with an alert');
  t.comment(`Mosquitto/OpenSSL 3 answer to an SSLv3 hello: ${version(hardened, 'SSLv3').refusal}`);
  t.match(judgeProtocolVersions(hardened), { status: 'pass' });
  t.match(judgeCipherSuites(hardened), { status: 'pass' });
  t.equal(version(hardened, 'TLSv1.2').preference, 'server', 'Mosquitto enforces its own suite order');
  t.match(hardened.clientCertificate, { requested: false, observedOn: 'TLSv1.2' });

  const legacy = await scan(m.ports.LEGACY!);
  t.match(version(legacy, 'TLSv1.1'), { status: 'accepted' });
  t.match(version(legacy, 'TLSv1'), { status: 'refused', refusal: /protocol_version/ }, 'tls_version tlsv1.1 refuses TLS 1.0');
  t.match(judgeCipherSuites(legacy), { status: 'fail', severity: 'medium', classes: ['CBC', 'static RSA key exchange', 'SHA-1 MAC'] });

  const mtls = await scan(m.ports.MTLS!);
  t.match(mtls.clientCertificate, { requested: true, observedOn: 'TLSv1.2' }, 'require_certificate shows as a CertificateRequest');
  t.same(mtls.clientCertificate.caNames, [], 'Mosquitto 2.0 advertises no CA names (its cafile only verifies)');
});

t.test('require_certificate with TLS 1.1 still open: BT-03 fails and names TLS 1.1 (no false pass)', { skip: skipReason() }, async (t) => {
  const { dir, m } = await setup(t);
  const file = join(dir, 'pathaudit.yaml');
  writeFileSync(
    file,
    stringify({
      broker: {
        host: '127.0.0.1',
        servername: 'gateway.local',
        listeners: [
          { name: 'mqtts-mtls', port: m.ports.MTLS!, tls: true },
          { name: 'mqtts', port: m.ports.HARDENED!, tls: true },
        ],
        default_credentials: false,
      },
    }),
  );
  const doc = await runChecks(load(file), ['broker-transport']);
  const bt03 = resultOf(doc, 'BT-03', 'mqtts-mtls ');
  t.equal(bt03.status, 'fail');
  t.match(bt03.detail, /accepted below TLS 1\.2: TLSv1\.1 \(\d+ suites/);
  t.equal(evidenceOf(doc, bt03.evidence[0]!).kind, 'tls-scan');
  t.match(resultOf(doc, 'BT-04', 'mqtts-mtls '), { status: 'fail', detail: /CBC/ });
  t.match(resultOf(doc, 'BT-01', 'mqtts-mtls '), { status: 'pass', detail: /speaks TLS/ }, 'a listener that requires certificates speaks TLS');
  t.match(resultOf(doc, 'BT-03', 'mqtts 127'), { status: 'pass' });
  t.match(resultOf(doc, 'BT-04', 'mqtts 127'), { status: 'pass' });
  t.equal(resultOf(doc, 'BT-05').status, 'pass');
});
