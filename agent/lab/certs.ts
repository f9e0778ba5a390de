// Certificate factory for the lab, tests and the demo: CAs, server and device
// certificates made at run time (never committed), with knobs for every
// weakness the identity checks look for.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

export type KeySpec = { type: 'ec'; curve?: 'P-256' | 'P-384' } | { type: 'rsa'; bits?: number };

export interface Issued {
  cert: x509.X509Certificate;
  certPem: string;
  keyPem: string;
  keys: webcrypto.CryptoKeyPair;
  /** Algorithm parameters used to sign with this key (when it is a CA). */
  signing: webcrypto.Algorithm & { hash?: string; namedCurve?: string };
}

export interface CertOptions {
  subject: string;
  key?: KeySpec;
  /** Reuse an existing key pair (two devices sharing one key: DC-03). */
  reuseKeys?: Issued;
  issuer?: Issued;
  /** Days relative to now; negative for the past. */
  notBeforeDays?: number;
  notAfterDays?: number;
  dns?: string[];
  ips?: string[];
  isCa?: boolean;
  /** Extended key usages: 'serverAuth' | 'clientAuth'. */
  eku?: Array<'serverAuth' | 'clientAuth'>;
  hash?: 'SHA-1' | 'SHA-256' | 'SHA-384';
  serial?: string;
}

const DAY = 86_400_000;
let serialCounter = 1;

function algorithmFor(spec: KeySpec, hash: string): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams {
  if (spec.type === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', modulusLength: spec.bits ?? 2048, publicExponent: new Uint8Array([1, 0, 1]), hash };
  return { name: 'ECDSA', namedCurve: spec.curve ?? 'P-256' };
}

export async function generateKeys(spec: KeySpec = { type: 'ec' }, hash = 'SHA-256'): Promise<{ keys: webcrypto.CryptoKeyPair; signing: Issued['signing'] }> {
  const alg = algorithmFor(spec, hash);
  const keys = await webcrypto.subtle.generateKey(alg as never, true, ['sign', 'verify']);
  const signing = spec.type === 'rsa' ? { name: 'RSASSA-PKCS1-v1_5', hash } : { name: 'ECDSA', hash, namedCurve: spec.curve ?? 'P-256' };
  return { keys, signing };
}

async function keyPemOf(keys: webcrypto.CryptoKeyPair): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

export async function issue(o: CertOptions): Promise<Issued> {
  const hash = o.hash ?? 'SHA-256';
  const spec = o.key ?? { type: 'ec' };
  const own = o.reuseKeys ? { keys: o.reuseKeys.keys, signing: o.reuseKeys.signing } : await generateKeys(spec, hash);
  const extensions: x509.Extension[] = [];
  extensions.push(new x509.BasicConstraintsExtension(Boolean(o.isCa), undefined, true));
  if (o.isCa) extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true));
  else extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true));
  if (o.eku?.length) {
    const oids = o.eku.map((e) => (e === 'serverAuth' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth));
    extensions.push(new x509.ExtendedKeyUsageExtension(oids, false));
  }
  const names: x509.JsonGeneralName[] = [...(o.dns ?? []).map((value) => ({ type: 'dns' as const, value })), ...(o.ips ?? []).map((value) => ({ type: 'ip' as const, value }))];
  if (names.length) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(own.keys.publicKey));
  if (o.issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(o.issuer.cert));

  const now = Date.now();
  const signer = o.issuer ?? { keys: own.keys, signing: own.signing };
  const signingAlgorithm = { ...signer.signing, hash };
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: o.serial ?? (serialCounter++).toString(16).padStart(8, '0') + Math.floor(Math.random() * 0xffff).toString(16).padStart(4, '0'),
    subject: o.subject,
    issuer: o.issuer ? o.issuer.cert.subject : o.subject,
    notBefore: new Date(now + (o.notBeforeDays ?? -1) * DAY),
    notAfter: new Date(now + (o.notAfterDays ?? 365) * DAY),
    publicKey: own.keys.publicKey as never,
    signingKey: signer.keys.privateKey as never,
    signingAlgorithm: signingAlgorithm as never,
    extensions,
  });
  return { cert, certPem: cert.toString('pem'), keyPem: await keyPemOf(own.keys), keys: own.keys, signing: own.signing };
}

export function createCa(subject = 'CN=pathaudit lab CA', opts: Partial<CertOptions> = {}): Promise<Issued> {
  return issue({ subject, isCa: true, notAfterDays: 3650, ...opts });
}

/** A server certificate for the lab's listeners: names devices dial plus loopback. */
export function serverCert(ca: Issued, opts: Partial<CertOptions> = {}): Promise<Issued> {
  return issue({ subject: 'CN=gateway.local', issuer: ca, dns: ['gateway.local', 'localhost'], ips: ['127.0.0.1', '::1'], eku: ['serverAuth'], notAfterDays: 90, ...opts });
}

export function deviceCert(ca: Issued, deviceId: string, opts: Partial<CertOptions> = {}): Promise<Issued> {
  return issue({ subject: `CN=${deviceId}`, issuer: ca, eku: ['clientAuth'], notAfterDays: 365, ...opts });
}
