// The TLS scan against real node:tls servers (OpenSSL 3) on loopback: the
// versions and suites it reports are the ones each server is configured with.
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import t, { type Test } from 'tap';
import { createCa, serverCert, type Issued } from '../../../agent/lab/certs.js';
import { judgeCipherSuites, judgeProtocolVersions, speaksTls } from '../../../probes/tls/judge.js';
import { scanTls, type TlsScan } from '../../../probes/tls/scan.js';

let pki: Promise<{ ca: Issued; rsa: Issued; ec: Issued }> | null = null;
const certificates = () =>
  (pki ??= (async () => {
    const ca = await createCa('CN=scan test CA, O=pathaudit');
    return { ca, rsa: await serverCert(ca, { key: { type: 'rsa', bits: 2048 } }), ec: await serverCert(ca) };
  })());

async function serve(t: Test, opts: tls.TlsOptions): Promise<number> {
  const server = tls.createServer(opts, (s) => s.end());
  server.on('tlsClientError', () => {}); // every scan hello ends the handshake early, on purpose
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as AddressInfo).port;
}

const scan = (port: number) => scanTls({ host: '127.0.0.1', port, servername: 'gateway.local', timeoutMs: 3000 });
const accepted = (s: TlsScan) => Object.fromEntries(s.versions.filter((v) => v.status === 'accepted').map((v) => [v.version, v.suites.map((x) => x.openssl).sort()]));

t.test('TLS 1.2 only with two suites in server order: exactly those, in that order, server preference', async (t) => {
  const { rsa } = await certificates();
  const port = await serve(t, { key: rsa.keyPem, cert: rsa.certPem, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256', honorCipherOrder: true });
  const s = await scan(port);
  t.same(accepted(s), { 'TLSv1.2': ['AES128-SHA', 'ECDHE-RSA-AES128-GCM-SHA256'] });
  const v12 = s.versions.find((v) => v.version === 'TLSv1.2')!;
  t.same(v12.suites.map((x) => x.openssl), ['AES128-SHA', 'ECDHE-RSA-AES128-GCM-SHA256'], "the server's own order");
  t.equal(v12.preference, 'server');
  for (const v of s.versions.filter((x) => x.version !== 'TLSv1.2')) t.equal(v.status, 'refused', `${v.version} refused: ${v.refusal}`);
  t.match(judgeCipherSuites(s), { status: 'fail', severity: 'medium', classes: ['CBC', 'static RSA key exchange', 'SHA-1 MAC'] });
  t.equal(judgeProtocolVersions(s).status, 'pass');
  t.match(s.clientCertificate, { requested: false, observedOn: 'TLSv1.2' });
});

t.test('the same server honouring the client order is seen as client preference', async (t) => {
  const { rsa } = await certificates();
  const port = await serve(t, { key: rsa.keyPem, cert: rsa.certPem, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256', honorCipherOrder: false });
  const v12 = (await scan(port)).versions.find((v) => v.version === 'TLSv1.2')!;
  t.equal(v12.preference, 'client');
  t.same(v12.suites.map((x) => x.code), ['0x002F', '0xC02F'], 'offer order');
});

t.test('TLS 1.0 to 1.2 with a legacy cipher list: every version and exactly the configured suites', async (t) => {
  const { rsa } = await certificates();
  const ciphers = 'ECDHE-RSA-AES256-SHA:AES128-SHA:DHE-RSA-AES128-SHA:ECDHE-RSA-AES256-GCM-SHA384:@SECLEVEL=0';
  // dhparam 'auto': without it OpenSSL serves no DHE suite.
  const port = await serve(t, { key: rsa.keyPem, cert: rsa.certPem, minVersion: 'TLSv1', maxVersion: 'TLSv1.2', ciphers, dhparam: 'auto' });
  const s = await scan(port);
  const cbc = ['AES128-SHA', 'DHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA'];
  t.same(accepted(s), { TLSv1: cbc, 'TLSv1.1': cbc, 'TLSv1.2': [...cbc, 'ECDHE-RSA-AES256-GCM-SHA384'].sort() });
  t.match(s.versions.find((v) => v.version === 'SSLv3'), { status: 'refused' }, 'OpenSSL 3 has no SSLv3');
  const v = judgeProtocolVersions(s);
  t.match(v, { status: 'fail', accepted: ['TLSv1', 'TLSv1.1'] });
  t.ok(speaksTls(s));
});

t.test('TLS 1.3 only with two suites and an EC key: exactly those, and a CertificateRequest that cannot be seen', async (t) => {
  const { ec, ca } = await certificates();
  const port = await serve(t, {
    key: ec.keyPem,
    cert: ec.certPem,
    minVersion: 'TLSv1.3',
    ciphers: 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256', // node takes TLS 1.3 suites in `ciphers`
    requestCert: true,
    ca: ca.certPem,
  });
  const s = await scan(port);
  t.same(accepted(s), { 'TLSv1.3': ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] });
  t.match(judgeCipherSuites(s), { status: 'pass', accepted: 2 });
  t.match(judgeProtocolVersions(s), { status: 'pass' });
  t.match(s.clientCertificate, { requested: null, note: /only TLS 1\.3 accepted/ });
  t.match(s.versions.find((v) => v.version === 'TLSv1.3')!.keyExchange, /^x25519 key share with TLS_/);
});

t.test('a server that requests client certificates on TLS 1.2: requested, with its CA name', async (t) => {
  const { ec, ca } = await certificates();
  const port = await serve(t, { key: ec.keyPem, cert: ec.certPem, minVersion: 'TLSv1.2', requestCert: true, rejectUnauthorized: true, ca: ca.certPem });
  const s = await scan(port);
  t.match(s.clientCertificate, { requested: true, caNames: ['CN=scan test CA, O=pathaudit'], observedOn: 'TLSv1.2' });
  t.ok(s.versions.find((v) => v.version === 'TLSv1.2')!.suites.every((x) => x.openssl?.startsWith('ECDHE-ECDSA-')), 'an EC key: ECDSA suites only');
  t.equal(s.versions.find((v) => v.version === 'TLSv1.3')!.status, 'accepted');
  t.match(s.versions.find((v) => v.version === 'TLSv1.2')!.keyExchange, /^ECDHE x25519 with TLS_ECDHE_ECDSA_/, 'the ServerKeyExchange group of the flight read to ServerHelloDone');
});

t.test('a DHE server: the prime size is read from its ServerKeyExchange', async (t) => {
  const { rsa } = await certificates();
  const port = await serve(t, { key: rsa.keyPem, cert: rsa.certPem, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'DHE-RSA-AES128-GCM-SHA256', dhparam: 'auto' });
  const v12 = (await scan(port)).versions.find((v) => v.version === 'TLSv1.2')!;
  t.match(v12, { status: 'accepted', keyExchange: /^DHE (2048|3072|4096)-bit with TLS_DHE_RSA_WITH_AES_128_GCM_SHA256$/ });
});
