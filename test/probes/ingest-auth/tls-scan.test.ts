// IA-05's protocol and suite part on an ingest endpoint that requires client
// certificates at the TLS layer: the scan reads ServerHellos, which come
// before any certificate is asked for, so versions and suites are judged
// whether or not the probe has a certificate.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { createCa, deviceCert } from '../../../agent/lab/certs.js';
import { evidenceOf, resultOf } from '../../helpers/lab.js';
import { auditIngest, relayPki, type RelayPki } from './relay-helpers.js';
import type { TlsScan } from '../../../probes/tls/scan.js';

async function mtlsOnlyRelay(t: Test, pki: RelayPki, clientCaPem: string, tlsOpts: https.ServerOptions): Promise<string> {
  const server = https.createServer({ key: pki.server.keyPem, cert: pki.server.certPem, requestCert: true, rejectUnauthorized: true, ca: clientCaPem, ...tlsOpts }, (req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(202).end());
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1/ingest`;
}

t.test('an mTLS-only relay that still takes TLS 1.0 and CBC suites: IA-05 fails on both, without a client certificate', async (t) => {
  const pki = await relayPki();
  const deviceCa = await createCa('CN=ingest device CA');
  const url = await mtlsOnlyRelay(t, pki, deviceCa.certPem, { minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
  const { doc } = await auditIngest(t, url, pki, { auth: { type: 'bearer', token_file: 'secrets/ingest-token' } }, { 'ingest-token': 'not-a-certificate' });
  const ia05 = resultOf(doc, 'IA-05');
  t.equal(ia05.status, 'fail');
  t.equal(ia05.severity, 'high');
  t.match(ia05.detail, /accepted below TLS 1\.2: TLSv1 \(\d+ suites.*TLSv1\.1 \(\d+ suites/);
  t.match(ia05.detail, /weak suites accepted \(.*CBC/);
  const scan = doc.evidence.find((e) => e.kind === 'tls-scan')!;
  t.ok(ia05.evidence.includes(scan.id), 'cites the TLS scan');
  t.match((scan.data as TlsScan).clientCertificate, { requested: true, caNames: ['CN=ingest device CA'] }, 'the relay asks for a certificate from its device CA');
});

t.test('an mTLS-only relay with TLS 1.2+ and AEAD suites, probed with a device certificate: IA-05 passes', async (t) => {
  const pki = await relayPki();
  const deviceCa = await createCa('CN=ingest device CA');
  const device = await deviceCert(deviceCa, 'pathaudit-probe');
  const url = await mtlsOnlyRelay(t, pki, deviceCa.certPem, { minVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305' });
  const { doc } = await auditIngest(
    t,
    url,
    pki,
    { auth: { type: 'client-cert', cert_file: 'secrets/device.crt', key_file: 'secrets/device.key' } },
    { 'device.crt': device.certPem, 'device.key': device.keyPem },
  );
  const ia05 = resultOf(doc, 'IA-05');
  t.equal(ia05.status, 'pass', ia05.detail);
  t.match(ia05.detail, /TLS below 1\.2 refused .*none in a weak class/);
  const scan = evidenceOf(doc, ia05.evidence.find((id) => id.includes('tls-scan'))!).data as TlsScan;
  t.same(
    scan.versions.filter((v) => v.status === 'accepted').map((v) => v.version),
    ['TLSv1.2', 'TLSv1.3'],
  );
});
