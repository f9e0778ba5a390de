// The log scanner over real Mosquitto 2.0.11 logs (test/fixtures/broker-logs,
// written by Debian's broker under real clients) and over the edge cases a
// log file can hold: odd timestamps, run windows, the probe's own ids,
// secrets in ids, over-long lines.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { classifyTls, parseMessage } from '../../../probes/broker-sessions/mosquitto.js';
import { redactLine } from '../../../probes/broker-sessions/redact.js';
import { LogScanner, mergeWindows, SAMPLES } from '../../../probes/broker-sessions/scanner.js';
import { autoTimestamps, formatTimestamps, type TimestampReader } from '../../../probes/broker-sessions/timestamps.js';

const LOGS = join(import.meta.dirname, '..', '..', 'fixtures', 'broker-logs');
const lines = (name: string) => readFileSync(join(LOGS, name), 'latin1').split('\n');

function scan(text: string[], opts: { fromS?: number; toS?: number; runWindows?: Array<[number, number]>; timestamps?: TimestampReader; maxTracked?: number } = {}) {
  const s = new LogScanner({ timestamps: opts.timestamps ?? autoTimestamps(), fromS: opts.fromS ?? 0, toS: opts.toS ?? 4e9, runWindows: opts.runWindows ?? [], maxTracked: opts.maxTracked ?? 2000 });
  s.startFile();
  for (const l of text) s.line(l);
  return { scanner: s, file: s.endFile(), counts: s.counts(), sessions: s.sessions() };
}

t.test('every behaviour in the real notice-level log is counted, by id and by address', async (t) => {
  const { sessions: s, counts } = scan(lines('mosquitto-2.0.11-notice.log'));
  t.equal(counts.oddTimestamp, 0);
  t.same(s.totals, { connects: 6, takeovers: 1, authFailures: 4, tlsCertificateFailures: 4, tlsProtocolFailures: 2 }, 'totals');
  const twin = s.clients.find((c) => c.id === 'twin');
  t.same([twin?.connects, twin?.takeovers, twin?.users, twin?.addresses], [3, 1, ['dev'], ['127.0.0.1']], 'the same id twice at once: a takeover');
  const local = s.peers.find((p) => p.address === '127.0.0.1');
  t.equal(local?.authFailures, 4, 'four refused logins, attributed to the connection accepted just before each');
  t.same(local?.tls, { 'client-certificate': 3, 'broker-certificate': 1, protocol: 2 });
  t.same(local?.tlsReasons, { 'certificate verify failed': 2, 'peer did not return a certificate': 1, 'tlsv1 alert unknown ca': 1, 'unsupported protocol': 1, 'wrong version number': 1 });
  t.same(s.peers.find((p) => p.address === '::1')?.connects, 1, 'IPv6 address read');
  t.equal(s.unattributed, 0);
  t.equal(s.samples.takeovers[0], '1796000474: Client twin already connected, closing old connection.');
  t.equal(s.samples.tlsFailures.length, 4, 'certificate failures quoted, protocol ones counted only');
});

t.test('log_type all: the CONNACK refusal names the address; counts match the notice-level log', async (t) => {
  const { sessions: s } = scan(lines('mosquitto-2.0.11-all.log'));
  t.same(s.totals, { connects: 6, takeovers: 1, authFailures: 4, tlsCertificateFailures: 4, tlsProtocolFailures: 2 });
  t.equal(s.peers.find((p) => p.address === '127.0.0.1')?.authFailures, 4);
  t.equal(s.unattributed, 0);
});

t.test('log_timestamp_format %Y-%m-%dT%H:%M:%S: detected without configuration, and as configured', async (t) => {
  const text = lines('mosquitto-2.0.11-iso.log');
  const first = new Date(2026, 10, 30, 1, 1, 17).getTime() / 1000; // local time, as Mosquitto wrote it
  for (const timestamps of [autoTimestamps(), formatTimestamps('%Y-%m-%dT%H:%M:%S', 'broker.log_timestamp_format')]) {
    const { sessions: s, counts, file } = scan(text, { timestamps });
    t.equal(counts.oddTimestamp, 0, timestamps.describe);
    t.same(s.totals, { connects: 6, takeovers: 1, authFailures: 4, tlsCertificateFailures: 4, tlsProtocolFailures: 2 });
    t.equal(file.firstLineAt, new Date(first * 1000).toISOString());
  }
});

