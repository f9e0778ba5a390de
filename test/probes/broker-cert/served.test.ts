// broker-cert against real TLS listeners on loopback: an aedes broker (lab
// hardened profile) serving certificates generated at test time, and a plain
// node:https server standing in for the ingest endpoint.
import { createHash } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { stringify } from 'yaml';
import type { RunDocument } from '../../../agent/runner/document.js';
import { HARDENED_CIPHERS, PROFILES, startLabBroker } from '../../../agent/lab/broker.js';
import { createCa, issue, serverCert, type Issued } from '../../../agent/lab/certs.js';
import { load, runChecks, tempDir } from '../../helpers/lab.js';

const BC = ['BC-01', 'BC-02', 'BC-03', 'BC-04', 'BC-05', 'BC-06', 'BC-07', 'BC-08', 'BC-09'];

interface Scenario {
  /** What the broker serves. */
  served: Issued;
  /** What sits in broker.cert_file (default: the served certificate). */
  onDisk?: Issued;
  keyMode?: number;
  anchor?: Issued;
  config?: Record<string, unknown>;
  broker?: Record<string, unknown>;
}

let ca: Issued;
t.before(async () => {
  ca = await createCa('CN=pathaudit test broker CA');
});

async function audit(t: Test, s: Scenario): Promise<{ doc: RunDocument; port: number; dir: string }> {
  const dir = tempDir(t);
  // Security level 0 lets OpenSSL 3 load SHA-1 signed and RSA-1024 certificates, as an old broker build would.
  const knobs = { ...PROFILES.hardened, tls: { minVersion: 'TLSv1.2' as const, ciphers: `${HARDENED_CIPHERS}:@SECLEVEL=0` } };
  const lab = await startLabBroker({ knobs, server: s.served });
  t.teardown(() => lab.close());
  const port = lab.listeners.find((l) => l.tls)!.port;
  writeFileSync(join(dir, 'ca.pem'), (s.anchor ?? ca).certPem);
  writeFileSync(join(dir, 'server.crt'), (s.onDisk ?? s.served).certPem);
  writeFileSync(join(dir, 'server.key'), s.served.keyPem, { mode: 0o600 });
  chmodSync(join(dir, 'server.key'), s.keyMode ?? 0o600);
  const config = {
    broker: {
      host: '127.0.0.1',
      servername: 'gateway.local',
      listeners: [{ name: 'mqtts', port, tls: true }],
      // Relative paths: resolved against the config file's folder by the loader.
      ca_file: 'ca.pem',
      cert_file: 'server.crt',
      key_file: 'server.key',
      // The lab broker runs in this process, as this user, who owns the key: BC-09's broker user, named so the
      // verdict never depends on which brokers happen to run on this machine.
      user: userInfo().username,
      ...s.broker,
    },
    ...s.config,
  };
  writeFileSync(join(dir, 'pathaudit.yaml'), stringify(config));
  const doc = await runChecks(load(join(dir, 'pathaudit.yaml')), ['broker-cert']);
  return { doc, port, dir };
}

/** Every BC result on the listener and key file: the expected statuses, all others pass. */
function expectOnly(t: Test, doc: RunDocument, expected: Record<string, string>) {
  for (const control of BC) {
    const results = doc.results.filter((r) => r.control === control);
    t.equal(results.length, 1, `${control}: one result (${results.map((r) => r.resource).join(', ')})`);
    const r = results[0]!;
    t.equal(r.status, expected[control] ?? 'pass', `${control} ${r.resource}: ${r.detail}`);
    if (r.status === 'pass' || r.status === 'fail' || r.status === 'warn') t.ok(r.evidence.length > 0, `${control} references evidence`);
  }
}

const served = (doc: RunDocument, port: number) => doc.evidence.find((e) => e.id === `broker-cert:served mqtts 127.0.0.1:${port}`)!.data as { leaf: { sha256: string; daysLeft: number } };
const sha256Of = (i: Issued) => createHash('sha256').update(Buffer.from(i.cert.rawData)).digest('hex');

t.test('a good certificate set yields all nine BC controls pass', async (t) => {
  const cert = await serverCert(ca);
  const { doc, port } = await audit(t, { served: cert });
  expectOnly(t, doc, {});
  t.equal(served(doc, port).leaf.sha256, sha256Of(cert), 'served fingerprint recorded');
});

