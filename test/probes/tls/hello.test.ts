// Golden bytes for the hand-built ClientHello and for the parser of the
// server's first flight. Expected bytes are written out field by field.
import t from 'tap';
import { HELLO_RETRY_RANDOM, ServerFlightReader, hexExcerpt, parseServerKeyExchange, type ServerEvent } from '../../../probes/tls/flight.js';
import { buildClientHello, sniFor } from '../../../probes/tls/hello.js';

const hex = (...parts: string[]) => Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex');
const fill = (byte: number, n: number) => Buffer.alloc(n, byte).toString('hex');

/** The signature_algorithms extension both TLS 1.2 and 1.3 hellos carry (RFC 8446 §4.2.3 order, then the legacy pairs). */
const SIGNATURE_ALGORITHMS_EXT =
  '000d 0036 0034' + // type 13, ext length 54, list length 52
  '0403 0503 0603 0807 0808 0804 0805 0806 0809 080a 080b 081a 081b 081c' +
  '0401 0501 0601 0303 0301 0302 0402 0502 0602 0203 0201 0202';

t.test('SSLv3 ClientHello: record version 3.0, suites + renegotiation SCSV, no extensions (RFC 6101 §5.6.1.2)', async (t) => {
  const bytes = buildClientHello({ version: 'SSLv3', suites: [0x000a, 0x0005], random: Buffer.alloc(32, 0x11), servername: 'gateway.local' });
  t.equal(
    bytes.toString('hex'),
    hex(
      '16 0300 0031', // handshake record, SSL 3.0, 49 bytes
      '01 00002d', // ClientHello, 45 bytes
      '0300', // client_version 3.0
      fill(0x11, 32), // random
      '00', // empty session_id
      '0006 000a 0005 00ff', // DES-CBC3-SHA, RC4-SHA, TLS_EMPTY_RENEGOTIATION_INFO_SCSV
      '01 00', // compression: null
    ).toString('hex'),
  );
});

t.test('TLS 1.2 ClientHello: SNI, every curve, point formats, signature_algorithms, extended_master_secret', async (t) => {
  const bytes = buildClientHello({ version: 'TLSv1.2', suites: [0xc02f, 0x009c], random: Buffer.alloc(32, 0xaa), servername: 'gw.local' });
  t.equal(
    bytes.toString('hex'),
    hex(
      '16 0301 00ca', // handshake record, legacy record version 3.1, 202 bytes
      '01 0000c6', // ClientHello, 198 bytes
      '0303', // client_version TLS 1.2
      fill(0xaa, 32),
      '00',
      '0006 c02f 009c 00ff',
      '01 00',
      '0097', // extensions, 151 bytes
      '0000 000d 000b 00 0008', Buffer.from('gw.local').toString('hex'), // server_name: host_name "gw.local"
      '000a 003e 003c', // supported_groups, 30 groups
      '001d 0017 001e 0018 0019 001a 001b 001c', // x25519, P-256, x448, P-384, P-521, brainpool
      '0001 0002 0003 0004 0005 0006 0007 0008 0009 000a 000b 000c 000d 000e 000f 0010 0011 0012 0013 0014 0015 0016', // the RFC 4492 curves
      '000b 0002 01 00', // ec_point_formats: uncompressed
      SIGNATURE_ALGORITHMS_EXT,
      '0017 0000', // extended_master_secret
    ).toString('hex'),
  );
});

t.test('TLS 1.0 ClientHello carries no signature_algorithms (RFC 5246 §7.4.1.4.1)', async (t) => {
  const bytes = buildClientHello({ version: 'TLSv1', suites: [0x002f], random: Buffer.alloc(32, 1) });
  t.equal(bytes.readUInt16BE(9), 0x0301, 'client_version 3.1');
  t.notOk(bytes.includes(Buffer.from('000d0036', 'hex')), 'no signature_algorithms extension');
  t.ok(bytes.includes(Buffer.from('00170000', 'hex')), 'extended_master_secret still offered');
});

t.test('TLS 1.3 ClientHello: legacy version 1.2, session id, supported_versions 1.3 only, an x25519 key share, no SNI for an IP', async (t) => {
  const bytes = buildClientHello({
    version: 'TLSv1.3',
    suites: [0x1301, 0x1302],
    random: Buffer.alloc(32, 0xbb),
    sessionId: Buffer.alloc(32, 0xcc),
    keyShares: [{ group: 0x001d, key: Buffer.alloc(32, 0xdd) }],
    servername: '127.0.0.1',
  });
  t.equal(
    bytes.toString('hex'),
    hex(
      '16 0301 00dc', // legacy_record_version 3.1 (RFC 8446 §5.1)
      '01 0000d8',
      '0303', // legacy_version (RFC 8446 §4.1.2)
      fill(0xbb, 32),
      '20', fill(0xcc, 32), // legacy_session_id, 32 bytes
      '0004 1301 1302', // no SCSV in a TLS 1.3 hello
      '01 00',
      '008b', // extensions, 139 bytes
      '000a 001c 001a 001d 0017 001e 0018 0019 001f 0020 0021 0100 0101 0102 0103 0104', // supported_groups for TLS 1.3
      SIGNATURE_ALGORITHMS_EXT,
      '002b 0003 02 0304', // supported_versions: TLS 1.3
      '0033 0026 0024 001d 0020', fill(0xdd, 32), // key_share: x25519
    ).toString('hex'),
  );
});

