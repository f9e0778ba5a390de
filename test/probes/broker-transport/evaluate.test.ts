// broker-transport judgement as the pure function it is: evidence shapes that
// a lab broker cannot produce on demand (a TLS 1.2-only listener as a raw TLS
// scan reports it, CA names from a CertificateRequest, a live $SYS message
// seen beside the probe).
import t from 'tap';
import type { PathauditConfig } from '../../../config/schema/index.js';
import { evaluateBrokerTransport } from '../../../probes/broker-transport/evaluate.js';
import type { ClientAuthData, SubscribeData, SysWitnessData } from '../../../probes/broker-transport/evidence.js';
import type { ClientCertificateObservation, TlsScan, VersionScan } from '../../../probes/tls/scan.js';
import { suiteName } from '../../../probes/tls/suites.js';
import type { Evidence } from '../../../probes/types.js';

const R = 'mqtts 127.0.0.1:8883';
const config: PathauditConfig = { broker: { host: '127.0.0.1', listeners: [{ name: 'mqtts', port: 8883, tls: true }], default_credentials: false } };

/** A TLS 1.2-only listener (or one that refuses every version), as the raw TLS scan reports it. */
function scan(tls12: 'accepted' | 'refused', clientCertificate: Partial<ClientCertificateObservation> = {}): TlsScan {
  const version = (v: VersionScan['version']): VersionScan => {
    const accepted = v === 'TLSv1.2' && tls12 === 'accepted';
    return {
      version: v,
      status: accepted ? 'accepted' : 'refused',
      serverHello: accepted,
      suites: accepted ? [suiteName(0xc02f)] : [],
      offered: 10,
      ...(accepted ? {} : { refusal: 'alert 70 protocol_version' }),
      preference: 'unknown',
      preferenceHow: 'one suite',
      hellos: accepted ? 2 : 1,
      durationMs: 2,
    };
  };
  return {
    host: '127.0.0.1',
    port: 8883,
    servername: null,
    versions: (['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const).map(version),
    clientCertificate: { requested: null, caNames: [], observedOn: null, note: 'test', ...clientCertificate },
    hellos: 6,
    durationMs: 5,
  };
}

function evidence(clientAuth: Partial<ClientAuthData>, extra: Evidence[] = [], request: Partial<ClientCertificateObservation> = {}): Evidence[] {
  const noConnack = { outcome: 'no-connack', protocol: '5', stage: 'error', reason: 'SSL alert', durationMs: 3 };
  return [
    { key: `tcp ${R}`, kind: 'tcp-connect', resource: R, data: { reachable: true, code: null, reason: null, durationMs: 1 } },
    { key: `bind ${R}`, kind: 'listen-address', resource: R, data: { addresses: ['127.0.0.1'], beyondLoopback: false } },
    { key: `tls-scan ${R}`, kind: 'tls-scan', resource: R, data: scan('accepted', request) },
    { key: `anonymous ${R}`, kind: 'mqtt-connack', resource: R, data: { identity: 'anonymous', transport: 'mqtts', attempts: [noConnack] } },
    {
      key: `tls-client-auth ${R}`,
      kind: 'tls-client-auth',
      resource: R,
      data: { source: 'test', protocol: null, alert: { code: 40, name: 'handshake_failure' }, mqttReached: false, ...clientAuth } satisfies ClientAuthData,
    },
    { key: 'listeners broker 127.0.0.1', kind: 'declared-listeners', resource: 'broker 127.0.0.1', data: { identityListener: R, plannedIdentityListener: R } },
    {
      key: `subscribe ${R}`,
      kind: 'mqtt-subscribe',
      resource: R,
      data: { identity: 'probe identity p', configuredIdentity: true, certificate: false, withheld: null, attempts: [noConnack], reads: null, scope: [] },
    },
    ...extra,
  ];
}

const run = (ev: Evidence[]) => evaluateBrokerTransport({ config, evidence: ev, runEvidence: ev, now: new Date() });
const get = (results: ReturnType<typeof run>, control: string) => results.find((r) => r.control === control)!;

t.test('TLS 1.2 handshake_failure to a client without a certificate, on a listener that speaks TLS: mutual TLS, with the CA names when a scan saw them', async (t) => {
  let results = run(evidence({}));
  t.match(get(results, 'BT-02'), { status: 'pass', detail: /^client certificate required: an anonymous client cannot connect without a certificate from that CA \(a session without one ended on TLS alert 40 handshake_failure during the handshake\)/ });
  results = run(evidence({}, [], { requested: true, caNames: ['CN=pathaudit lab device CA'], observedOn: 'TLSv1.2' }));
  t.match(get(results, 'BT-02').detail, /without a certificate from one of CN=pathaudit lab device CA/);
  t.match(get(results, 'BT-01').detail, /CAs the server accepts: CN=pathaudit lab device CA/);
});

t.test('no CertificateRequest seen, or the listener does not speak TLS: a handshake failure is not read as mutual TLS', async (t) => {
  t.equal(get(run(evidence({}, [], { requested: false, observedOn: 'TLSv1.2' })), 'BT-02').status, 'error', 'no CertificateRequest: the failure is something else');
  const ev = evidence({}).map((e) => (e.kind === 'tls-scan' ? { ...e, data: scan('refused') } : e));
  t.equal(get(run(ev), 'BT-02').status, 'error', 'no TLS spoken: nothing recognised');
});

function reads(probeSysSubackAt: number, witnessTopic: { firstAtMs: number; lastAtMs: number; retained: number; messages: number } | null): Evidence[] {
  const subscribe: SubscribeData = {
    identity: 'probe identity p',
    configuredIdentity: true,
    certificate: false,
    withheld: null,
    attempts: [{ outcome: 'connack', protocol: '5', code: 0, meaning: 'success', accepted: true, durationMs: 2 }],
    scope: ['devices/+/telemetry'],
    reads: {
      subscriptions: [
        { topic: '#', granted: 0x80, refused: true, subackAtMs: 10 },
        { topic: '$SYS/#', granted: 0, refused: false, subackAtMs: probeSysSubackAt },
      ],
      delivered: [],
      moreTopics: 0,
      windowMs: 2000,
      listenedMs: 2000,
      endedEarly: null,
      windowStartAtMs: probeSysSubackAt,
      windowEndAtMs: probeSysSubackAt + 2000,
    },
  };
  const witness: SysWitnessData = {
    attempts: [{ outcome: 'connack', protocol: '5', code: 0, meaning: 'success', accepted: true, durationMs: 2 }],
    reads: {
      subscriptions: [{ topic: '$SYS/#', granted: 0, refused: false, subackAtMs: 5 }],
      delivered: witnessTopic ? [{ topic: '$SYS/abc/heartbeat', ...witnessTopic }] : [],
      moreTopics: 0,
      windowMs: 5000,
      listenedMs: 2100,
      endedEarly: 'companion session ended',
      windowStartAtMs: 5,
      windowEndAtMs: probeSysSubackAt + 2000,
    },
  };
  return [
    { key: `subscribe ${R}`, kind: 'mqtt-subscribe', resource: R, data: subscribe },
    { key: `sys-witness ${R}`, kind: 'mqtt-subscribe', resource: R, data: witness },
  ];
}

t.test('$SYS filtered: live $SYS at an interval within half the probe window is positive evidence; rarer or earlier $SYS is not', async (t) => {
  const base = evidence({ alert: null, mqttReached: true });
  const bt06 = (probeSubackAt: number, w: { firstAtMs: number; lastAtMs: number; retained: number; messages: number } | null) => get(run([...base, ...reads(probeSubackAt, w)]), 'BT-06');
  t.match(bt06(100, { firstAtMs: 50, lastAtMs: 1000, retained: 0, messages: 3 }), { status: 'pass', detail: /the broker publishes \$SYS\/abc\/heartbeat about every 475 ms .* no \$SYS message in 1750 ms/ });
  t.match(bt06(100, { firstAtMs: 50, lastAtMs: 90, retained: 0, messages: 2 }), { status: 'skipped', detail: /no other session showed the broker publishing \$SYS meanwhile/ }, 'published only before the probe subscribed: proves nothing');
  t.equal(bt06(100, { firstAtMs: 300, lastAtMs: 1300, retained: 0, messages: 2 }).status, 'skipped', 'an interval over half the window: some windows would miss it, so it proves nothing in any');
  t.equal(bt06(100, { firstAtMs: 700, lastAtMs: 700, retained: 0, messages: 1 }).status, 'skipped', 'one live message: no interval known');
  t.equal(bt06(100, null).status, 'skipped', 'a witness that saw no $SYS: nothing is known');
  t.match(bt06(100, { firstAtMs: 6, lastAtMs: 6, retained: 1, messages: 1 }), { status: 'pass', detail: /retained \$SYS topic/ }, 'a retained $SYS message reaches every permitted subscriber: its absence is proof');
});