t.test('an expired served certificate yields BC-01 fail with the served fingerprint, BC-02 skipped, nothing else', async (t) => {
  const cert = await serverCert(ca, { notBeforeDays: -120, notAfterDays: -2 });
  const { doc, port } = await audit(t, { served: cert });
  expectOnly(t, doc, { 'BC-01': 'fail', 'BC-02': 'skipped' });
  const r = doc.results.find((x) => x.control === 'BC-01')!;
  t.match(r.detail, /expired/);
  t.equal(served(doc, port).leaf.sha256, sha256Of(cert), 'evidence carries the served certificate fingerprint');
  t.match(r.evidence, [`broker-cert:served mqtts 127.0.0.1:${port}`]);
});

t.test('a certificate expiring in 10 days yields BC-02 fail at high severity only', async (t) => {
  const { doc } = await audit(t, { served: await serverCert(ca, { notAfterDays: 10 }) });
  expectOnly(t, doc, { 'BC-02': 'fail' });
  const r = doc.results.find((x) => x.control === 'BC-02')!;
  t.equal(r.severity, 'high');
  t.match(r.detail, /expires in (9|10) day/);
});

t.test('a certificate expiring in 45 days yields BC-02 fail at medium severity', async (t) => {
  const { doc } = await audit(t, { served: await serverCert(ca, { notAfterDays: 45 }) });
  expectOnly(t, doc, { 'BC-02': 'fail' });
  t.equal(doc.results.find((x) => x.control === 'BC-02')!.severity, 'medium');
});

t.test('a certificate for another hostname yields BC-03 fail naming the SAN, nothing else', async (t) => {
  const { doc } = await audit(t, { served: await serverCert(ca, { subject: 'CN=gateway.local', dns: ['broker.other.example'], ips: [] }) });
  expectOnly(t, doc, { 'BC-03': 'fail' });
  t.match(doc.results.find((x) => x.control === 'BC-03')!.detail, /"gateway\.local", not covered by SAN DNS \[broker\.other\.example\].*not consulted/);
});

t.test('an IP the devices dial matches IP SANs only, never a DNS SAN', async (t) => {
  const good = await audit(t, { served: await serverCert(ca), broker: { servername: '127.0.0.1' } });
  expectOnly(t, good.doc, {});
  const bad = await audit(t, { served: await serverCert(ca, { dns: ['127.0.0.1'], ips: ['10.0.0.1'] }), broker: { servername: '127.0.0.1' } });
  expectOnly(t, bad.doc, { 'BC-03': 'fail' });
});

t.test('a self-signed certificate without SAN yields BC-04 fail with the validation error and BC-03 warn (CN fallback only)', async (t) => {
  const self = await issue({ subject: 'CN=gateway.local', eku: ['serverAuth'], notAfterDays: 90 });
  const { doc } = await audit(t, { served: self });
  expectOnly(t, doc, { 'BC-04': 'fail', 'BC-03': 'warn' });
  const r = doc.results.find((x) => x.control === 'BC-04')!;
  t.match(r.detail, /self-signed and is not the trust anchor/);
  t.match(r.detail, /OpenSSL: DEPTH_ZERO_SELF_SIGNED_CERT/, 'OpenSSL verifier text is carried too');
  t.match(doc.results.find((x) => x.control === 'BC-03')!.detail, /RFC 9525/);
});

t.test('a certificate from another CA yields BC-04 fail only', async (t) => {
  const other = await createCa('CN=pathaudit test broker CA'); // same name, different key
  const { doc } = await audit(t, { served: await serverCert(other) });
  expectOnly(t, doc, { 'BC-04': 'fail' });
  t.match(doc.results.find((x) => x.control === 'BC-04')!.detail, /does not verify with the key of/);
});

t.test('an RSA-1024 server key yields BC-05 fail only', async (t) => {
  const { doc } = await audit(t, { served: await serverCert(ca, { key: { type: 'rsa', bits: 1024 } }) });
  expectOnly(t, doc, { 'BC-05': 'fail' });
  t.match(doc.results.find((x) => x.control === 'BC-05')!.detail, /RSA 1024 bits \(< 2048\)/);
});

t.test('a SHA-1 signed certificate yields BC-06 fail only', async (t) => {
  const { doc } = await audit(t, { served: await serverCert(ca, { hash: 'SHA-1' }) });
  expectOnly(t, doc, { 'BC-06': 'fail' });
  t.match(doc.results.find((x) => x.control === 'BC-06')!.detail, /ecdsa-with-SHA1/);
});

t.test('a two-year certificate yields BC-07 fail (low) only', async (t) => {
  const { doc } = await audit(t, { served: await serverCert(ca, { notAfterDays: 730 }) });
  expectOnly(t, doc, { 'BC-07': 'fail' });
  t.equal(doc.results.find((x) => x.control === 'BC-07')!.severity, 'low');
});

