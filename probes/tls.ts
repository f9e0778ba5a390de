// Reusable TLS collector and judgement, shared by broker-transport (BT-03/04)
// and ingest-auth (IA-05). Collection talks to the server with node:tls,
// pinning one protocol version (or one cipher list) per handshake; judgement is
// pure and works on the recorded observations.
import tls from 'node:tls';
import { reasonOf } from '../agent/errors.js';

export const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

export interface TlsTarget {
  host: string;
  port: number;
  /** SNI to send; omitted for IP literals (RFC 6066 §3 forbids IP addresses in SNI). */
  servername?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface HandshakeOk {
  ok: true;
  protocol: string;
  cipher: string;
  /** IANA name of the negotiated suite, e.g. TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256. */
  cipherStandardName: string;
  /** DER of the leaf the server served, base64 (public data). */
  peerCertificateDer: string | null;
  /** DER of each further certificate in the served chain (not including the leaf). */
  peerChainDer: string[];
  durationMs: number;
}

export interface HandshakeFailed {
  ok: false;
  /** tcp: could not connect; handshake: server refused or broke the handshake; timeout; client: this probe could not offer it. */
  stage: 'tcp' | 'handshake' | 'timeout' | 'client';
  code: string | null;
  reason: string;
  durationMs: number;
}

export type HandshakeResult = HandshakeOk | HandshakeFailed;

/** Error codes that mean *our* OpenSSL refused to offer what was asked: not an observation of the server. */
const CLIENT_SIDE_CODES = new Set(['ERR_SSL_NO_PROTOCOLS_AVAILABLE', 'ERR_SSL_NO_CIPHERS_AVAILABLE', 'ERR_SSL_NO_CIPHER_MATCH', 'ERR_TLS_INVALID_PROTOCOL_VERSION']);

const isIp = (h: string) => /^[\d.]+$/.test(h) || h.includes(':');

function chainOf(socket: tls.TLSSocket): { leaf: string | null; chain: string[] } {
  const leaf = socket.getPeerCertificate(true);
  if (!leaf || !leaf.raw) return { leaf: null, chain: [] };
  const chain: string[] = [];
  const seen = new Set<string>([leaf.fingerprint256]);
  let cur = leaf.issuerCertificate;
  while (cur && cur.raw && !seen.has(cur.fingerprint256)) {
    seen.add(cur.fingerprint256);
    chain.push(cur.raw.toString('base64'));
    cur = cur.issuerCertificate;
  }
  return { leaf: leaf.raw.toString('base64'), chain };
}

/** One TLS handshake with explicit limits; never throws, always settles within timeoutMs. */
export function tlsHandshake(
  target: TlsTarget,
  opts: { minVersion?: TlsVersion; maxVersion?: TlsVersion; ciphers?: string; cert?: string; key?: string } = {},
): Promise<HandshakeResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    let connected = false;
    const finish = (r: HandshakeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      target.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(r);
    };
    const onAbort = () => finish({ ok: false, stage: 'timeout', code: 'ABORTED', reason: 'check budget ran out', durationMs: ms() });
    const timer = setTimeout(
      () => finish({ ok: false, stage: 'timeout', code: 'ETIMEDOUT', reason: `no TLS handshake within ${target.timeoutMs} ms${connected ? ' (TCP connected)' : ''}`, durationMs: ms() }),
      target.timeoutMs,
    );
    const servername = target.servername && !isIp(target.servername) ? target.servername : undefined;
    const socket = tls.connect({
      host: target.host,
      port: target.port,
      servername,
      // We observe what the server accepts; trust is judged by broker-cert, not here.
      rejectUnauthorized: false,
      minVersion: opts.minVersion,
      maxVersion: opts.maxVersion,
      ciphers: opts.ciphers,
      cert: opts.cert,
      key: opts.key,
    });
    socket.once('connect', () => {
      connected = true;
    });
    socket.once('secureConnect', () => {
      const cipher = socket.getCipher();
      const { leaf, chain } = chainOf(socket);
      finish({
        ok: true,
        protocol: socket.getProtocol() ?? 'unknown',
        cipher: cipher.name,
        cipherStandardName: (cipher as { standardName?: string }).standardName ?? cipher.name,
        peerCertificateDer: leaf,
        peerChainDer: chain,
        durationMs: ms(),
      });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? null;
      const stage = code && CLIENT_SIDE_CODES.has(code) ? 'client' : connected ? 'handshake' : 'tcp';
      finish({ ok: false, stage, code, reason: reasonOf(err).replace(/^[0-9A-F]+:error:[0-9A-F]+:/, ''), durationMs: ms() });
    });
    socket.once('close', () => finish({ ok: false, stage: connected ? 'handshake' : 'tcp', code: 'ECONNRESET', reason: 'connection closed during the handshake', durationMs: ms() }));
    if (target.signal?.aborted) onAbort();
    else target.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * OpenSSL 3 refuses to offer TLS 1.0/1.1 (and SHA-1 signatures) at its
 * default security level, so a probe that did not lower it would report
 * "server refused 1.0" for servers that accept it. Security level 0 makes
 * the probe offer what an old device would.
 */
export const LEGACY_OFFER = 'DEFAULT:@SECLEVEL=0';

export interface VersionObservation {
  version: TlsVersion;
  accepted: boolean;
  /** Whether the outcome is a real observation of the server (false when the probe could not offer or timed out). */
  observed: boolean;
  protocol?: string;
  cipher?: string;
  stage?: HandshakeFailed['stage'];
  code?: string | null;
  reason?: string;
  durationMs: number;
}

export async function probeTlsVersions(target: TlsTarget): Promise<VersionObservation[]> {
  return Promise.all(
    TLS_VERSIONS.map(async (version): Promise<VersionObservation> => {
      const legacy = version === 'TLSv1' || version === 'TLSv1.1';
      const r = await tlsHandshake(target, { minVersion: version, maxVersion: version, ciphers: legacy ? LEGACY_OFFER : undefined });
      if (r.ok) return { version, accepted: true, observed: true, protocol: r.protocol, cipher: r.cipherStandardName, durationMs: r.durationMs };
      return { version, accepted: false, observed: r.stage === 'handshake', stage: r.stage, code: r.code, reason: r.reason, durationMs: r.durationMs };
    }),
  );
}

/** Every TLS 1.2 suite this Node/OpenSSL build can offer, in OpenSSL names (PSK/SRP suites need credentials we do not have). */
export function offerableTls12Ciphers(): string[] {
  return tls
    .getCiphers()
    .filter((c) => !c.startsWith('tls_') && !c.includes('psk') && !c.startsWith('srp'))
    .map((c) => c.toUpperCase());
}

export interface CipherEnumeration {
  protocol: 'TLSv1.2';
  accepted: string[];
  /** Suites offered in total (what this build of OpenSSL can offer). */
  offered: number;
  handshakes: number;
  /** Set when enumeration stopped for a reason other than "server accepts nothing more". */
  incomplete?: string;
}

/**
 * Enumerates the TLS 1.2 suites a server accepts the way sslscan does: offer
 * everything, record the server's choice, remove it, repeat until the server
 * refuses. Costs (accepted + 1) handshakes instead of one per suite.
 */
export async function enumerateTls12Ciphers(target: TlsTarget): Promise<CipherEnumeration> {
  let remaining = offerableTls12Ciphers();
  const offered = remaining.length;
  const accepted: string[] = [];
  let handshakes = 0;
  while (remaining.length) {
    handshakes += 1;
    const r = await tlsHandshake(target, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: `${remaining.join(':')}:@SECLEVEL=0` });
    if (!r.ok) {
      if (r.stage === 'handshake') break; // the server accepts none of what is left
      return { protocol: 'TLSv1.2', accepted, offered, handshakes, incomplete: `${r.stage}: ${r.reason}` };
    }
    const chosen = r.cipher.toUpperCase();
    if (!remaining.includes(chosen)) return { protocol: 'TLSv1.2', accepted, offered, handshakes, incomplete: `server chose ${chosen}, which was not offered` };
    accepted.push(chosen);
    remaining = remaining.filter((c) => c !== chosen);
  }
  return { protocol: 'TLSv1.2', accepted, offered, handshakes };
}

