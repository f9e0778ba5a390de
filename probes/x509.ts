// Reusable X.509 collector and judgement, shared by broker-cert, device-certs
// and ingest-auth (IA-05). Parsing turns a certificate (PEM or DER) into
// plain, JSON-safe facts that can be stored as evidence; judgement is pure and
// works on those facts plus an injected `now`.
//
// node:crypto's X509Certificate (OpenSSL) does the parsing, fingerprints, key
// details, basicConstraints (`ca`), EKU (`keyUsage`), SAN and signature
// verification. The one thing Node 20 lacks is the signature algorithm: a
// short DER read of the outer AlgorithmIdentifier gives its OID. (A full
// @peculiar/x509 parse costs ~2 ms per certificate, too slow for a fleet of
// 1,000 devices in the certificate-hygiene budget.)
import { createHash, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

export interface CertFacts {
  subject: string;
  /** The subject's commonName, or null when it has none. */
  cn: string | null;
  issuer: string;
  /** Serial number, uppercase hex as OpenSSL prints it. */
  serial: string;
  /** Subject alternative names; `present` is false when the certificate has no SAN extension at all. */
  san: { present: boolean; dns: string[]; ip: string[] };
  notBefore: string;
  notAfter: string;
  /** Whole days from parse time to notAfter (negative once expired); judgement recomputes it from `now`. */
  daysLeft: number;
  /** Validity span notAfter - notBefore, in days. */
  validityDays: number;
  keyType: string;
  /** RSA/DSA modulus size; for EC the curve's field size (P-256 → 256). */
  keyBits: number | null;
  curve: string | null;
  /** OpenSSL short name of the signature algorithm, e.g. `ecdsa-with-SHA256`, `sha1WithRSAEncryption`. */
  signatureAlgorithm: string;
  signatureAlgorithmOid: string;
  /** basicConstraints cA (false when the extension is absent, RFC 5280 §4.2.1.9). */
  isCa: boolean;
  /** Extended key usages by name (`serverAuth`, `clientAuth`, or the OID when unnamed); null when the extension is absent (any purpose). */
  ekus: string[] | null;
  selfSigned: boolean;
  /** SHA-256 of the DER certificate, lowercase hex. */
  sha256: string;
  /** SHA-256 of the DER SubjectPublicKeyInfo, lowercase hex: equal keys ⇔ equal SPKI hashes. */
  spkiSha256: string;
}

const SIGNATURE_OIDS: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.2.840.10040.4.3': 'dsa-with-SHA1',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
};

const EKU_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
};

const CURVE_BITS: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521, secp256k1: 256, secp224r1: 224, prime192v1: 192 };

/** SPKI algorithm and named-curve OIDs (RFC 3279, RFC 5480, RFC 8410) read straight from the DER. */
const KEY_OIDS: Record<string, string> = { '1.2.840.113549.1.1.1': 'RSA', '1.2.840.10045.2.1': 'EC', '1.3.101.112': 'ED25519', '1.3.101.113': 'ED448' };
const CURVE_OIDS: Record<string, string> = {
  '1.2.840.10045.3.1.7': 'prime256v1',
  '1.3.132.0.34': 'secp384r1',
  '1.3.132.0.35': 'secp521r1',
  '1.3.132.0.10': 'secp256k1',
  '1.3.132.0.33': 'secp224r1',
  '1.2.840.10045.3.1.1': 'prime192v1',
};

const DAY_MS = 86_400_000;

// ── input forms ─────────────────────────────────────────────────────────────

