// A raw TLS "server" for unit tests of the TLS scan: a plain net.Server that
// reads a ClientHello and answers it with a chosen ServerHello (a version it
// is configured to accept, and the first suite of its own accept list that
// the client offered, or the client's first that it accepts), or with an
// alert, or misbehaves (stalls mid-ServerHello, sends garbage, closes). It
// exists for what no real server here can do: OpenSSL 3 serves neither
// SSLv3 nor RC4, 3DES, NULL or EXPORT suites. It never completes a handshake.
//
// It parses the ClientHello on its own (not with the code under test) so the
// tests check the scan against an independent reading of the wire format.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Test } from 'tap';

export type FixtureVersion = 'SSLv3' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
const CODE: Record<FixtureVersion, number> = { SSLv3: 0x0300, TLSv1: 0x0301, 'TLSv1.1': 0x0302, 'TLSv1.2': 0x0303, 'TLSv1.3': 0x0304 };
const ORDER: FixtureVersion[] = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

export type Misbehaviour =
  /** Send the first bytes of the ServerHello, then nothing, connection left open. */
  | 'stall'
  /** Answer an HTTP error instead of TLS. */
  | 'garbage'
  /** Close without a byte. */
  | 'close'
  /** A fatal decode_error alert (not a refusal). */
  | 'decode-error'
  /** A ServerHello naming a suite the client did not offer. */
  | 'unoffered-suite';

export interface FixtureOptions {
  /** Accept list per version, in the server's order of preference. */
  accept: Partial<Record<FixtureVersion, number[]>>;
  /** Whose order picks the suite (default server). */
  preference?: 'server' | 'client';
  /** TLS ≤ 1.2: send a CertificateRequest naming these CAs (DER DistinguishedNames) before ServerHelloDone. */
  certificateRequest?: { caNames: Buffer[] };
  /** Misbehaviour for hellos asking for a version (by the version the client asked for). */
  misbehave?: Partial<Record<FixtureVersion, Misbehaviour>>;
  /** TLS 1.3: answer a HelloRetryRequest unless the client's key share is of this group. */
  helloRetryGroup?: number;
  /** The alert to refuse a version with (default protocol_version, 70). */
  versionAlert?: number;
}

export interface ReceivedHello {
  /** The version the client asked for (supported_versions when present). */
  asked: FixtureVersion | `0x${string}`;
  suites: number[];
  keyShareGroups: number[];
  servername: string | null;
}

export interface TlsFixture {
  port: number;
  hellos: ReceivedHello[];
}

interface ClientHello extends ReceivedHello {
  legacyVersion: number;
  sessionId: Buffer;
}

function parseClientHello(b: Buffer): ClientHello | null {
  if (b.length < 9 || b[0] !== 22 || b[5] !== 1) return null;
  const len = b.readUIntBE(6, 3);
  if (b.length < 9 + len) return null;
  let at = 9;
  const legacyVersion = b.readUInt16BE(at);
  at += 2 + 32;
  const sessionId = b.subarray(at + 1, at + 1 + b[at]!);
  at += 1 + b[at]!;
  const suitesLen = b.readUInt16BE(at);
  const suites: number[] = [];
  for (let i = 0; i < suitesLen; i += 2) suites.push(b.readUInt16BE(at + 2 + i));
  at += 2 + suitesLen;
  at += 1 + b[at]!;
  const supported: number[] = [];
  const keyShareGroups: number[] = [];
  let servername: string | null = null;
  if (at < 9 + len) {
    const end = at + 2 + b.readUInt16BE(at);
    at += 2;
    while (at < end) {
      const type = b.readUInt16BE(at);
      const data = b.subarray(at + 4, at + 4 + b.readUInt16BE(at + 2));
      at += 4 + data.length;
      if (type === 43) for (let i = 1; i < data.length; i += 2) supported.push(data.readUInt16BE(i));
      if (type === 51)
        for (let i = 2; i < data.length; ) {
          keyShareGroups.push(data.readUInt16BE(i));
          i += 4 + data.readUInt16BE(i + 2);
        }
      if (type === 0) servername = data.subarray(5).toString('ascii');
    }
  }
  const askedCode = supported.length ? Math.max(...supported) : legacyVersion;
  const asked = ORDER.find((v) => CODE[v] === askedCode) ?? `0x${askedCode.toString(16)}`;
  return { legacyVersion, sessionId, suites, keyShareGroups, servername, asked };
}