// ── judgement (pure) ────────────────────────────────────────────────────────

export interface CipherVerdict {
  cipher: string;
  forwardSecrecy: boolean;
  aead: boolean;
  /** NULL, anonymous, RC4, (3)DES, EXPORT, MD5: broken regardless of anything else. */
  broken: string | null;
}

export function classifyCipher(name: string): CipherVerdict {
  const n = name.toUpperCase();
  const forwardSecrecy = /^(ECDHE|DHE|EDH)-/.test(n) || n.startsWith('TLS_');
  const aead = /GCM|CHACHA20|CCM/.test(n);
  let broken: string | null = null;
  if (/NULL/.test(n)) broken = 'NULL cipher';
  else if (/^(ADH|AECDH)-|-ANON-|ANON/.test(n)) broken = 'anonymous key exchange';
  else if (/RC4/.test(n)) broken = 'RC4';
  else if (/DES/.test(n)) broken = '(3)DES';
  else if (/EXP/.test(n)) broken = 'EXPORT grade';
  else if (/MD5/.test(n)) broken = 'MD5 MAC';
  return { cipher: n, forwardSecrecy, aead, broken };
}

export interface WeakCipherJudgement {
  weak: Array<CipherVerdict & { why: string[] }>;
}

/** Weak on TLS 1.2 = broken, or no forward secrecy, or not AEAD (DESIGN.md BT-04). */
export function judgeCiphers(accepted: string[]): WeakCipherJudgement {
  const weak: WeakCipherJudgement['weak'] = [];
  for (const c of accepted) {
    const v = classifyCipher(c);
    const why: string[] = [];
    if (v.broken) why.push(v.broken);
    if (!v.forwardSecrecy) why.push('no forward secrecy');
    if (!v.aead) why.push('not AEAD');
    if (why.length) weak.push({ ...v, why });
  }
  return { weak };
}

/** Legacy versions (below TLS 1.2) the server was seen to accept. */
export function legacyVersionsAccepted(obs: VersionObservation[]): TlsVersion[] {
  return obs.filter((o) => o.accepted && (o.version === 'TLSv1' || o.version === 'TLSv1.1')).map((o) => o.version);
}

/** Legacy versions whose outcome is not a real observation (probe could not offer, timed out). */
export function legacyVersionsUnobserved(obs: VersionObservation[]): TlsVersion[] {
  return obs.filter((o) => !o.observed && (o.version === 'TLSv1' || o.version === 'TLSv1.1')).map((o) => o.version);
}

export function describeFailure(r: HandshakeFailed): string {
  return `${r.stage}${r.code ? ` ${r.code}` : ''}: ${r.reason}`;
}

