// broker-sessions judgement from recorded evidence (as a stored run holds
// it): each control fails on the counts that should fail it and passes on a
// quiet log, with thresholds and the inventory from the config.
import t from 'tap';
import type { ClientFacts, PeerFacts, ScanFacts, SessionFacts } from '../../../probes/broker-sessions/evidence.js';
import { evaluateBrokerSessions } from '../../../probes/broker-sessions/evaluate.js';
import type { Evidence } from '../../../probes/types.js';
import { only, sessionsConfig } from './helpers.js';

const scan: ScanFacts = {
  files: [{ path: '/var/log/mosquitto/mosquitto.log', role: 'current', state: 'read', reason: null, compressed: false, bytes: 52000, lines: 400, firstLineAt: '2026-11-29T01:00:00.000Z', lastLineAt: '2026-11-30T00:59:00.000Z' }],
  window: { hours: 24, from: '2026-11-29T01:00:00.000Z', to: '2026-11-30T01:00:00.000Z' },
  timestamps: 'auto: epoch seconds or ISO 8601 (%Y-%m-%dT%H:%M:%S[%z])',
  lines: { total: 400, judged: 380, beforeWindow: 0, afterWindow: 0, oddTimestamp: 0, tooLong: 0, inRunWindows: 20, probeSessions: 0 },
  oddSamples: [],
  runWindows: { count: 1, listed: [{ startedAt: '2026-11-30T00:59:50.000Z', finishedAt: null }] },
  coversFrom: '2026-11-29T01:00:00.000Z',
  limits: { maxBytes: 256 * 1048576, maxTracked: 2000 },
};

const client = (id: string, over: Partial<ClientFacts> = {}): ClientFacts => ({
  id,
  connects: 1,
  takeovers: 0,
  authFailures: 0,
  addresses: ['10.0.0.21'],
  users: [id],
  firstAt: '2026-11-29T02:00:00.000Z',
  lastAt: '2026-11-29T02:00:00.000Z',
  sample: `1796000000: New client connected from 10.0.0.21:40000 as ${id} (p2, c1, k60, u'${id}').`,
  ...over,
});
const peer = (address: string, over: Partial<PeerFacts> = {}): PeerFacts => ({
  address,
  connects: 1,
  authFailures: 0,
  tls: { 'client-certificate': 0, 'broker-certificate': 0, protocol: 0 },
  tlsReasons: {},
  ...over,
});
const quiet = (): SessionFacts => ({
  clients: [client('stm32-01'), client('stm32-02', { connects: 20 })],
  peers: [peer('10.0.0.21', { connects: 21 })],
  untrackedClients: 0,
  untrackedPeers: 0,
  totals: { connects: 21, takeovers: 0, authFailures: 0, tlsCertificateFailures: 0, tlsProtocolFailures: 3 },
  unattributed: 0,
  samples: { takeovers: [], authFailures: [], tlsFailures: [] },
});

const config = sessionsConfig('/var/log/mosquitto/mosquitto.log', {}, [{ id: 'stm32-01' }, { id: 'stm32-02' }]);
const judge = (sessions: SessionFacts, cfg = config, facts: ScanFacts = scan) => {
  const evidence: Evidence[] = [
    { key: 'log-scan', kind: 'broker-log-scan', resource: 'broker-log', data: { state: 'observed', ...facts } },
    { key: 'sessions', kind: 'broker-log-sessions', resource: 'broker-log', data: sessions },
  ];
  return evaluateBrokerSessions({ config: cfg, evidence, runEvidence: evidence, now: new Date('2026-11-30T01:00:00Z') });
};

t.test('a quiet log: every control passes, on the log as a whole, citing both records', async (t) => {
  const results = judge(quiet());
  t.same(
    results.map((r) => [r.control, r.resource, r.status]),
    ['BS-01', 'BS-02', 'BS-03', 'BS-04', 'BS-05'].map((c) => [c, 'broker-log', 'pass']),
  );
  for (const r of results) t.same(r.evidence, ['log-scan', 'sessions']);
  t.match(only(results, 'BS-03', 'broker-log').detail, /0 TLS certificate failures .*3 protocol-level handshake failures .* not counted/);
  t.match(only(results, 'BS-05', 'broker-log').detail, /no client id connected more than 20 times .*most: stm32-02, 20/);
  t.match(only(results, 'BS-01', 'broker-log').detail, /380 log lines of the last 24 h; 20 lines inside pathaudit runs left out/);
});

t.test('BS-01 fails per taken-over id, with the count', async (t) => {
  const s = quiet();
  s.clients[0] = client('stm32-01', { connects: 7, takeovers: 6, addresses: ['10.0.0.21', '10.0.0.22'] });
  const r = only(judge(s), 'BS-01', 'client stm32-01');
  t.equal(r.status, 'fail');
  t.match(r.detail, /client id stm32-01 was taken over 6 times .*connected 7 times from 10\.0\.0\.21, 10\.0\.0\.22/);
});

