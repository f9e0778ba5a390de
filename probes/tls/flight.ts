// Reading the server's first flight: records (RFC 5246 §6.2.1, RFC 8446
// §5.1), the handshake messages they carry, reassembled across records (RFC
// 5246 §6.2.1: a message may span records, a record may hold several), and
// alerts (RFC 5246 §7.2, RFC 8446 §6). Only what the scan needs is decoded:
// ServerHello (incl. HelloRetryRequest), the Certificate chain's length, the
// ServerKeyExchange group, CertificateRequest with its CA names,
// ServerHelloDone; other messages are reported by type.
import { CONTENT, EXTENSION, HANDSHAKE, versionName } from './hello.js';
import { suiteByCode } from './suites.js';
import { alertName } from '../tls-alert.js';

export const ALERT = { closeNotify: 0, handshakeFailure: 40, protocolVersion: 70, insufficientSecurity: 71, internalError: 80 } as const;

export interface Alert {
  /** 1 warning, 2 fatal. */
  level: number;
  description: number;
  name: string;
}

export const describeAlert = (a: Alert) => `${a.level === 1 ? 'warning' : 'fatal'} alert ${a.name} (${a.description})`;

/** The random of a HelloRetryRequest: SHA-256("HelloRetryRequest"), RFC 8446 §4.1.3. */
export const HELLO_RETRY_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

export interface ServerHello {
  /** server_version / legacy_version as sent. */
  legacyVersion: number;
  /** The version the server chose: supported_versions when present (RFC 8446 §4.2.1), else server_version. */
  version: number;
  random: Buffer;
  sessionId: Buffer;
  suite: number;
  compression: number;
  extensions: Array<{ type: number; data: Buffer }>;
  helloRetry: boolean;
  /** TLS 1.3: the key_share group (selected_group in a HelloRetryRequest, RFC 8446 §4.2.8). */
  keyShareGroup: number | null;
}

export interface CertificateRequest {
  certificateTypes: number[];
  /** TLS 1.2 only (RFC 5246 §7.4.4); null before. */
  signatureAlgorithms: number[] | null;
  /** DER of each DistinguishedName in certificate_authorities. */
  authorities: Buffer[];
}

/** What a ServerKeyExchange says about the ephemeral key: the named group (ECDHE) or the size of the prime (DHE). */
export type KeyExchangeParams = { kind: 'ECDHE'; group: number } | { kind: 'DHE'; primeBits: number } | { kind: 'other' };

export type HandshakeMessage =
  | { type: 'server_hello'; hello: ServerHello }
  | { type: 'certificate'; count: number }
  | { type: 'server_key_exchange'; params: KeyExchangeParams }
  | { type: 'certificate_request'; request: CertificateRequest }
  | { type: 'server_hello_done' }
  | { type: 'other'; msgType: number; length: number };

export type ServerEvent =
  | { kind: 'handshake'; message: HandshakeMessage }
  | { kind: 'alert'; alert: Alert }
  | { kind: 'change_cipher_spec' }
  /** An application_data record: in TLS 1.3 the encrypted rest of the flight. */
  | { kind: 'encrypted' }
  | { kind: 'garbage'; reason: string };