const u16 = (n: number) => Buffer.from([n >> 8, n & 255]);
const u24 = (n: number) => Buffer.from([n >> 16, (n >> 8) & 255, n & 255]);
const handshake = (type: number, body: Buffer) => Buffer.concat([Buffer.from([type]), u24(body.length), body]);
const record = (type: number, version: number, body: Buffer) => Buffer.concat([Buffer.from([type]), u16(version), u16(body.length), body]);
const alert = (description: number, version = 0x0303) => record(21, version, Buffer.from([2, description]));
const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

function serverHello(version: number, suite: number, hello: ClientHello, opts: { random?: Buffer; keyShare?: Buffer }): Buffer {
  const exts: Buffer[] = [];
  if (version === 0x0304) {
    exts.push(Buffer.concat([u16(43), u16(2), u16(0x0304)]));
    if (opts.keyShare) exts.push(Buffer.concat([u16(51), u16(opts.keyShare.length), opts.keyShare]));
  }
  const extBlock = Buffer.concat(exts);
  const sid = version === 0x0304 ? hello.sessionId : Buffer.alloc(0);
  return handshake(
    2,
    Buffer.concat([u16(version === 0x0304 ? 0x0303 : version), opts.random ?? randomBytes(32), Buffer.from([sid.length]), sid, u16(suite), Buffer.from([0]), u16(extBlock.length), extBlock]),
  );
}

function certificateRequest(version: number, caNames: Buffer[]): Buffer {
  const cas = Buffer.concat(caNames.map((n) => Buffer.concat([u16(n.length), n])));
  const sigalgs = version >= 0x0303 ? Buffer.concat([u16(4), u16(0x0403), u16(0x0804)]) : Buffer.alloc(0);
  return handshake(13, Buffer.concat([Buffer.from([2, 1, 64]), sigalgs, u16(cas.length), cas]));
}

function answer(hello: ClientHello, o: FixtureOptions, socket: net.Socket): void {
  const asked = hello.asked as FixtureVersion;
  const bad = o.misbehave?.[asked];
  if (bad === 'close') return void socket.destroy();
  if (bad === 'garbage') return void socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
  if (bad === 'decode-error') return void socket.end(alert(50));
  // Version: TLS 1.3 when asked and accepted; otherwise the highest accepted version not above the legacy one (RFC 5246 §E.1).
  let version: FixtureVersion | undefined;
  if (asked === 'TLSv1.3' && o.accept['TLSv1.3']) version = 'TLSv1.3';
  else version = [...ORDER].reverse().find((v) => v !== 'TLSv1.3' && o.accept[v] && CODE[v] <= hello.legacyVersion);
  if (!version) return void socket.end(alert(o.versionAlert ?? 70, Math.min(hello.legacyVersion, 0x0303)));
  const accept = o.accept[version]!;
  const offered = new Set(hello.suites);
  const suite =
    bad === 'unoffered-suite'
      ? (accept.find((s) => !offered.has(s)) ?? 0xc02f)
      : o.preference === 'client'
        ? hello.suites.find((s) => accept.includes(s))
        : accept.find((s) => offered.has(s));
  if (suite === undefined) return void socket.end(alert(40, CODE[version]));
  const code = CODE[version];
  const recordVersion = Math.min(code, 0x0303);
  const send = (bytes: Buffer) => socket.write(bad === 'stall' ? bytes.subarray(0, 20) : bytes);
  if (version === 'TLSv1.3') {
    const group = o.helloRetryGroup;
    if (group !== undefined && !hello.keyShareGroups.includes(group)) {
      return void send(record(22, 0x0303, serverHello(0x0304, suite, hello, { random: HRR_RANDOM, keyShare: u16(group) })));
    }
    const g = hello.keyShareGroups[0] ?? 0x001d;
    const keyShare = Buffer.concat([u16(g), u16(32), randomBytes(32)]);
    return void send(record(22, 0x0303, serverHello(0x0304, suite, hello, { keyShare })));
  }
  const flight = Buffer.concat([
    serverHello(code, suite, hello, {}),
    handshake(11, Buffer.from([0, 0, 0])), // an empty Certificate message: the scan only needs to step over it
    ...(o.certificateRequest ? [certificateRequest(code, o.certificateRequest.caNames)] : []),
    handshake(14, Buffer.alloc(0)),
  ]);
  send(record(22, recordVersion, flight));
}

/** Starts the fixture on loopback; it stops at the end of the test. */
export async function startTlsFixture(t: Test, o: FixtureOptions): Promise<TlsFixture> {
  const sockets = new Set<net.Socket>();
  const hellos: ReceivedHello[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buf = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const hello = parseClientHello(buf);
      if (!hello) return;
      socket.removeAllListeners('data');
      hellos.push({ asked: hello.asked, suites: hello.suites, keyShareGroups: hello.keyShareGroups, servername: hello.servername });
      answer(hello, o, socket);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, hellos };
}
