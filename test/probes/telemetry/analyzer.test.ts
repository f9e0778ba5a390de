// The analyzer is pure: these tests feed it sequences directly and assert the
// exact per-device numbers (the integration tests drive it through aedes).
import t from 'tap';
import { EXAMPLES, TelemetryAnalyzer, type AnalyzerOptions } from '../../../probes/telemetry/analyzer.js';
import { deviceTimeMs, payloadHash, topicLevel } from '../../../probes/telemetry/message.js';
import { P2Median } from '../../../probes/telemetry/median.js';

const T0 = Date.parse('2026-11-26T12:00:00Z');
const opts = (o: Partial<AnalyzerOptions> = {}): AnalyzerOptions => ({
  deviceId: { topic_level: 1 },
  sequence: '/seq',
  timestamp: '/ts',
  sequenceMax: 0xffffffff,
  maxDevices: 100,
  ...o,
});

/** Feeds sequence numbers for one device; `variant` changes the payload (a different reading). */
function feed(a: TelemetryAnalyzer, device: string, seqs: number[], o: { variant?: number; skewMs?: number; retain?: boolean } = {}) {
  for (const seq of seqs) {
    const arrival = T0 + seq * 100;
    const payload = Buffer.from(JSON.stringify({ seq, ts: arrival + (o.skewMs ?? 0), t: 20 + (o.variant ?? 0) }));
    a.ingest(`devices/${device}/telemetry`, payload, 1, o.retain ?? false, arrival);
  }
}
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const only = (a: TelemetryAnalyzer) => {
  const ds = a.devices();
  if (ds.length !== 1) throw new Error(`expected one device, got ${ds.length}`);
  return ds[0]!;
};

t.test('a clean stream has no duplicates, gaps or reordering', async (t) => {
  const a = new TelemetryAnalyzer(opts());
  feed(a, 'stm32-01', range(0, 999));
  const r = only(a);
  t.match(r, { device: 'stm32-01', messages: 1000, unique: 1000, missing: 0, outOfOrder: 0, restarts: 0, duplicates: { exact: 0, conflicting: 0 } });
  t.equal(a.totals().received, 1000);
});

t.test('exact redelivery and same sequence with a different payload are counted apart', async (t) => {
  const a = new TelemetryAnalyzer(opts());
  feed(a, 'd', range(0, 99));
  feed(a, 'd', [10, 20, 99]); // identical payloads: QoS 1 redelivery
  feed(a, 'd', [30, 98], { variant: 5 }); // a second reading under a used number
  const r = only(a);
  t.equal(r.messages, 105);
  t.equal(r.unique, 100);
  t.same(r.duplicates, { exact: 3, conflicting: 2, exactExamples: [10, 20, 99], conflictingExamples: [30, 98] });
  t.equal(r.missing, 0);
  t.equal(r.outOfOrder, 0, 'a duplicate is not an out-of-order arrival');
});

t.test('a gap of 7 is counted once with its range, and a late arrival fills it as out-of-order', async (t) => {
  const a = new TelemetryAnalyzer(opts());
  feed(a, 'd', [...range(0, 199), ...range(207, 499)]);
  t.match(only(a), { missing: 7, missingExamples: [[200, 206]], outOfOrder: 0 });
  const b = new TelemetryAnalyzer(opts());
  feed(b, 'd', [...range(0, 199), ...range(207, 220), 203]);
  t.match(only(b), { missing: 6, outOfOrder: 1, outOfOrderExamples: [203], missingExamples: [[200, 202], [204, 206]] });
  // 296 behind the highest: beyond the reorder window. The stream goes on from 500, so it was a straggler, not a reboot.
  feed(a, 'd', [203, ...range(500, 510)]);
  t.match(only(a), { missing: 7, outOfOrder: 1, restarts: 0, unique: 505 });
});

t.test('a counter wrap is continuity, not a restart or a gap', async (t) => {
  const a = new TelemetryAnalyzer(opts({ sequenceMax: 65535 }));
  feed(a, 'd', [...range(65500, 65535), ...range(0, 50)]);
  t.match(only(a), { wraps: 1, restarts: 0, missing: 0, unique: 87 });
  const b = new TelemetryAnalyzer(opts({ sequenceMax: 65535 }));
  feed(b, 'd', [65533, 65534, 2, 3]);
  t.match(only(b), { wraps: 1, missing: 3, missingExamples: [[65535, 1]] }, 'the lost 65535, 0 and 1 are one range across the wrap');
});

t.test('a device restart (counter back to 0) is neither loss nor duplication', async (t) => {
  const a = new TelemetryAnalyzer(opts());
  feed(a, 'd', [...range(0, 499), ...range(0, 99)]);
  t.match(only(a), { restarts: 1, missing: 0, duplicates: { exact: 0, conflicting: 0 }, unique: 600 });
  // A reboot soon after the previous one: 0 comes back inside the reorder window with a new reading.
  const b = new TelemetryAnalyzer(opts());
  feed(b, 'd', range(0, 20));
  feed(b, 'd', range(0, 20), { variant: 1 });
  t.match(only(b), { restarts: 1, missing: 0, duplicates: { exact: 0, conflicting: 0 }, unique: 42 });
});