t.test('SNI is sent for host names only', async (t) => {
  t.equal(sniFor('gateway.local'), 'gateway.local');
  t.equal(sniFor('gateway.local.'), 'gateway.local', 'trailing dot dropped');
  t.equal(sniFor('10.0.0.1'), undefined);
  t.equal(sniFor('[::1]'), undefined);
  t.equal(sniFor(undefined), undefined);
});

/** A TLS 1.2 first flight: ServerHello (ECDHE-RSA-AES128-GCM-SHA256, renegotiation_info), CertificateRequest naming CN=Test CA, ServerHelloDone. */
const TLS12_FLIGHT = hex(
  '16 0303 007a',
  '02 00004d', // ServerHello, 77 bytes
  '0303',
  fill(0x22, 32),
  '20', fill(0x33, 32),
  'c02f', // cipher_suite
  '00', // compression
  '0005 ff01 0001 00', // renegotiation_info (RFC 5746)
  '0d 000021', // CertificateRequest, 33 bytes
  '02 01 40', // certificate_types: rsa_sign, ecdsa_sign
  '0004 0403 0804', // supported_signature_algorithms (TLS 1.2 only)
  '0016 0014', // certificate_authorities: one DistinguishedName of 20 bytes
  '3012 3110 300e 0603 550403 0c07', Buffer.from('Test CA').toString('hex'),
  '0e 000000', // ServerHelloDone
);

function readAll(bytes: Buffer, chunk = bytes.length): ServerEvent[] {
  const reader = new ServerFlightReader();
  const events: ServerEvent[] = [];
  for (let i = 0; i < bytes.length; i += chunk) events.push(...reader.push(bytes.subarray(i, i + chunk)));
  return events;
}

t.test('a TLS 1.2 flight parses to ServerHello, CertificateRequest with its CA name, ServerHelloDone, even fed one byte at a time', async (t) => {
  for (const chunk of [TLS12_FLIGHT.length, 1, 7]) {
    const events = readAll(TLS12_FLIGHT, chunk);
    t.same(
      events.map((e) => (e.kind === 'handshake' ? e.message.type : e.kind)),
      ['server_hello', 'certificate_request', 'server_hello_done'],
      `chunks of ${chunk}`,
    );
    const sh = events[0]!.kind === 'handshake' && events[0]!.message.type === 'server_hello' ? events[0]!.message.hello : null;
    t.match(sh, { legacyVersion: 0x0303, version: 0x0303, suite: 0xc02f, compression: 0, helloRetry: false, keyShareGroup: null });
    t.same(sh!.extensions.map((e) => e.type), [0xff01]);
    const cr = events[1]!.kind === 'handshake' && events[1]!.message.type === 'certificate_request' ? events[1]!.message.request : null;
    t.same(cr!.certificateTypes, [1, 64]);
    t.same(cr!.signatureAlgorithms, [0x0403, 0x0804]);
    t.equal(cr!.authorities.length, 1);
    t.equal(cr!.authorities[0]!.toString('hex'), hex('3012 3110 300e 0603 550403 0c07', Buffer.from('Test CA').toString('hex')).toString('hex'));
  }
});

t.test('Certificate and ServerKeyExchange: the chain length, and the ECDHE group after an ECDHE suite (RFC 5246 §7.4.2, §7.4.3; RFC 8422 §5.4)', async (t) => {
  const flight = hex(
    '16 0303 0085',
    '02 000026 0303', fill(0x22, 32), '00', 'c02f', '00', // ServerHello: ECDHE-RSA-AES128-GCM-SHA256, no extensions
    '0b 00000d 00000a', '000002 aaaa', '000002 bbbb', // Certificate: two (dummy) certificates
    '0c 000042', '03 001d 20', fill(0x44, 32), '0401 001a', fill(0x55, 26), // ServerKeyExchange: named_curve x25519, point, signature
    '0e 000000',
  );
  const events = readAll(flight, 5);
  t.same(
    events.map((e) => (e.kind === 'handshake' ? e.message.type : e.kind)),
    ['server_hello', 'certificate', 'server_key_exchange', 'server_hello_done'],
  );
  t.match(events[1], { message: { type: 'certificate', count: 2 } });
  t.match(events[2], { message: { type: 'server_key_exchange', params: { kind: 'ECDHE', group: 0x1d } } });
});