t.test('other strftime formats; a format that cannot place a line in time is refused naming the key', async (t) => {
  const r = formatTimestamps('%d/%b/%Y %T', 'broker.log_timestamp_format');
  const s = r.read('30/Nov/2026 01:02:03: New connection from 10.0.0.5:1 on port 8883.');
  t.equal(s?.epochS, new Date(2026, 10, 30, 1, 2, 3).getTime() / 1000);
  t.equal(s?.messageAt, 22);
  t.equal(formatTimestamps('%F %T%z', 'k').read('2026-11-30 01:02:03+0100: x')?.epochS, Date.UTC(2026, 10, 30, 0, 2, 3) / 1000, '%z offset applied');
  t.throws(() => formatTimestamps('%H:%M:%S', 'broker.log_timestamp_format'), /broker.log_timestamp_format "%H:%M:%S": a timestamp needs a year, month, day/);
  t.throws(() => formatTimestamps('%Y %j', 'broker.log_timestamp_format'), /%j is not a conversion broker-sessions reads/);
});

t.test('odd timestamps are passed over and counted, a few quoted', async (t) => {
  const { counts, sessions } = scan([
    '1700000000: New client connected from 10.0.0.9:5000 as dev-1 (p2, c1, k60, u\'dev\').',
    'Nov 30 01:02:03 gw mosquitto[712]: New client connected from 10.0.0.9:5001 as dev-1 (p2, c1, k60).',
    '170000: New client connected from 10.0.0.9:5002 as dev-1 (p2, c1, k60).',
    '2026-13-40T99:00:00: New client connected from 10.0.0.9:5003 as dev-1 (p2, c1, k60).',
    '\u0000\u0000\u0000\u0000',
    '',
    '1700000001: something Mosquitto 3 might say one day',
  ]);
  t.equal(counts.total, 6, 'a blank line is not a line');
  t.equal(counts.oddTimestamp, 4);
  t.equal(counts.judged, 2, 'the unknown message is judged (passed over), the odd ones are not');
  t.equal(sessions.clients[0]?.connects, 1);
});

t.test('the window and the run windows: lines before the window and inside pathaudit runs are not judged', async (t) => {
  const text = [
    '1000: too old',
    '1700000000: New client connected from 10.0.0.9:1 as dev-1 (p2, c1, k60).',
    '1700000100: Client dev-1 already connected, closing old connection.',
    '1700000100: New client connected from 10.0.0.9:2 as dev-1 (p2, c1, k60).',
    '1700000200: New connection from 127.0.0.1:40000 on port 8883.',
    '1700000200: OpenSSL Error[0]: error:0A0000C7:SSL routines::peer did not return a certificate',
    '1700000300: New client connected from 127.0.0.1:3 as pathaudit-probe-1a2b3c4d (p5, c1, k10).',
    '1700000400: New client connected from 10.0.0.9:4 as dev-1 (p2, c1, k60).',
  ];
  const { counts, sessions: s } = scan(text, { fromS: 1600000000, toS: 1700000350, runWindows: [[1700000050, 1700000150], [1700000190, 1700000210]] });
  t.equal(counts.beforeWindow, 0, '"1000: too old" has no 9-digit epoch: odd');
  t.equal(counts.oddTimestamp, 1);
  t.equal(counts.inRunWindows, 4, 'the takeover, its connect, and the probe TLS failure are inside runs');
  t.equal(counts.afterWindow, 1);
  t.equal(counts.probeSessions, 1, "the probe's own id outside a run window is still the probe's");
  t.same(s.totals, { connects: 1, takeovers: 0, authFailures: 0, tlsCertificateFailures: 0, tlsProtocolFailures: 0 });
  t.same(mergeWindows([[5, 9], [1, 3], [2, 4], [10, Infinity]]), [[1, 4], [5, 9], [10, Infinity]]);
});