t.test('clock skew: median and range in seconds, from epoch ms, epoch s and RFC 3339', async (t) => {
  const a = new TelemetryAnalyzer(opts());
  feed(a, 'ahead', range(0, 299), { skewMs: 90_000 });
  for (const seq of range(0, 99)) {
    const arrival = T0 + seq * 1000;
    a.ingest('devices/secs/telemetry', Buffer.from(JSON.stringify({ seq, ts: Math.floor((arrival - 30_000) / 1000) })), 1, false, arrival);
    a.ingest('devices/rfc/telemetry', Buffer.from(JSON.stringify({ seq, ts: new Date(arrival + 2_000).toISOString() })), 1, false, arrival);
  }
  const by = new Map(a.devices().map((d) => [d.device, d]));
  t.match(by.get('ahead')!.skew, { samples: 300, median_s: 90, min_s: 90, max_s: 90 });
  t.match(by.get('secs')!.skew, { samples: 100, median_s: -30 });
  t.match(by.get('rfc')!.skew, { samples: 100, median_s: 2 });
});

t.test('retained messages are counted apart and kept out of the sequence analysis', async (t) => {
  const a = new TelemetryAnalyzer(opts());
  feed(a, 'd', [5000], { retain: true });
  feed(a, 'd', range(0, 9));
  t.match(only(a), { retained: 1, messages: 10, missing: 0, restarts: 0 });
});

t.test('device id from a JSON pointer; messages without an id or not JSON are accounted for', async (t) => {
  const a = new TelemetryAnalyzer(opts({ deviceId: { pointer: '/meta/device' } }));
  a.ingest('telemetry', Buffer.from('{"meta":{"device":"stm32-07"},"seq":1,"ts":1764158400}'), 0, false, T0);
  a.ingest('telemetry', Buffer.from('{"seq":2}'), 0, false, T0);
  a.ingest('telemetry', Buffer.from('not json'), 0, false, T0);
  t.same(a.deviceIds(), ['stm32-07']);
  t.match(a.totals(), { received: 3, attributed: 1, unattributed: 2, notJson: 1 });
});

t.test('state is bounded: examples stay capped and device ids beyond max_devices are only counted', async (t) => {
  const a = new TelemetryAnalyzer(opts({ maxDevices: 3 }));
  // 1,000 gaps of 1 and 10,000 duplicates on one device.
  const seqs: number[] = [];
  for (let i = 0; i < 20_000; i += 2) seqs.push(i, i);
  feed(a, 'd', seqs);
  const r = a.devices()[0]!;
  t.equal(r.missing, 9_999);
  t.equal(r.missingExamples.length, EXAMPLES);
  t.equal(r.missingRangesNotListed, 9_999 - EXAMPLES);
  t.equal(r.duplicates.exact, 10_000);
  t.equal(r.duplicates.exactExamples.length, EXAMPLES);
  for (let i = 0; i < 50; i++) feed(a, `flood-${i}`, [1]);
  t.equal(a.devices().length, 3);
  t.match(a.totals(), { untrackedDevices: 48, untrackedMessages: 48 });
});

t.test('device timestamps: seconds, milliseconds and RFC 3339 are detected; garbage is not a time', async (t) => {
  t.equal(deviceTimeMs(1764158400), 1764158400000);
  t.equal(deviceTimeMs(1764158400123), 1764158400123);
  t.equal(deviceTimeMs('1764158400.5'), 1764158400500);
  t.equal(deviceTimeMs('2026-11-26T12:00:00+01:00'), Date.parse('2026-11-26T11:00:00Z'));
  t.ok(Number.isNaN(deviceTimeMs('2026-11-26')), 'a date without a time is not RFC 3339');
  t.ok(Number.isNaN(deviceTimeMs(null)));
  t.ok(Number.isNaN(deviceTimeMs(-5)));
  t.equal(topicLevel('devices/stm32-01/telemetry', 1), 'stm32-01');
  t.equal(topicLevel('devices', 2), '');
  t.not(payloadHash(Buffer.from('{"seq":1,"t":20}')), payloadHash(Buffer.from('{"seq":1,"t":21}')));
});

t.test('the P² median tracks the exact median of a skewed stream within 1%', async (t) => {
  let x = 12345;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const m = new P2Median();
  const all: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const v = -Math.log(1 - rnd()) * 1000; // exponential: median = 1000 ln 2
    m.add(v);
    all.push(v);
  }
  all.sort((a, b) => a - b);
  const exact = all[10_000]!;
  t.ok(Math.abs(m.value() - exact) / exact < 0.01, `P² ${m.value().toFixed(1)} vs exact ${exact.toFixed(1)}`);
  const small = new P2Median();
  [5, 1, 3].forEach((v) => small.add(v));
  t.equal(small.value(), 3, 'exact below five observations');
});
