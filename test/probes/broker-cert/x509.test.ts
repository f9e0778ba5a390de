// probes/x509.ts: parsing facts and pure judgement, on certificates generated at test time.
import { createHash, X509Certificate } from 'node:crypto';
import t from 'tap';
import { createCa, issue, serverCert, type Issued } from '../../../agent/lab/certs.js';
import { certificateWeaknesses, matchName, parseCertificate, readCertificates, verifyChain, type CertFacts } from '../../../probes/x509.js';

let ca: Issued;
t.before(async () => {
  ca = await createCa('CN=x509 test CA');
});

t.test('parseCertificate reads PEM and DER to the same facts, with SPKI and certificate SHA-256', async (t) => {
  const s = await serverCert(ca);
  const der = Buffer.from(s.cert.rawData);
  const fromPem = parseCertificate(s.certPem);
  const fromDer = parseCertificate(der);
  t.same(fromDer, { ...fromPem, daysLeft: fromDer.daysLeft });
  t.equal(fromPem.sha256, createHash('sha256').update(der).digest('hex'));
  const spki = new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
  t.equal(fromPem.spkiSha256, createHash('sha256').update(spki).digest('hex'), 'SPKI located by the DER walk equals what OpenSSL exports');
  t.match(fromPem, {
    subject: 'CN=gateway.local',
    cn: 'gateway.local',
    issuer: 'CN=x509 test CA',
    san: { present: true, dns: ['gateway.local', 'localhost'], ip: ['127.0.0.1', '0:0:0:0:0:0:0:1'] },
    keyType: 'EC',
    keyBits: 256,
    curve: 'prime256v1',
    signatureAlgorithm: 'ecdsa-with-SHA256',
    isCa: false,
    ekus: ['serverAuth'],
    selfSigned: false,
  });
  t.equal(parseCertificate(ca.certPem).isCa, true);
  t.equal(parseCertificate(ca.certPem).selfSigned, true);
});

t.test('parseCertificate throws a clear error on garbage, truncated PEM and non-certificate PEM', async (t) => {
  t.throws(() => parseCertificate('hello'), /not a certificate: neither PEM/);
  t.throws(() => parseCertificate(Buffer.alloc(0)), /empty input/);
  t.throws(() => parseCertificate(ca.certPem.slice(0, 120)), /truncated PEM/);
  t.throws(() => parseCertificate('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'), /holds no CERTIFICATE block \(found PRIVATE KEY\)/);
  t.throws(() => parseCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), /DER does not parse as X\.509/);
  t.equal(readCertificates(ca.certPem + ca.certPem).ders.length, 2, 'every block of a bundle is read');
});

t.test('certificateWeaknesses names expiry, not-yet-valid, weak RSA key and SHA-1 signature', async (t) => {
  const now = new Date();
  const good = parseCertificate((await serverCert(ca)).certPem);
  t.same(certificateWeaknesses(good, now), []);
  const bad = parseCertificate((await issue({ subject: 'CN=bad', issuer: ca, key: { type: 'rsa', bits: 1024 }, hash: 'SHA-1', notBeforeDays: -30, notAfterDays: -1 })).certPem);
  const w = certificateWeaknesses(bad, now);
  t.equal(w.length, 3);
  t.match(w[0], /^expired /);
  t.match(w[1], /weak key: RSA 1024 bits/);
  t.match(w[2], /weak signature: ecdsa-with-SHA1/);
  const future = parseCertificate((await issue({ subject: 'CN=later', issuer: ca, notBeforeDays: 5, notAfterDays: 50 })).certPem);
  t.match(certificateWeaknesses(future, now), [/not yet valid/]);
  const rsaSha1 = parseCertificate((await issue({ subject: 'CN=rsa', key: { type: 'rsa', bits: 2048 }, hash: 'SHA-1' })).certPem);
  t.equal(rsaSha1.signatureAlgorithm, 'sha1WithRSAEncryption');
  t.match(certificateWeaknesses(rsaSha1, now), [/weak signature: sha1WithRSAEncryption/]);
});