t.test('a TLS failure inside a run window does not steal the address of a device failing after it', async (t) => {
  const { sessions: s } = scan(
    [
      '1700000200: New connection from 127.0.0.1:40000 on port 8883.',
      '1700000200: OpenSSL Error[0]: error:0A0000C7:SSL routines::peer did not return a certificate',
      '1700000300: New connection from 10.0.0.7:41000 on port 8883.',
      '1700000300: OpenSSL Error[0]: error:0A000086:SSL routines::certificate verify failed',
      '1700000300: OpenSSL Error[1]: error:0A000197:SSL routines::shutdown while in init',
    ],
    { runWindows: [[1700000190, 1700000210]] },
  );
  t.same(
    s.peers.map((p) => [p.address, p.tls['client-certificate']]),
    [['10.0.0.7', 1]],
    'Error[1] continues Error[0]: one failure',
  );
});

t.test('secrets people put in ids and user names are redacted from quoted lines', async (t) => {
  t.equal(redactLine("1: New client connected from 10.0.0.9:1 as dev password=hunter2 (p2, c1, k60, u'token:abc123')."), "1: New client connected from 10.0.0.9:1 as dev password=[redacted] (p2, c1, k60, u'token:[redacted]').");
  const { sessions } = scan(['1700000000: Client pwd=s3cret already connected, closing old connection.']);
  t.equal(sessions.samples.takeovers[0], '1700000000: Client pwd=[redacted] already connected, closing old connection.');
});

t.test('bounded: samples keep the latest lines, ids beyond the limit are counted not tracked', async (t) => {
  const text = Array.from({ length: 50 }, (_, i) => `17000000${String(i).padStart(2, '0')}: Client d${i} already connected, closing old connection.`);
  const { sessions: s } = scan(text, { maxTracked: 10 });
  t.equal(s.samples.takeovers.length, SAMPLES);
  t.match(s.samples.takeovers.at(-1), /Client d49 already/);
  t.equal(s.clients.length, 10);
  t.equal(s.untrackedClients, 40);
  t.equal(s.totals.takeovers, 50, 'totals count every line');
});

t.test('UTF-8 ids survive the latin1 read', async (t) => {
  const raw = Buffer.from('1700000000: New client connected from 10.0.0.9:1 as capteur-été (p2, c1, k60).', 'utf8').toString('latin1');
  const { sessions } = scan([raw]);
  t.equal(sessions.clients[0]?.id, 'capteur-été');
});

t.test('message parsing and TLS classification', async (t) => {
  t.same(parseMessage("New client connected from ::ffff:10.0.0.2:5555 as weird id (p5, c0, k30, u'it''s')."), {
    type: 'connected',
    host: '::ffff:10.0.0.2',
    port: 5555,
    id: 'weird id',
    protocol: 5,
    user: "it''s",
  });
  t.same(parseMessage('New client connected from 10.0.0.2:5555 as anon (p2, c1, k60).'), { type: 'connected', host: '10.0.0.2', port: 5555, id: 'anon', protocol: 2, user: null });
  t.same(parseMessage('Sending CONNACK to 10.0.0.2 (0, 134)'), { type: 'refused', target: '10.0.0.2', code: 134 });
  t.equal(parseMessage('Sending CONNACK to dev-1 (0, 0)'), null, 'an accepted CONNACK is no event');
  t.same(parseMessage('Client dev-9 disconnected, not authorised.'), { type: 'not-authorised', id: 'dev-9' });
  t.same(parseMessage('Client connection from 10.0.0.3 failed: error:0A00010B:SSL routines::wrong version number.'), {
    type: 'tls-error',
    index: 0,
    reason: 'wrong version number',
    host: '10.0.0.3',
  });
  t.equal(parseMessage('Received PUBLISH from dev-1 (d0, q1, r0, m1, \'t\', ... (2 bytes))'), null);
  t.equal(classifyTls('certificate verify failed'), 'client-certificate');
  t.equal(classifyTls('sslv3 alert certificate expired'), 'broker-certificate');
  t.equal(classifyTls('tlsv1 alert unknown ca'), 'broker-certificate');
  t.equal(classifyTls('no shared cipher'), 'protocol');
});