export interface CertificateInput {
  /** The DER of every CERTIFICATE block, in file order (the first is the leaf). */
  ders: Buffer[];
  encoding: 'pem' | 'der';
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/**
 * Splits file content into certificate DERs. Accepts PEM (one or more
 * CERTIFICATE blocks; the first is the leaf, further ones are its chain as in
 * a fullchain file) and raw DER. Throws a clear Error for everything else:
 * truncated PEM, a PEM without certificates, bytes that are neither.
 */
export function readCertificates(input: Buffer | string): CertificateInput {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  if (buf.length === 0) throw new Error('not a certificate: empty input');
  // DER certificates start with SEQUENCE (0x30) and a long-form length.
  if (buf[0] === 0x30 && (buf[1] === 0x82 || buf[1] === 0x81)) return { ders: [buf], encoding: 'der' };
  const text = buf.toString('latin1');
  const begins = text.match(/-----BEGIN [A-Z0-9 ]+-----/g) ?? [];
  if (!begins.length) throw new Error('not a certificate: neither PEM (no "-----BEGIN CERTIFICATE-----") nor DER');
  const ders: Buffer[] = [];
  let complete = 0;
  for (const m of text.matchAll(PEM_BLOCK)) {
    complete += 1;
    if (m[1] !== 'CERTIFICATE') continue; // keys, CSRs: never parsed, never copied
    const body = m[2]!.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new Error(`malformed PEM: certificate block ${ders.length + 1} is not base64`);
    ders.push(Buffer.from(body, 'base64'));
  }
  if (complete < begins.length) throw new Error(`truncated PEM: ${begins.length} BEGIN line(s) but ${complete} complete block(s)`);
  if (!ders.length) throw new Error(`not a certificate: PEM holds no CERTIFICATE block (found ${begins.map((b) => b.slice(11, -5)).join(', ')})`);
  return { ders, encoding: 'pem' };
}

// ── parsing ─────────────────────────────────────────────────────────────────

/** Reads one DER TLV header at `at`: [contentStart, contentLength]. */
function tlv(der: Buffer, at: number): [number, number] {
  const first = der[at + 1];
  if (first === undefined) throw new Error('DER truncated');
  if (first < 0x80) return [at + 2, first];
  const n = first & 0x7f;
  if (n < 1 || n > 4) throw new Error('DER length form unsupported');
  let len = 0;
  for (let i = 0; i < n; i += 1) len = len * 256 + (der[at + 2 + i] ?? 0);
  return [at + 2 + n, len];
}

function oidText(bytes: Buffer): string {
  const parts = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let v = 0;
  for (let i = 1; i < bytes.length; i += 1) {
    v = v * 128 + (bytes[i]! & 0x7f);
    if (!(bytes[i]! & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, signature } (RFC 5280 §4.1). */
function outerSignatureOid(der: Buffer): string {
  const [certBody] = tlv(der, 0);
  const [tbsBody, tbsLen] = tlv(der, certBody);
  const [algBody] = tlv(der, tbsBody + tbsLen);
  if (der[algBody] !== 0x06) throw new Error('signatureAlgorithm holds no OID');
  const [oidBody, oidLen] = tlv(der, algBody);
  return oidText(der.subarray(oidBody, oidBody + oidLen));
}

/** The DER SubjectPublicKeyInfo TLV inside tbsCertificate (RFC 5280 §4.1: [0] version?, serial, signature, issuer, validity, subject, spki). */
function spkiOf(der: Buffer): Buffer {
  const [certBody] = tlv(der, 0);
  let [at] = tlv(der, certBody);
  for (let field = 0; field < 7; field += 1) {
    const tag = der[at];
    const [body, len] = tlv(der, at);
    if (field === 0 && tag !== 0xa0) field += 1; // version absent (v1)
    if (field === 6) return der.subarray(at, body + len);
    at = body + len;
  }
  throw new Error('SubjectPublicKeyInfo not found');
}

type KeyFacts = Pick<CertFacts, 'keyType' | 'keyBits' | 'curve'>;

/**
 * Key type and size from the SPKI DER (RSA, EC, Ed25519/448): building a
 * KeyObject per certificate costs more than parsing the whole certificate, and
 * a fleet has thousands. Null for other algorithms (then OpenSSL is asked).
 */
function keyOfSpki(spki: Buffer): KeyFacts | null {
  try {
    const [spkiBody] = tlv(spki, 0);
    const [algBody, algLen] = tlv(spki, spkiBody);
    const [oidBody, oidLen] = tlv(spki, algBody);
    const keyType = KEY_OIDS[oidText(spki.subarray(oidBody, oidBody + oidLen))];
    if (!keyType) return null;
    if (keyType === 'ED25519' || keyType === 'ED448') return { keyType, keyBits: keyType === 'ED25519' ? 256 : 456, curve: null };
    if (keyType === 'EC') {
      const paramAt = oidBody + oidLen;
      if (spki[paramAt] !== 0x06) return null; // explicit curve parameters: let OpenSSL describe them
      const [cBody, cLen] = tlv(spki, paramAt);
      const curve = CURVE_OIDS[oidText(spki.subarray(cBody, cBody + cLen))];
      return curve ? { keyType, keyBits: CURVE_BITS[curve] ?? null, curve } : null;
    }
    // RSA: BIT STRING { 0 unused bits, RSAPublicKey SEQUENCE { modulus INTEGER, exponent INTEGER } }
    const [bitBody] = tlv(spki, algBody + algLen);
    const [rsaBody] = tlv(spki, bitBody + 1);
    const [nBody, nLen] = tlv(spki, rsaBody);
    let start = nBody;
    while (spki[start] === 0 && start < nBody + nLen) start += 1;
    const bytes = nBody + nLen - start;
    return { keyType, keyBits: bytes ? (bytes - 1) * 8 + (32 - Math.clz32(spki[start]!)) : 0, curve: null };
  } catch {
    return null;
  }
}

function keyOfKeyObject(node: X509Certificate): KeyFacts {
  const key = node.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  const curve = details.namedCurve ?? null;
  return { keyType: (key.asymmetricKeyType ?? 'unknown').toUpperCase(), keyBits: details.modulusLength ?? (curve ? (CURVE_BITS[curve] ?? null) : null), curve };
}

/** Node prints SAN as `DNS:a, IP Address:1.2.3.4`, JSON-quoting values that hold separators (CVE-2021-44532). */
function parseSubjectAltName(text: string | undefined): CertFacts['san'] {
  const san = { present: text !== undefined, dns: [] as string[], ip: [] as string[] };
  for (const m of (text ?? '').matchAll(/([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g)) {
    const value = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
    if (m[1] === 'DNS') san.dns.push(value);
    else if (m[1] === 'IP Address') san.ip.push(normalizeIp(value));
  }
  return san;
}

const cnOf = (subject: string): string | null => {
  const line = subject.split('\n').find((l) => l.startsWith('CN='));
  return line ? line.slice(3) : null;
};

/** The RFC 4514-ish one-line form of a Node subject/issuer ("CN=a\nO=b" → "CN=a, O=b"). */
const oneLine = (name: string) => name.split('\n').filter(Boolean).join(', ');

export function normalizeIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  // Expand "::" and drop leading zeros so textual variants compare equal.
  const [head, tail] = ip.toLowerCase().split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16).toString(16)).join(':');
}

/**
 * Parses one certificate (PEM or DER; from a PEM with several certificates
 * the first is taken — use readCertificates to get them all). Throws an Error
 * whose message says what is wrong with the input.
 */
export function parseCertificate(input: Buffer | string, now: Date = new Date()): CertFacts {
  return inspectCertificate(readCertificates(input).ders[0]!, now).facts;
}

/** Facts plus the parsed OpenSSL object, for callers that go on to verify the chain (parse once per certificate). */
export function inspectCertificate(der: Buffer, now: Date = new Date()): { facts: CertFacts; x509: X509Certificate } {
  let node: X509Certificate;
  let sigOid: string;
  let spki: Buffer;
  try {
    node = new X509Certificate(der);
    sigOid = outerSignatureOid(der);
    spki = spkiOf(der);
  } catch (err) {
    throw new Error(`not a certificate: DER does not parse as X.509 (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`, { cause: err });
  }
  const { keyType, keyBits, curve } = keyOfSpki(spki) ?? keyOfKeyObject(node);
  const notBefore = new Date(node.validFrom);
  const notAfter = new Date(node.validTo);
  const ekus = node.keyUsage as string[] | undefined;
  const facts: CertFacts = {
    subject: oneLine(node.subject),
    cn: cnOf(node.subject),
    issuer: oneLine(node.issuer),
    serial: node.serialNumber.toUpperCase(),
    san: parseSubjectAltName(node.subjectAltName),
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    daysLeft: daysLeft({ notAfter: notAfter.toISOString() }, now),
    validityDays: Math.round((notAfter.getTime() - notBefore.getTime()) / DAY_MS),
    keyType,
    keyBits,
    curve,
    signatureAlgorithm: SIGNATURE_OIDS[sigOid] ?? sigOid,
    signatureAlgorithmOid: sigOid,
    // X509Certificate.ca is OpenSSL's X509_check_ca() == 1: basicConstraints cA:TRUE.
    isCa: node.ca,
    ekus: ekus ? ekus.map((u) => EKU_NAMES[u] ?? u) : null,
    selfSigned: node.subject === node.issuer && node.verify(node.publicKey),
    sha256: createHash('sha256').update(der).digest('hex'),
    spkiSha256: createHash('sha256').update(spki).digest('hex'),
  };
  return { facts, x509: node };
}

// ── judgement (pure) ────────────────────────────────────────────────────────

/** The certificates read from a file (a trust anchor, a certificate on disk), or why they could not be. */
export interface CertFileData {
  file: string;
  certificates?: CertFacts[];
  error?: string;
}

/** A trust anchor file as recorded by broker-cert (the anchor devices pin) and device-certs (the device CA). */
export const TRUST_ANCHOR_KIND = 'x509-trust-anchor';

/** Whole days left (truncated toward zero: 9.9 days left is 9, 2.5 days ago is -2). */
export const daysLeft = (facts: Pick<CertFacts, 'notAfter'>, now: Date) => Math.trunc((Date.parse(facts.notAfter) - now.getTime()) / DAY_MS);
export const isExpired = (facts: CertFacts, now: Date) => Date.parse(facts.notAfter) <= now.getTime();
export const isNotYetValid = (facts: CertFacts, now: Date) => Date.parse(facts.notBefore) > now.getTime();

/** RSA/DSA below 2048 bits or EC below 256 bits (NIST SP 800-57 112-bit floor); null when strong. */
export function weakKeyReason(facts: CertFacts): string | null {
  if (facts.keyType === 'RSA' || facts.keyType === 'RSA-PSS' || facts.keyType === 'DSA')
    return facts.keyBits !== null && facts.keyBits < 2048 ? `${facts.keyType} ${facts.keyBits} bits (< 2048)` : null;
  if (facts.keyType === 'EC') return facts.keyBits === null || facts.keyBits < 256 ? `EC ${facts.curve ?? 'unknown curve'} (< 256 bits)` : null;
  if (facts.keyType === 'ED25519' || facts.keyType === 'ED448') return null;
  return `unrecognised key type ${facts.keyType}`;
}

/** SHA-1 and MD5 signatures are forgeable by chosen-prefix collision (SHAttered, 2017; MD5 since 2008). */
export function weakSignatureReason(facts: CertFacts): string | null {
  return /md5|sha1|SHA1/i.test(facts.signatureAlgorithm) ? `${facts.signatureAlgorithm} signature (SHA-1/MD5 collisions are practical)` : null;
}

export function describeValidity(facts: CertFacts, now: Date): string {
  const d = daysLeft(facts, now);
  if (isNotYetValid(facts, now)) return `not valid before ${facts.notBefore}`;
  return d < 0 || isExpired(facts, now) ? `expired ${facts.notAfter} (${-d} day(s) ago)` : `valid until ${facts.notAfter} (${d} day(s) left)`;
}

/**
 * The weaknesses any TLS or device certificate is judged on: expired, not yet
 * valid, weak key, SHA-1/MD5 signature. Empty when none. Each entry is a
 * sentence fragment fit for a result's detail.
 */
export function certificateWeaknesses(facts: CertFacts, now: Date): string[] {
  const out: string[] = [];
  if (isExpired(facts, now)) out.push(`expired ${facts.notAfter} (${-daysLeft(facts, now)} day(s) ago)`);
  if (isNotYetValid(facts, now)) out.push(`not yet valid: notBefore ${facts.notBefore}`);
  const key = weakKeyReason(facts);
  if (key) out.push(`weak key: ${key}`);
  const sig = weakSignatureReason(facts);
  if (sig) out.push(`weak signature: ${sig}`);
  return out;
}

/**
 * RFC 6125 §6.4 name matching. An IP literal matches iPAddress SANs only
 * (§6.2.1: never a DNS SAN or the CN). A DNS name matches dNSName SANs, with a
 * wildcard only as the whole left-most label and one label deep (§6.4.3;
 * `*.example.com` matches `a.example.com`, not `example.com` or `a.b.example.com`).
 * The CN is consulted only when the certificate has no SAN extension at all
 * (§6.4.4); that match is reported as `cn-fallback` because RFC 9525 clients
 * (and Go, browsers) no longer do it.
 */
export function matchName(facts: Pick<CertFacts, 'san' | 'cn'>, name: string): { matched: boolean; via: 'ip-san' | 'dns-san' | 'cn-fallback' | null; by: string | null } {
  if (isIP(name.replace(/^\[|\]$/g, ''))) {
    const ip = normalizeIp(name.replace(/^\[|\]$/g, ''));
    return facts.san.ip.includes(ip) ? { matched: true, via: 'ip-san', by: ip } : { matched: false, via: null, by: null };
  }
  const host = name.toLowerCase().replace(/\.$/, '');
  const dnsMatch = (pattern: string): boolean => {
    const p = pattern.toLowerCase().replace(/\.$/, '');
    if (!p.startsWith('*.')) return p === host;
    const rest = p.slice(2);
    const dot = host.indexOf('.');
    return dot > 0 && host.slice(dot + 1) === rest && rest.includes('.');
  };
  const san = facts.san.dns.find(dnsMatch);
  if (san) return { matched: true, via: 'dns-san', by: san };
  if (!facts.san.present && facts.cn && dnsMatch(facts.cn)) return { matched: true, via: 'cn-fallback', by: facts.cn };
  return { matched: false, via: null, by: null };
}

// ── chain validation (pure: signatures and names, no clock) ─────────────────

export interface ChainVerdict {
  valid: boolean;
  /** Subjects from the leaf to the anchor it reached, when valid. */
  path: string[];
  /** Why the chain does not reach an anchor (null when valid). */
  error: string | null;
}

/**
 * Walks leaf → intermediates → trust anchor by issuer name and signature
 * (OpenSSL's X509_check_issued + X509_verify through node:crypto). Time is
 * deliberately not judged here: expiry has its own controls, so an expired
 * but otherwise well-chained certificate fails only the expiry control.
 * Intermediates must be CA certificates (RFC 5280 §6.1.4 (k)).
 */
export function verifyChain(leafCert: Buffer | X509Certificate, chainDers: Buffer[], anchorCerts: ReadonlyArray<Buffer | X509Certificate>): ChainVerdict {
  const leaf = leafCert instanceof X509Certificate ? leafCert : new X509Certificate(leafCert);
  const pool = chainDers.map((d) => new X509Certificate(d));
  // Anchors may come parsed once for a whole fleet (1,000 devices, one CA).
  const anchors = anchorCerts.map((d) => (d instanceof X509Certificate ? d : new X509Certificate(d)));
  const path = [oneLine(leaf.subject)];
  let cur = leaf;
  for (let depth = 0; depth < 8; depth += 1) {
    if (anchors.some((a) => a.fingerprint256 === cur.fingerprint256)) return { valid: true, path, error: null };
    const subject = oneLine(cur.subject);
    const named = [...anchors, ...pool].filter((c) => c.subject === cur.issuer && c.fingerprint256 !== cur.fingerprint256);
    const signer = named.find((c) => cur.verify(c.publicKey));
    if (!signer) {
      if (named.length) return { valid: false, path, error: `signature of "${subject}" does not verify with the key of "${oneLine(named[0]!.subject)}" (same name, different key)` };
      if (cur.subject === cur.issuer) return { valid: false, path, error: `"${subject}" is self-signed and is not the trust anchor` };
      return { valid: false, path, error: `issuer "${oneLine(cur.issuer)}" of "${subject}" is neither served in the chain nor a trust anchor` };
    }
    // checkIssued adds OpenSSL's issuer checks (keyUsage keyCertSign, key identifiers).
    if (!signer.ca || !cur.checkIssued(signer))
      return { valid: false, path, error: `"${oneLine(signer.subject)}" signed "${subject}" but is not a CA certificate (needs basicConstraints CA:TRUE and keyCertSign)` };
    path.push(oneLine(signer.subject));
    if (anchors.includes(signer)) return { valid: true, path, error: null };
    cur = signer;
  }
  return { valid: false, path, error: 'chain longer than 8 certificates' };
}