t.test('a renewed certificate on disk that was not reloaded yields BC-08 fail naming both fingerprints', async (t) => {
  const old = await serverCert(ca, { notAfterDays: 80 });
  const renewed = await serverCert(ca, { notAfterDays: 90 });
  const { doc } = await audit(t, { served: old, onDisk: renewed });
  expectOnly(t, doc, { 'BC-08': 'fail' });
  const r = doc.results.find((x) => x.control === 'BC-08')!;
  t.ok(r.detail.includes(sha256Of(old)) && r.detail.includes(sha256Of(renewed)), 'both fingerprints in the detail');
  t.match(r.detail, /renewal written but not reloaded/);
});

t.test('a key file with mode 0644 yields BC-09 fail; the key bytes never reach the run document', async (t) => {
  const cert = await serverCert(ca);
  const { doc, dir } = await audit(t, { served: cert, keyMode: 0o644 });
  expectOnly(t, doc, { 'BC-09': 'fail' });
  const r = doc.results.find((x) => x.control === 'BC-09')!;
  t.equal(r.resource, `key-file ${join(dir, 'server.key')}`);
  t.match(r.detail, /mode 0644, .*readable by every local account/);
  const body = cert.keyPem.split('\n')[1]!;
  t.notOk(JSON.stringify(doc).includes(body), 'no private key material in the run document');
});

t.test('missing ca_file, cert_file and key_file make BC-04, BC-08, BC-09 skipped with the reason', async (t) => {
  const { doc } = await audit(t, { served: await serverCert(ca), broker: { ca_file: undefined, cert_file: undefined, key_file: undefined } });
  expectOnly(t, doc, { 'BC-04': 'skipped', 'BC-08': 'skipped', 'BC-09': 'skipped' });
  t.match(doc.results.find((x) => x.control === 'BC-04')!.detail, /broker\.ca_file not configured/);
});

t.test('an unreachable TLS listener yields error for BC-01..08 on it; BC-09 is still judged', async (t) => {
  const { doc } = await audit(t, { served: await serverCert(ca), broker: { listeners: [{ name: 'mqtts', port: 1, tls: true }] } });
  for (const c of BC.slice(0, 8)) {
    const r = doc.results.find((x) => x.control === c)!;
    t.equal(r.status, 'error', `${c}: ${r.detail}`);
    t.match(r.detail, /no TLS handshake/);
  }
  t.equal(doc.results.find((x) => x.control === 'BC-09')!.status, 'pass');
});

t.test('an https ingest endpoint is judged too: wrong name there yields BC-03 fail on the ingest resource', async (t) => {
  const ingestCert = await serverCert(ca, { dns: ['relay.other.example'], ips: [] });
  const server = https.createServer({ key: ingestCert.keyPem, cert: ingestCert.certPem }, (_req, res) => res.writeHead(401).end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}/v1/ingest`;
  const { doc } = await audit(t, { served: await serverCert(ca), config: { ingest: { url, servername: 'gateway.local', ca_file: 'ca.pem' } } });
  const resource = `ingest ${url}`;
  const ingest = doc.results.filter((r) => r.resource === resource);
  t.equal(ingest.length, 8, 'BC-01..08 on the ingest resource');
  for (const r of ingest) t.equal(r.status, r.control === 'BC-03' ? 'fail' : r.control === 'BC-08' ? 'skipped' : 'pass', `${r.control}: ${r.detail}`);
  for (const r of doc.results.filter((x) => x.resource.startsWith('mqtts '))) t.equal(r.status, 'pass', `broker ${r.control} unaffected`);
});

t.test('a leaf served with its intermediate validates to the root; without the intermediate BC-04 fails naming the missing issuer', async (t) => {
  const inter = await issue({ subject: 'CN=pathaudit test intermediate', issuer: ca, isCa: true, notAfterDays: 1000 });
  const leaf = await serverCert(inter);
  const withChain = await audit(t, { served: { ...leaf, certPem: `${leaf.certPem.trim()}\n${inter.certPem.trim()}\n` } });
  expectOnly(t, withChain.doc, {});
  t.match(withChain.doc.results.find((x) => x.control === 'BC-04')!.detail, /CN=gateway\.local → CN=pathaudit test intermediate → CN=pathaudit test broker CA/);
  const leafOnly = await audit(t, { served: leaf });
  expectOnly(t, leafOnly.doc, { 'BC-04': 'fail' });
  t.match(leafOnly.doc.results.find((x) => x.control === 'BC-04')!.detail, /issuer "CN=pathaudit test intermediate" .* neither served in the chain nor a trust anchor .*OpenSSL: UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
});
