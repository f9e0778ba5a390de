// The ClientHello the scan sends, built byte by byte so that any protocol
// version and any registered suite can be offered (OpenSSL 3 can offer
// neither SSLv3 nor RC4, 3DES, NULL or EXPORT suites). Each field cites the
// section that defines it.
import { isIP } from 'node:net';

export const PROTOCOL_VERSIONS = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type ProtocolVersion = (typeof PROTOCOL_VERSIONS)[number];

/** ProtocolVersion on the wire: RFC 6101 §5.2.1 (SSLv3), RFC 5246 §6.2.1 and §A.1, RFC 8446 §4.2.1. */
export const VERSION_CODE: Record<ProtocolVersion, number> = { SSLv3: 0x0300, TLSv1: 0x0301, 'TLSv1.1': 0x0302, 'TLSv1.2': 0x0303, 'TLSv1.3': 0x0304 };

export function versionName(code: number): string {
  const name = PROTOCOL_VERSIONS.find((v) => VERSION_CODE[v] === code);
  return name ?? `0x${code.toString(16).padStart(4, '0')}`;
}

/** ContentType, RFC 5246 §6.2.1 / RFC 8446 §5.1. */
export const CONTENT = { changeCipherSpec: 20, alert: 21, handshake: 22, applicationData: 23 } as const;

/** HandshakeType, RFC 5246 §7.4 / RFC 8446 §4. */
export const HANDSHAKE = {
  clientHello: 1,
  serverHello: 2,
  newSessionTicket: 4,
  certificate: 11,
  serverKeyExchange: 12,
  certificateRequest: 13,
  serverHelloDone: 14,
  certificateStatus: 22,
} as const;

/** ExtensionType values used here (IANA TLS ExtensionType registry). */
export const EXTENSION = {
  serverName: 0, // RFC 6066 §3
  supportedGroups: 10, // RFC 8422 §5.1.1, RFC 8446 §4.2.7
  ecPointFormats: 11, // RFC 8422 §5.1.2
  signatureAlgorithms: 13, // RFC 5246 §7.4.1.4.1, RFC 8446 §4.2.3
  extendedMasterSecret: 23, // RFC 7627 §5.1
  supportedVersions: 43, // RFC 8446 §4.2.1
  keyShare: 51, // RFC 8446 §4.2.8
} as const;

/** NamedGroup, RFC 8422 §5.1.1, RFC 7919 §2, RFC 8446 §4.2.7, RFC 8734. */
export const GROUP = { secp256r1: 23, secp384r1: 24, secp521r1: 25, x25519: 29, x448: 30, ffdhe2048: 256 } as const;

const GROUP_NAMES: Record<number, string> = {
  ...Object.fromEntries(Object.entries(GROUP).map(([k, v]) => [v, k])),
  257: 'ffdhe3072',
  258: 'ffdhe4096',
  259: 'ffdhe6144',
  260: 'ffdhe8192',
  26: 'brainpoolP256r1',
  27: 'brainpoolP384r1',
  28: 'brainpoolP512r1',
  31: 'brainpoolP256r1tls13',
  32: 'brainpoolP384r1tls13',
  33: 'brainpoolP512r1tls13',
};
export const groupName = (g: number) => GROUP_NAMES[g] ?? `group 0x${g.toString(16).padStart(4, '0')}`;

/**
 * Groups offered. Up to TLS 1.2 every curve of RFC 4492 §5.1.1 (1-25), the
 * brainpool curves (RFC 7027) and the RFC 7748 curves, so a legacy server's
 * ECDHE suites are not missed for want of a curve, and no FFDHE group: a
 * server that follows RFC 7919 §4 would otherwise hide its DHE suites when it
 * knows none of them. For TLS 1.3 the groups RFC 8446 §4.2.7 allows, plus the
 * brainpool TLS 1.3 groups (RFC 8734).
 */
const FFDHE = [256, 257, 258, 259, 260];
const GROUPS_TLS12 = [29, 23, 30, 24, 25, 26, 27, 28, ...Array.from({ length: 22 }, (_, i) => i + 1)];
const GROUPS_TLS13 = [29, 23, 30, 24, 25, 31, 32, 33, ...FFDHE];

/**
 * SignatureScheme / SignatureAndHashAlgorithm, widest first-useful order
 * (RFC 8446 §4.2.3; the SHA-224, SHA-1 and DSA pairs of RFC 5246 §7.4.1.4.1)
 * so that servers with legacy certificates still answer.
 */
const SIGNATURE_ALGORITHMS = [
  0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080a, 0x080b, 0x081a, 0x081b, 0x081c, 0x0401, 0x0501, 0x0601, 0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602,
  0x0203, 0x0201, 0x0202,
];

/** TLS_EMPTY_RENEGOTIATION_INFO_SCSV, RFC 5746 §3.3: signals secure renegotiation without an extension (valid in SSLv3). */
export const RENEGOTIATION_SCSV = 0x00ff;

export interface KeyShare {
  group: number;
  /** The public key as KeyShareEntry.key_exchange carries it (RFC 8446 §4.2.8.2: raw for X25519/X448, uncompressed point for NIST curves). */
  key: Buffer;
}