/** A bounds-checked reader over one message body; every overrun throws a message naming the field. */
class Cursor {
  private at = 0;
  constructor(
    private readonly b: Buffer,
    private readonly what: string,
  ) {}
  get left() {
    return this.b.length - this.at;
  }
  private need(n: number, field: string) {
    if (this.at + n > this.b.length) throw new Error(`${this.what} truncated in ${field}`);
  }
  u8(field: string) {
    this.need(1, field);
    return this.b[this.at++]!;
  }
  u16(field: string) {
    this.need(2, field);
    const v = this.b.readUInt16BE(this.at);
    this.at += 2;
    return v;
  }
  bytes(n: number, field: string) {
    this.need(n, field);
    const v = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  vec8(field: string) {
    return this.bytes(this.u8(field), field);
  }
  vec16(field: string) {
    return this.bytes(this.u16(field), field);
  }
}

/** ServerHello, RFC 5246 §7.4.1.3 / RFC 8446 §4.1.3 (extensions optional before TLS 1.3, RFC 5246 §7.4.1.4). */
export function parseServerHello(body: Buffer): ServerHello {
  const c = new Cursor(body, 'ServerHello');
  const legacyVersion = c.u16('server_version');
  const random = Buffer.from(c.bytes(32, 'random'));
  const sessionId = Buffer.from(c.vec8('session_id'));
  const suite = c.u16('cipher_suite');
  const compression = c.u8('compression_method');
  const extensions: ServerHello['extensions'] = [];
  if (c.left > 0) {
    const block = new Cursor(c.vec16('extensions'), 'ServerHello extensions');
    while (block.left > 0) extensions.push({ type: block.u16('extension_type'), data: Buffer.from(block.vec16('extension_data')) });
  }
  const helloRetry = random.equals(HELLO_RETRY_RANDOM);
  const sv = extensions.find((e) => e.type === EXTENSION.supportedVersions);
  if (sv && sv.data.length !== 2) throw new Error('ServerHello supported_versions is not one ProtocolVersion');
  const version = sv ? sv.data.readUInt16BE(0) : legacyVersion;
  const ks = extensions.find((e) => e.type === EXTENSION.keyShare);
  if (ks && ks.data.length < 2) throw new Error('ServerHello key_share truncated');
  return { legacyVersion, version, random, sessionId, suite, compression, extensions, helloRetry, keyShareGroup: ks ? ks.data.readUInt16BE(0) : null };
}

/** Certificate up to TLS 1.2 (RFC 5246 §7.4.2): how many certificates the chain holds. */
export function parseCertificate(body: Buffer): number {
  const c = new Cursor(body, 'Certificate');
  const len = c.u8('certificate_list') * 65536 + c.u16('certificate_list');
  const list = new Cursor(c.bytes(len, 'certificate_list'), 'certificate_list');
  let count = 0;
  while (list.left > 0) {
    list.bytes(list.u8('ASN.1Cert') * 65536 + list.u16('ASN.1Cert'), 'ASN.1Cert');
    count++;
  }
  return count;
}

/**
 * ServerKeyExchange (RFC 5246 §7.4.3): ServerECDHParams start with
 * curve_type named_curve (3) and the NamedCurve (RFC 8422 §5.4); ServerDHParams
 * with dh_p, whose length gives the group size (weak below 2048 bits).
 */
export function parseServerKeyExchange(body: Buffer, kx: string | undefined): KeyExchangeParams {
  const c = new Cursor(body, 'ServerKeyExchange');
  if (kx === 'ECDHE') {
    if (c.u8('curve_type') !== 3) return { kind: 'other' };
    return { kind: 'ECDHE', group: c.u16('namedcurve') };
  }
  if (kx === 'DHE') {
    const p = c.vec16('dh_p');
    let bits = p.length * 8;
    for (let i = 0; i < p.length && p[i] === 0; i++) bits -= 8;
    const lead = p.find((b) => b !== 0);
    if (lead !== undefined) bits -= Math.clz32(lead) - 24;
    return { kind: 'DHE', primeBits: Math.max(bits, 0) };
  }
  return { kind: 'other' };
}

/** CertificateRequest up to TLS 1.2: RFC 6101 §5.6.4, RFC 4346 §7.4.4, RFC 5246 §7.4.4. */
export function parseCertificateRequest(body: Buffer, version: number): CertificateRequest {
  const c = new Cursor(body, 'CertificateRequest');
  const certificateTypes = [...c.vec8('certificate_types')];
  let signatureAlgorithms: number[] | null = null;
  if (version >= 0x0303) {
    const algs = c.vec16('supported_signature_algorithms');
    signatureAlgorithms = [];
    for (let i = 0; i + 1 < algs.length; i += 2) signatureAlgorithms.push(algs.readUInt16BE(i));
  }
  const list = new Cursor(c.vec16('certificate_authorities'), 'certificate_authorities');
  const authorities: Buffer[] = [];
  while (list.left > 0) authorities.push(Buffer.from(list.vec16('DistinguishedName')));
  return { certificateTypes, signatureAlgorithms, authorities };
}

/** Highest record payload a peer may send: 2^14 plus the expansion RFC 5246 §6.2.3 allows. */
const MAX_RECORD = 16384 + 2048;

/**
 * Turns the server's bytes into events as they arrive. Anything that is not
 * a TLS record (an HTTP answer, an SSLv2 record, noise) or a handshake
 * message that does not parse is reported once as `garbage` and ends reading.
 */
export class ServerFlightReader {
  private pending: Buffer = Buffer.alloc(0);
  private handshake: Buffer = Buffer.alloc(0);
  private broken = false;
  /** The negotiated version, once a ServerHello was read: CertificateRequest's layout depends on it. */
  private negotiated = 0x0303;
  /** The chosen suite's key exchange: ServerKeyExchange's layout depends on it. */
  private kx: string | undefined;