t.test('a DHE ServerKeyExchange gives the size of the prime, leading zero bits not counted', async (t) => {
  // dh_p, then dh_g = 2 and a one-byte dh_Ys
  const prime = (p: Buffer) => Buffer.concat([Buffer.from([p.length >> 8, p.length & 255]), p, hex('0001 02 0001 05')]);
  t.same(parseServerKeyExchange(prime(Buffer.alloc(256, 0xff)), 'DHE'), { kind: 'DHE', primeBits: 2048 });
  t.same(parseServerKeyExchange(prime(Buffer.concat([Buffer.from([0x00, 0x7f]), Buffer.alloc(126, 0xff)])), 'DHE'), { kind: 'DHE', primeBits: 1015 });
  t.same(parseServerKeyExchange(hex('03 0017 41', fill(4, 65)), 'ECDHE'), { kind: 'ECDHE', group: 0x17 });
  t.same(parseServerKeyExchange(hex('01 0203'), 'ECDHE'), { kind: 'other' }, 'explicit curves are not named');
  t.same(parseServerKeyExchange(hex('0002 1234'), 'RSA'), { kind: 'other' });
});

t.test('a TLS 1.0 CertificateRequest has no signature algorithms (RFC 4346 §7.4.4)', async (t) => {
  const flight = hex(
    '16 0301 0038',
    '02 000028 0301', fill(0x22, 32), '00', '002f', '00', '0000', // ServerHello 3.1, AES128-SHA, empty extensions block
    '0d 000004 01 01 0000', // CertificateRequest: rsa_sign, no CA names
    '0e 000000',
  );
  const events = readAll(flight);
  const cr = events.find((e) => e.kind === 'handshake' && e.message.type === 'certificate_request');
  t.match(cr, { kind: 'handshake', message: { type: 'certificate_request', request: { certificateTypes: [1], signatureAlgorithms: null, authorities: [] } } });
});

t.test('a HelloRetryRequest is recognised by its random and names the group the server wants (RFC 8446 §4.1.3, §4.2.8)', async (t) => {
  const hrr = hex(
    '16 0303 0038',
    '02 000034 0303',
    HELLO_RETRY_RANDOM.toString('hex'),
    '00', '1301', '00',
    '000c', '002b 0002 0304', '0033 0002 0017', // supported_versions TLS 1.3, key_share selected_group P-256
  );
  const [ev] = readAll(hrr);
  t.match(ev, { kind: 'handshake', message: { type: 'server_hello', hello: { helloRetry: true, version: 0x0304, legacyVersion: 0x0303, suite: 0x1301, keyShareGroup: 0x17 } } });
});

t.test('alerts are read with their names', async (t) => {
  t.same(readAll(hex('15 0303 0002 02 28')), [{ kind: 'alert', alert: { level: 2, description: 40, name: 'handshake_failure' } }]);
  t.same(readAll(hex('15 0300 0002 02 46')), [{ kind: 'alert', alert: { level: 2, description: 70, name: 'protocol_version' } }]);
});

t.test('what is not TLS is garbage, reported once, with a reason', async (t) => {
  t.same(readAll(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')), [{ kind: 'garbage', reason: 'not a TLS record (content type 0x48)' }]);
  t.same(readAll(hex('802e 0400 0103')), [{ kind: 'garbage', reason: 'an SSLv2-format record, not an SSLv3/TLS record' }]);
  t.same(readAll(hex('16 0403 0001 00')), [{ kind: 'garbage', reason: 'not a TLS record (record version 0x0403)' }]);
  t.same(readAll(hex('16 0303 0009 02 000005 0303 aabbcc')), [{ kind: 'garbage', reason: 'ServerHello truncated in random' }]);
  t.same(readAll(hex('16 0303 0004 0e 000001')), [], 'an incomplete message waits for more bytes');
  t.same(readAll(hex('16 0303 0005 0e 000001 00')), [{ kind: 'garbage', reason: 'ServerHelloDone with a body' }]);
  const reader = new ServerFlightReader();
  t.equal(reader.push(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n')).length, 1);
  t.same(reader.push(TLS12_FLIGHT), [], 'nothing more is read once the stream was garbage');
});

t.test('the hex excerpt shows bytes and their printable form', async (t) => {
  t.equal(hexExcerpt(Buffer.from('HTTP/1.1')), '48 54 54 50 2f 31 2e 31 |HTTP/1.1|');
  t.match(hexExcerpt(Buffer.alloc(40, 0)), /^00( 00){31} … \|\.{32}\|$/);
});