export interface ClientHelloSpec {
  version: ProtocolVersion;
  /** Suite codes in offer order. */
  suites: number[];
  /** Host name for SNI; IP literals are not sent (RFC 6066 §3). */
  servername?: string;
  /** TLS 1.3 only: one share per group we can compute (RFC 8446 §4.2.8). */
  keyShares?: KeyShare[];
  /** Fixed for golden tests; random otherwise. */
  random: Buffer;
  /** TLS 1.3 legacy_session_id (RFC 8446 §4.1.2 and D.4: a non-empty one for middlebox compatibility). */
  sessionId?: Buffer;
}

const u8 = (n: number) => Buffer.from([n & 0xff]);
const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u24 = (n: number) => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
/** An opaque vector with a 1-, 2- or 3-byte length prefix (RFC 5246 §4.3). */
const vec8 = (b: Buffer) => Buffer.concat([u8(b.length), b]);
const vec16 = (b: Buffer) => Buffer.concat([u16(b.length), b]);
const list16 = (items: number[]) => Buffer.concat(items.map(u16));
const extension = (type: number, body: Buffer) => Buffer.concat([u16(type), vec16(body)]);

function serverNameExtension(name: string): Buffer {
  // ServerNameList with one HostName entry (name_type 0), RFC 6066 §3.
  const host = Buffer.from(name, 'ascii');
  return extension(EXTENSION.serverName, vec16(Buffer.concat([u8(0), vec16(host)])));
}

/** The SNI to send for a dialled name, or undefined for IP literals (RFC 6066 §3). */
export function sniFor(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const bare = name.replace(/^\[|\]$/g, '');
  return isIP(bare) ? undefined : bare.replace(/\.$/, '');
}

function extensionsFor(spec: ClientHelloSpec): Buffer[] {
  // SSLv3 has no extensions (RFC 6101 §5.6.1.2): some SSLv3 stacks refuse a hello that carries them.
  if (spec.version === 'SSLv3') return [];
  const sni = sniFor(spec.servername);
  const out: Buffer[] = [];
  if (sni) out.push(serverNameExtension(sni));
  if (spec.version === 'TLSv1.3') {
    out.push(extension(EXTENSION.supportedGroups, vec16(list16(GROUPS_TLS13))));
    out.push(extension(EXTENSION.signatureAlgorithms, vec16(list16(SIGNATURE_ALGORITHMS))));
    // supported_versions lists TLS 1.3 alone: a ServerHello of 1.2 is then a refusal of 1.3.
    out.push(extension(EXTENSION.supportedVersions, vec8(list16([VERSION_CODE['TLSv1.3']]))));
    const shares = (spec.keyShares ?? []).map((s) => Buffer.concat([u16(s.group), vec16(s.key)]));
    out.push(extension(EXTENSION.keyShare, vec16(Buffer.concat(shares))));
    return out;
  }
  out.push(extension(EXTENSION.supportedGroups, vec16(list16(GROUPS_TLS12))));
  out.push(extension(EXTENSION.ecPointFormats, vec8(u8(0)))); // uncompressed only
  // signature_algorithms is meaningless before TLS 1.2, and RFC 5246 §7.4.1.4.1 forbids offering it there.
  if (spec.version === 'TLSv1.2') out.push(extension(EXTENSION.signatureAlgorithms, vec16(list16(SIGNATURE_ALGORITHMS))));
  out.push(extension(EXTENSION.extendedMasterSecret, Buffer.alloc(0)));
  return out;
}

/** The ClientHello handshake message (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2), without the record header. */
export function clientHelloMessage(spec: ClientHelloSpec): Buffer {
  if (spec.random.length !== 32) throw new Error('ClientHello random must be 32 bytes');
  const legacy = spec.version === 'TLSv1.3' ? VERSION_CODE['TLSv1.2'] : VERSION_CODE[spec.version];
  const suites = spec.version === 'TLSv1.3' ? spec.suites : [...spec.suites, RENEGOTIATION_SCSV];
  const exts = extensionsFor(spec);
  const body = Buffer.concat([
    u16(legacy), // client_version / legacy_version (0x0303 for TLS 1.3, RFC 8446 §4.1.2)
    spec.random, // Random, 32 bytes
    vec8(spec.sessionId ?? Buffer.alloc(0)), // session_id <0..32>
    vec16(list16(suites)), // cipher_suites <2..2^16-2>
    vec8(u8(0)), // compression_methods: null only (RFC 8446 §4.1.2 requires exactly that)
    ...(exts.length ? [vec16(Buffer.concat(exts))] : []), // extensions <0..2^16-1>, absent for SSLv3
  ]);
  return Buffer.concat([u8(HANDSHAKE.clientHello), u24(body.length), body]);
}

/** One handshake record carrying the ClientHello (RFC 5246 §6.2.1; legacy_record_version 0x0301 for TLS, RFC 8446 §5.1). */
export function buildClientHello(spec: ClientHelloSpec): Buffer {
  const message = clientHelloMessage(spec);
  if (message.length > 16384) throw new Error(`ClientHello of ${message.length} bytes does not fit one record`);
  const recordVersion = spec.version === 'SSLv3' ? VERSION_CODE.SSLv3 : VERSION_CODE.TLSv1;
  return Buffer.concat([u8(CONTENT.handshake), u16(recordVersion), u16(message.length), message]);
}