t.test('matchName follows RFC 6125: one-label wildcards, IPs against IP SANs only, CN only without SAN', async (t) => {
  const facts = (dns: string[], ip: string[], cn: string | null, present = true) => ({ san: { present, dns, ip }, cn }) as Pick<CertFacts, 'san' | 'cn'>;
  const wild = facts(['*.gw.example', 'exact.example'], ['10.0.0.1', '0:0:0:0:0:0:0:1'], 'cn.example');
  t.ok(matchName(wild, 'a.gw.example').matched);
  t.ok(matchName(wild, 'A.GW.example.').matched, 'case and trailing dot insensitive');
  t.notOk(matchName(wild, 'a.b.gw.example').matched, 'wildcard is one label deep');
  t.notOk(matchName(wild, 'gw.example').matched, 'wildcard needs a label');
  t.notOk(matchName(wild, 'cn.example').matched, 'no CN fallback when SAN present');
  t.same(matchName(wild, '10.0.0.1').via, 'ip-san');
  t.ok(matchName(wild, '::1').matched, 'IPv6 compared in canonical form');
  t.notOk(matchName(facts(['10.0.0.2'], [], null), '10.0.0.2').matched, 'an IP never matches a DNS SAN');
  t.notOk(matchName(facts([], [], '10.0.0.3', false), '10.0.0.3').matched, 'an IP never matches the CN');
  t.same(matchName(facts([], [], 'gateway.local', false), 'gateway.local').via, 'cn-fallback');
  t.notOk(matchName(facts(['*.example'], [], null), 'a.example').matched, 'no wildcard over a single-label parent');
});

t.test('verifyChain follows served intermediates to the anchor and says why it fails', async (t) => {
  const inter = await issue({ subject: 'CN=x509 intermediate', issuer: ca, isCa: true });
  const leaf = await issue({ subject: 'CN=leaf', issuer: inter, dns: ['leaf.example'] });
  const der = (i: Issued) => Buffer.from(i.cert.rawData);
  t.same(verifyChain(der(leaf), [der(inter)], [der(ca)]), { valid: true, path: ['CN=leaf', 'CN=x509 intermediate', 'CN=x509 test CA'], error: null });
  t.match(verifyChain(der(leaf), [], [der(ca)]).error, /issuer "CN=x509 intermediate" of "CN=leaf" is neither served in the chain nor a trust anchor/);
  const notCa = await issue({ subject: 'CN=not a ca', issuer: ca });
  const under = await issue({ subject: 'CN=under', issuer: notCa });
  t.match(verifyChain(der(under), [der(notCa)], [der(ca)]).error, /"CN=not a ca" signed "CN=under" but is not a CA certificate/);
  const expired = await issue({ subject: 'CN=old', issuer: ca, notBeforeDays: -10, notAfterDays: -1 });
  t.equal(verifyChain(der(expired), [], [der(ca)]).valid, true, 'time is not judged here (expiry has its own controls)');
});

t.test('key type and size read from the SPKI DER agree with OpenSSL for RSA and EC keys', async (t) => {
  for (const key of [{ type: 'rsa', bits: 1024 }, { type: 'rsa', bits: 2048 }, { type: 'rsa', bits: 3072 }, { type: 'ec', curve: 'P-256' }, { type: 'ec', curve: 'P-384' }] as const) {
    const c = await issue({ subject: 'CN=k', key });
    const facts = parseCertificate(c.certPem);
    const details = new X509Certificate(c.certPem).publicKey.asymmetricKeyDetails!;
    t.equal(facts.keyBits, details.modulusLength ?? (details.namedCurve === 'prime256v1' ? 256 : 384), `${JSON.stringify(key)}: ${facts.keyType} ${facts.keyBits}`);
    t.equal(facts.curve, details.namedCurve ?? null);
  }
});