  push(chunk: Buffer): ServerEvent[] {
    if (this.broken) return [];
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const events: ServerEvent[] = [];
    while (this.pending.length >= 5) {
      const type = this.pending[0]!;
      const major = this.pending[1]!;
      const length = this.pending.readUInt16BE(3);
      if (type & 0x80) return this.fail(events, 'an SSLv2-format record, not an SSLv3/TLS record');
      if (!Object.values(CONTENT).includes(type as never)) return this.fail(events, `not a TLS record (content type 0x${type.toString(16).padStart(2, '0')})`);
      if (major !== 3) return this.fail(events, `not a TLS record (record version ${versionName(this.pending.readUInt16BE(1))})`);
      if (length > MAX_RECORD) return this.fail(events, `record length ${length} exceeds the TLS maximum`);
      if (this.pending.length < 5 + length) break;
      const payload = this.pending.subarray(5, 5 + length);
      this.pending = this.pending.subarray(5 + length);
      if (type === CONTENT.alert) {
        if (payload.length < 2) return this.fail(events, 'alert record shorter than 2 bytes');
        const description = payload[1]!;
        events.push({ kind: 'alert', alert: { level: payload[0]!, description, name: alertName(description) } });
      } else if (type === CONTENT.changeCipherSpec) events.push({ kind: 'change_cipher_spec' });
      else if (type === CONTENT.applicationData) events.push({ kind: 'encrypted' });
      else if (!this.readHandshake(payload, events)) return events;
    }
    return events;
  }

  private fail(events: ServerEvent[], reason: string): ServerEvent[] {
    this.broken = true;
    events.push({ kind: 'garbage', reason });
    return events;
  }

  private readHandshake(payload: Buffer, events: ServerEvent[]): boolean {
    this.handshake = this.handshake.length ? Buffer.concat([this.handshake, payload]) : Buffer.from(payload);
    while (this.handshake.length >= 4) {
      const msgType = this.handshake[0]!;
      const length = this.handshake.readUIntBE(1, 3);
      if (this.handshake.length < 4 + length) break;
      const body = this.handshake.subarray(4, 4 + length);
      this.handshake = this.handshake.subarray(4 + length);
      try {
        events.push({ kind: 'handshake', message: this.decode(msgType, body) });
      } catch (err) {
        this.fail(events, (err as Error).message);
        return false;
      }
    }
    return true;
  }

  private decode(msgType: number, body: Buffer): HandshakeMessage {
    if (msgType === HANDSHAKE.serverHello) {
      const hello = parseServerHello(body);
      this.negotiated = hello.version;
      this.kx = suiteByCode(hello.suite)?.kx;
      return { type: 'server_hello', hello };
    }
    if (msgType === HANDSHAKE.certificate && this.negotiated < 0x0304) return { type: 'certificate', count: parseCertificate(body) };
    if (msgType === HANDSHAKE.serverKeyExchange) return { type: 'server_key_exchange', params: parseServerKeyExchange(body, this.kx) };
    if (msgType === HANDSHAKE.certificateRequest) return { type: 'certificate_request', request: parseCertificateRequest(body, this.negotiated) };
    if (msgType === HANDSHAKE.serverHelloDone) {
      if (body.length !== 0) throw new Error('ServerHelloDone with a body');
      return { type: 'server_hello_done' };
    }
    return { type: 'other', msgType, length: body.length };
  }
}

/** The first bytes the server sent, in hex, for evidence when they are not TLS. */
export function hexExcerpt(bytes: Buffer, max = 32): string {
  const head = bytes.subarray(0, max);
  const hex = head.toString('hex').replace(/(..)(?!$)/g, '$1 ');
  const text = head.toString('latin1').replace(/[^\x20-\x7e]/g, '.');
  return `${hex}${bytes.length > max ? ' …' : ''} |${text}|`;
}
