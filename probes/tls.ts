// A full TLS handshake with node:tls, for what needs one: the chain a server
// actually serves (broker-cert, IA-05's certificate) and sessions over TLS.
// Which versions and suites a server accepts is not asked here: node's
// OpenSSL cannot offer SSLv3 or the broken suites, so that enumeration is a
// raw ClientHello scan (probes/tls/scan.ts).
import tls from 'node:tls';
import { reasonOf } from './reason.js';

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
  /** A client certificate to present, for servers that require one. */
  opts: { cert?: string; key?: string } = {},
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

export function describeFailure(r: HandshakeFailed): string {
  return `${r.stage}${r.code ? ` ${r.code}` : ''}: ${r.reason}`;
}