t.test('BS-02 fails at the threshold per address and per id, passes below it', async (t) => {
  const s = quiet();
  s.peers.push(peer('10.0.0.66', { authFailures: 5 }));
  s.clients.push(client('stm32-09', { connects: 0, authFailures: 5 }));
  const results = judge(s);
  t.equal(only(results, 'BS-02', 'peer 10.0.0.66').status, 'fail');
  t.match(only(results, 'BS-02', 'peer 10.0.0.66').detail, /5 refused logins from 10\.0\.0\.66 .*threshold 5; broker.auth_failure_threshold/);
  t.equal(only(results, 'BS-02', 'client stm32-09').status, 'fail');
  const higher = judge(s, sessionsConfig('/x', { auth_failure_threshold: 6 }, [{ id: 'stm32-01' }]));
  t.equal(only(higher, 'BS-02', 'broker-log').status, 'pass');
  t.match(only(higher, 'BS-02', 'broker-log').detail, /most from one address: 5 \(10\.0\.0\.66\); threshold 6/);
  t.notOk(higher.some((r) => r.control === 'BS-04' && r.resource === 'client stm32-09'), 'an id that never got in did not connect');
});

t.test('BS-03 counts certificate failures only, per address', async (t) => {
  const s = quiet();
  s.peers.push(peer('10.0.0.77', { tls: { 'client-certificate': 4, 'broker-certificate': 1, protocol: 9 }, tlsReasons: { 'certificate verify failed': 4, 'tlsv1 alert unknown ca': 1, 'no shared cipher': 9 } }));
  s.peers.push(peer('10.0.0.78', { tls: { 'client-certificate': 0, 'broker-certificate': 0, protocol: 50 }, tlsReasons: { 'wrong version number': 50 } }));
  const results = judge(s);
  const r = only(results, 'BS-03', 'peer 10.0.0.77');
  t.equal(r.status, 'fail');
  t.match(r.detail, /5 TLS certificate failures from 10\.0\.0\.77 \(4 with the client's certificate refused, 1 with the broker's certificate refused by the client; threshold 5.*no shared cipher ×9, certificate verify failed ×4/);
  t.equal(results.filter((x) => x.control === 'BS-03').length, 1, 'the scanner at .78 (protocol failures only) is not a finding');
});

t.test('BS-04 fails per connected id outside the inventory (client_id), skipped without an inventory', async (t) => {
  const s = quiet();
  s.clients.push(client('mqtt-explorer-5f3a', { addresses: ['192.168.1.50'], users: ['stm32-02'] }));
  const results = judge(s);
  const r = only(results, 'BS-04', 'client mqtt-explorer-5f3a');
  t.equal(r.status, 'fail');
  t.match(r.detail, /connected 1 time from 192\.168\.1\.50 as user stm32-02 .*not an inventory client_id/);
  const byClientId = judge(quiet(), sessionsConfig('/x', {}, [{ id: 'stm32-01' }, { id: 'sensor-2', client_id: 'stm32-02' }]));
  t.equal(only(byClientId, 'BS-04', 'broker-log').status, 'pass', 'inventory client_id matches');
  const none = judge(s, sessionsConfig('/x'));
  t.equal(only(none, 'BS-04', 'broker-log').status, 'skipped');
  t.match(only(none, 'BS-04', 'broker-log').detail, /devices.inventory lists no device/);
});

t.test('BS-05 fails above broker.max_reconnects', async (t) => {
  const s = quiet();
  s.clients[1] = client('stm32-02', { connects: 21, firstAt: '2026-11-29T02:00:00.000Z', lastAt: '2026-11-29T23:00:00.000Z' });
  const r = only(judge(s), 'BS-05', 'client stm32-02');
  t.equal(r.status, 'fail');
  t.match(r.detail, /connected 21 times between 2026-11-29T02:00:00.000Z and 2026-11-29T23:00:00.000Z \(more than 20; broker.max_reconnects\)/);
  t.equal(only(judge(s, sessionsConfig('/x', { max_reconnects: 21 }, [{ id: 'stm32-01' }, { id: 'stm32-02' }])), 'BS-05', 'broker-log').status, 'pass');
});

t.test('more ids than tracked: BS-04 and BS-05 cannot pass', async (t) => {
  const s = quiet();
  s.untrackedClients = 12;
  const results = judge(s);
  t.equal(only(results, 'BS-04', 'broker-log').status, 'error');
  t.equal(only(results, 'BS-05', 'broker-log').status, 'error');
});

t.test('a failed or missing scan: every control error with the reason', async (t) => {
  const failed: Evidence[] = [{ key: 'log-scan', kind: 'broker-log-scan', resource: 'broker-log', data: { state: 'failed', reason: '/var/log/mosquitto/mosquitto.log does not exist' } }];
  const results = evaluateBrokerSessions({ config, evidence: failed, runEvidence: failed, now: new Date() });
  t.same([...new Set(results.map((r) => `${r.status}: ${r.detail}`))], ['error: /var/log/mosquitto/mosquitto.log does not exist']);
  t.same(results[0]?.evidence, ['log-scan']);
  const none = evaluateBrokerSessions({ config, evidence: [], runEvidence: [], now: new Date() });
  t.same([...new Set(none.map((r) => r.status))], ['error']);
});
