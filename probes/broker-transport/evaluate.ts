// broker-transport judgement: a pure function of the evidence and the config.
import type { ListenerConfig } from '../../config/schema/index.js';
import { indexEvidence, type EvidenceSet } from '../evidence.js';
import type { ConnectObservation, DeliveredTopic, ReadObservation } from '../mqtt.js';
import type { TcpConnectData } from '../net.js';
import { brokerResource, listenerResource } from '../resources.js';
import { CLIENT_CERTIFICATE_ALERTS } from '../tls-alert.js';
import { judgeCipherSuites, judgeProtocolVersions, speaksTls as scanSpeaksTls } from '../tls/judge.js';
import type { ControlResult, EvaluateInput, Evidence } from '../types.js';
import {
  anonymousEvidence,
  bindEvidence,
  clientAuthEvidence,
  declaredListenersEvidence,
  defaultCredentialsEvidence,
  plaintextFallbackEvidence,
  subscribeEvidence,
  sysWitnessEvidence,
  tcpEvidence,
  tlsScanEvidence,
  wsUpgradeEvidence,
  type DeclaredListenersData,
} from './evidence.js';
import { outsideScope, refusedForCertificate } from './identity.js';
import { compareText } from '../compare.js';

const lastAttempt = (attempts: ConnectObservation[]) => attempts[attempts.length - 1];

function describeAttempt(a: ConnectObservation | undefined): string {
  if (!a) return 'no attempt';
  if (a.outcome === 'connack') return `MQTT ${a.protocol} CONNACK ${a.code} (${a.meaning})`;
  return `no CONNACK over MQTT ${a.protocol} (${a.stage}: ${a.reason})`;
}

/** A port that refuses TCP connections (ECONNREFUSED): nothing listens there. An observation, unlike a timeout. */
const closed = (tcp: Evidence<TcpConnectData>) => !tcp.data.reachable && tcp.data.code === 'ECONNREFUSED';

/**
 * A listener that could not be reached while others answer. A closed port
 * (ECONNREFUSED) holds nothing to judge: the quality controls are skipped
 * (BT-01/BT-02, which judge exposure, pass on it before reaching here). A
 * timeout or any other failure is not an observation: error.
 */
function unreachable(tcp: Evidence<TcpConnectData>, control: string, resource: string): ControlResult {
  if (closed(tcp)) return { control, resource, status: 'skipped', detail: 'no listener: nothing to judge (the port refuses TCP connections, ECONNREFUSED)', evidence: [tcp.key], gone: true };
  return {
    control,
    resource,
    status: 'error',
    detail: `listener not reachable (${tcp.data.code ?? 'unknown'}: ${tcp.data.reason}); it is declared on the path, so this control could not be observed`,
    evidence: [tcp.key],
  };
}

/**
 * Whether the listener speaks TLS: any ClientHello of the TLS scan got a
 * ServerHello back. The one place this is decided (BT-01, BT-05, BT-08 and
 * mutual-TLS recognition ask it).
 */
export function speaksTls(resource: string, ev: EvidenceSet): { yes: true; evidence: string } | { yes: false; evidence: string | null } {
  const scan = tlsScanEvidence.find(ev, resource);
  return scan && scanSpeaksTls(scan.data) ? { yes: true, evidence: scan.key } : { yes: false, evidence: scan?.key ?? null };
}

export interface MutualTls {
  /** How it was seen, for details: "a session without one ended on TLS alert 116 …". */
  how: string;
  caNames: string[] | null;
  evidence: string[];
}

const required = (m: MutualTls) => `client certificate required (${m.how})`;

/**
 * Mutual TLS recognised: on a listener that speaks TLS, the session without a
 * client certificate ended on certificate_required (TLS 1.3) or
 * handshake_failure / bad_certificate (TLS 1.2) before any MQTT answer. When a
 * TLS scan saw no CertificateRequest, a handshake failure means something else.
 */
export function clientCertificateRequired(resource: string, ev: EvidenceSet): MutualTls | null {
  const auth = clientAuthEvidence.find(ev, resource);
  if (!auth || auth.data.mqttReached || !auth.data.alert || !CLIENT_CERTIFICATE_ALERTS.has(auth.data.alert.code)) return null;
  // The scan read the server's first flight: a TLS <= 1.2 server that sent no
  // CertificateRequest failed the session for another reason.
  const requestSeen = tlsScanEvidence.find(ev, resource)?.data.clientCertificate;
  if (requestSeen?.requested === false) return null;
  const tls = speaksTls(resource, ev);
  if (!tls.yes) return null;
  const caNames = requestSeen?.requested ? requestSeen.caNames : null;
  const a = auth.data.alert;
  const after = auth.data.protocol ? ` after a ${auth.data.protocol.replace('TLSv', 'TLS ')} handshake` : ' during the handshake';
  const cas = caNames?.length ? `; CAs the server accepts: ${caNames.join('; ')}` : '';
  return {
    how: `a session without one ended on TLS alert ${a.code} ${a.name}${after}${cas}`,
    caNames,
    evidence: [auth.key, ...(tls.evidence ? [tls.evidence] : [])],
  };
}

function evaluateBt01(l: ListenerConfig, resource: string, ev: EvidenceSet): ControlResult {
  const tcp = tcpEvidence.find(ev, resource);
  if (l.websocket) return { control: 'BT-01', resource, status: 'skipped', detail: 'WebSocket listener: judged by BT-08', evidence: [] };
  if (!tcp) return tcpEvidence.missing('BT-01', resource);
  if (closed(tcp))
    return { control: 'BT-01', resource, status: 'pass', detail: 'no listener, so no plaintext exposure left: the port refuses TCP connections (ECONNREFUSED) while other listeners of the broker answer', evidence: [tcp.key] };
  if (!tcp.data.reachable) return unreachable(tcp, 'BT-01', resource);
  const plaintextEv = l.tls ? plaintextFallbackEvidence.find(ev, resource) : anonymousEvidence.find(ev, resource);
  if (l.tls) {
    const tls = speaksTls(resource, ev);
    if (tls.yes) {
      const mtls = clientCertificateRequired(resource, ev);
      return { control: 'BT-01', resource, status: 'pass', detail: `listener speaks TLS: not plaintext${mtls ? `; ${required(mtls)}` : ''}`, evidence: [tls.evidence, ...(mtls?.evidence.slice(0, 1) ?? [])] };
    }
  }
  const attempt = plaintextEv ? lastAttempt(plaintextEv.data.attempts) : undefined;
  if (!plaintextEv || !attempt || attempt.outcome !== 'connack') {
    return {
      control: 'BT-01',
      resource,
      status: 'error',
      detail: `TCP port open but the listener answered neither TLS nor a plaintext MQTT CONNECT (${describeAttempt(attempt)})`,
      evidence: [tcp.key, ...(plaintextEv ? [plaintextEv.key] : [])],
    };
  }
  const bind = bindEvidence.find(ev, resource);
  if (!bind) return bindEvidence.missing('BT-01', resource);
  const beyond = bind.data.beyondLoopback;
  // A stored record may say where without saying which addresses: the verdict stands, the detail says so.
  const addresses = (bind.data.addresses ?? ['addresses not recorded']).join(', ');
  const where = beyond === null ? 'bind address unknown, assumed reachable beyond loopback' : beyond ? `bound to ${addresses}` : `bound to loopback only (${addresses})`;
  return {
    control: 'BT-01',
    resource,
    status: 'fail',
    severity: beyond === false ? 'low' : 'high',
    detail: `plaintext MQTT answered (${describeAttempt(attempt)}); ${where}${l.tls ? '; the listener is declared TLS but speaks plaintext' : ''}`,
    evidence: [tcp.key, plaintextEv.key, bind.key],
  };
}

function evaluateBt02(resource: string, ev: EvidenceSet): ControlResult {
  const tcp = tcpEvidence.find(ev, resource);
  if (!tcp) return tcpEvidence.missing('BT-02', resource);
  // BT-02 judges exposure, like BT-01: a closed port is the observation that
  // no anonymous client connects there. (A broker that is down altogether is
  // "broker unreachable" before this is reached.)
  if (closed(tcp))
    return { control: 'BT-02', resource, status: 'pass', detail: 'no listener, so no anonymous access here: the port refuses TCP connections (ECONNREFUSED) while other listeners of the broker answer', evidence: [tcp.key] };
  if (!tcp.data.reachable) return unreachable(tcp, 'BT-02', resource);
  const anon = anonymousEvidence.find(ev, resource);
  if (!anon) return anonymousEvidence.missing('BT-02', resource);
  const a = lastAttempt(anon.data.attempts);
  if (a?.outcome === 'connack') {
    if (a.accepted) return { control: 'BT-02', resource, status: 'fail', detail: `anonymous CONNECT accepted over ${anon.data.transport}: ${describeAttempt(a)}`, evidence: [anon.key] };
    return { control: 'BT-02', resource, status: 'pass', detail: `anonymous CONNECT refused: ${describeAttempt(a)}`, evidence: [anon.key] };
  }
  const mtls = clientCertificateRequired(resource, ev);
  if (mtls)
    return {
      control: 'BT-02',
      resource,
      status: 'pass',
      detail: `client certificate required: an anonymous client cannot connect without a certificate from ${mtls.caNames?.length ? `one of ${mtls.caNames.join('; ')}` : 'that CA'} (${mtls.how})`,
      evidence: [anon.key, ...mtls.evidence],
    };
  return { control: 'BT-02', resource, status: 'error', detail: `anonymous CONNECT got no answer: ${describeAttempt(a)}`, evidence: [tcp.key, anon.key] };
}

function evaluateBt03(resource: string, ev: EvidenceSet): ControlResult {
  const tcp = tcpEvidence.find(ev, resource);
  if (!tcp) return tcpEvidence.missing('BT-03', resource);
  if (!tcp.data.reachable) return unreachable(tcp, 'BT-03', resource);
  const scan = tlsScanEvidence.find(ev, resource);
  if (!scan) return tlsScanEvidence.missing('BT-03', resource);
  const j = judgeProtocolVersions(scan.data);
  return { control: 'BT-03', resource, status: j.status, detail: j.detail, evidence: [scan.key] };
}

function evaluateBt04(resource: string, ev: EvidenceSet): ControlResult {
  const tcp = tcpEvidence.find(ev, resource);
  if (!tcp) return tcpEvidence.missing('BT-04', resource);
  if (!tcp.data.reachable) return unreachable(tcp, 'BT-04', resource);
  const scan = tlsScanEvidence.find(ev, resource);
  if (!scan) return tlsScanEvidence.missing('BT-04', resource);
  const j = judgeCipherSuites(scan.data);
  return { control: 'BT-04', resource, status: j.status, ...(j.severity ? { severity: j.severity } : {}), detail: j.detail, evidence: [scan.key] };
}

function evaluateBt05(listeners: Array<{ l: ListenerConfig; resource: string }>, pathResource: string, declaredKey: string, ev: EvidenceSet): ControlResult {
  const tlsListeners = listeners.filter((x) => x.l.tls);
  if (!tlsListeners.length)
    return { control: 'BT-05', resource: pathResource, status: 'fail', detail: 'no listener on the path is declared TLS', evidence: [declaredKey] };
  const handshaking = tlsListeners.flatMap((x) => {
    const tls = speaksTls(x.resource, ev);
    return tls.yes ? [{ ...x, evidence: tls.evidence }] : [];
  });
  if (handshaking.length)
    return {
      control: 'BT-05',
      resource: pathResource,
      status: 'pass',
      detail: `TLS spoken on ${handshaking.map((x) => `${x.resource}${clientCertificateRequired(x.resource, ev) ? ' (client certificate required)' : ''}`).join(', ')}`,
      evidence: handshaking.map((x) => x.evidence),
    };
  const observed = tlsListeners.filter((x) => {
    const tcp = tcpEvidence.find(ev, x.resource);
    return tlsScanEvidence.find(ev, x.resource)?.data.versions.some((v) => v.status !== 'error') || (tcp !== undefined && closed(tcp));
  });
  if (observed.length)
    return {
      control: 'BT-05',
      resource: pathResource,
      status: 'fail',
      detail: `listeners declared TLS completed no TLS handshake (refused, or closed): ${observed.map((x) => x.resource).join(', ')}`,
      evidence: [declaredKey, ...observed.map((x) => (tlsScanEvidence.find(ev, x.resource) ? tlsScanEvidence.key(x.resource) : tcpEvidence.key(x.resource)))],
    };
  return {
    control: 'BT-05',
    resource: pathResource,
    status: 'error',
    detail: `no declared TLS listener could be observed (${tlsListeners.map((x) => x.resource).join(', ')})`,
    evidence: [declaredKey, ...tlsListeners.map((x) => tcpEvidence.key(x.resource))],
  };
}

/** Window after the probe's SUBACK before a live $SYS message seen by the witness counts: the broker surely published it after subscribing the probe. */
export const LIVE_SYS_MARGIN_MS = 250;

const describeTopic = (t: DeliveredTopic) => `${t.topic} (${t.messages} message${t.messages === 1 ? '' : 's'}${t.retained ? `, ${t.retained} retained` : ''})`;

function scopeText(scope: string[]): string {
  return scope.length ? `its scope is ${scope.join(', ')} (telemetry.topics + broker.auth.allowed_topics)` : 'its scope is empty (neither telemetry.topics nor broker.auth.allowed_topics is set)';
}

const subackText = (s: { granted: number | null; reason?: string }) => (s.granted === null ? (s.reason ?? 'no SUBACK') : `SUBACK 0x${s.granted.toString(16)}`);

/**
 * Positive evidence that the broker filters $SYS for the probe although it
 * granted `$SYS/#`: an anonymous session saw $SYS the probe never got. Either
 * a retained $SYS message (delivered to every permitted subscriber at
 * SUBSCRIBE, so its absence is certain), or live $SYS published at a regular
 * interval no longer than half the probe's window: any such window holds at
 * least two publications, so the verdict does not depend on where the window
 * fell (a rarer $SYS topic proves nothing, in every run alike).
 */
function sysFiltered(resource: string, reads: ReadObservation, ev: EvidenceSet): { how: string; evidence: string } | null {
  const witness = sysWitnessEvidence.find(ev, resource);
  const sys = reads.subscriptions.find((s) => s.topic === '$SYS/#');
  if (!witness?.data.reads || !sys || sys.subackAtMs === null) return null;
  const seen = witness.data.reads.delivered.filter((t) => t.topic.startsWith('$'));
  const retained = seen.filter((t) => t.retained > 0);
  if (retained.length)
    return {
      how: `$SYS/# granted but filtered: an anonymous session received ${retained.length} retained $SYS topic(s) (e.g. ${retained[0]!.topic}) that the probe's subscription never delivered`,
      evidence: witness.key,
    };
  const from = sys.subackAtMs + LIVE_SYS_MARGIN_MS;
  const listened = reads.windowEndAtMs - from;
  const periodic = seen
    .filter((t) => t.messages - t.retained >= 2)
    .map((t) => ({ t, intervalMs: Math.round((t.lastAtMs - t.firstAtMs) / (t.messages - 1)) }))
    .find(({ t, intervalMs }) => intervalMs > 0 && 2 * intervalMs <= listened && t.lastAtMs >= from && t.firstAtMs <= reads.windowEndAtMs);
  if (periodic)
    return {
      how: `$SYS/# granted but filtered: the broker publishes ${periodic.t.topic} about every ${periodic.intervalMs} ms (seen by an anonymous session), and the probe got no $SYS message in ${listened} ms`,
      evidence: witness.key,
    };
  return null;
}

function evaluateBt06(identityResource: string | null, records: EvidenceSet, pathResource: string): ControlResult {
  if (!identityResource) return { control: 'BT-06', resource: pathResource, status: 'error', detail: 'no reachable listener to open a probe session on', evidence: [] };
  const resource = identityResource;
  const ev = subscribeEvidence.find(records, resource);
  if (!ev) return subscribeEvidence.missing('BT-06', resource);
  const d = ev.data;
  if (d.withheld)
    return {
      control: 'BT-06',
      resource,
      status: 'skipped',
      detail: `not judged on ${resource}, the plaintext listener the probe would use (no reachable TLS listener): ${d.withheld}`,
      evidence: [ev.key],
    };
  if (!d.reads) {
    const a = lastAttempt(d.attempts);
    const mtls = clientCertificateRequired(resource, records);
    if (mtls && !d.certificate)
      return {
        control: 'BT-06',
        resource,
        status: 'skipped',
        detail: `${required(mtls)}: ${d.identity} cannot open a session without one; configure broker.auth.cert_file and key_file to judge what the probe identity may read`,
        evidence: [ev.key, ...mtls.evidence],
      };
    if (!d.configuredIdentity && a?.outcome === 'connack')
      return { control: 'BT-06', resource, status: 'skipped', detail: `no probe identity configured (broker.auth) and anonymous CONNECT refused: ${describeAttempt(a)}`, evidence: [ev.key] };
    return { control: 'BT-06', resource, status: 'error', detail: `${d.identity} could not open a session: ${describeAttempt(a)}`, evidence: [ev.key] };
  }
  const r = d.reads;
  // Sorted by name: the order of arrival varies between runs, the verdict's words should not.
  const delivered = [...r.delivered].sort((a, b) => compareText(a.topic, b.topic));
  const leaks = delivered.filter((t) => outsideScope(d.scope, t.topic));
  if (leaks.length)
    return {
      control: 'BT-06',
      resource,
      status: 'fail',
      detail: `${d.identity} received messages outside what it is meant to read: ${leaks.map(describeTopic).join(', ')}${r.moreTopics ? ` and ${r.moreTopics} more topic(s)` : ''}; ${scopeText(d.scope)}`,
      evidence: [ev.key],
    };
  const unanswered = r.subscriptions.filter((s) => s.granted === null && !s.refused);
  if (unanswered.length) return { control: 'BT-06', resource, status: 'error', detail: `no SUBACK for ${unanswered.map((s) => s.topic).join(', ')}`, evidence: [ev.key] };

  const proofs: string[] = [];
  const unseen: string[] = [];
  const evidence = [ev.key];
  const wildcard = r.subscriptions.find((s) => s.topic === '#');
  if (wildcard?.refused) proofs.push(`# refused (${subackText(wildcard)})`);
  else if (wildcard) {
    const within = delivered.filter((t) => !t.topic.startsWith('$'));
    unseen.push(
      `# granted (${subackText(wildcard)}) but ${within.length ? `only topics within the scope were delivered in the window (${within.map(describeTopic).join(', ')})` : 'nothing was delivered in the window'}: whether other topics are readable cannot be decided (the broker may filter at delivery, as Mosquitto ACLs do)`,
    );
  }
  const sys = r.subscriptions.find((s) => s.topic === '$SYS/#');
  if (sys?.refused) proofs.push(`$SYS/# refused (${subackText(sys)})`);
  else if (sys) {
    const filtered = sysFiltered(resource, r, records);
    if (filtered) {
      proofs.push(filtered.how);
      evidence.push(filtered.evidence);
    } else unseen.push(`$SYS/# granted (${subackText(sys)}) but nothing was delivered in the window, and no other session showed the broker publishing $SYS meanwhile`);
  }
  if (!unseen.length) return { control: 'BT-06', resource, status: 'pass', detail: `${d.identity}: ${proofs.join(', ')}`, evidence };
  return { control: 'BT-06', resource, status: 'skipped', detail: `${d.identity}: ${[...unseen, ...proofs].join('; ')}`, evidence };
}

const accepted = (attempts: ConnectObservation[]) => {
  const a = lastAttempt(attempts);
  return a?.outcome === 'connack' && a.accepted;
};

function evaluateBt07(identityResource: string | null, records: EvidenceSet, pathResource: string, disabled: boolean): ControlResult {
  if (disabled) return { control: 'BT-07', resource: pathResource, status: 'skipped', detail: 'disabled: broker.default_credentials is false', evidence: [] };
  if (!identityResource) return { control: 'BT-07', resource: pathResource, status: 'error', detail: 'no reachable listener to try credentials on', evidence: [] };
  const resource = identityResource;
  // A broker that lets anyone in checks no credentials: a default one
  // "accepted" there is the same defect as BT-02, not a second one.
  const anon = anonymousEvidence.find(records, resource);
  if (anon && accepted(anon.data.attempts))
    return { control: 'BT-07', resource, status: 'skipped', detail: `judged by BT-02: the broker checks no credentials (anonymous CONNECT accepted on ${resource})`, evidence: [anon.key] };
  const ev = defaultCredentialsEvidence.find(records, resource);
  if (!ev) return defaultCredentialsEvidence.missing('BT-07', resource);
  const d = ev.data;
  const mtls = clientCertificateRequired(resource, records);
  if (!d.withCertificate && mtls && d.tried.length && d.tried.every((t) => refusedForCertificate(t.attempts)))
    return {
      control: 'BT-07',
      resource,
      status: 'skipped',
      detail: `${required(mtls)}: no user name and password reach the broker without one; configure broker.auth.cert_file and key_file to try the default credentials with the probe's certificate`,
      evidence: [ev.key, ...mtls.evidence],
    };
  const how = d.withCertificate ? ' with the probe\'s client certificate' : '';
  if (d.control && accepted(d.control.attempts))
    return {
      control: 'BT-07',
      resource,
      status: 'skipped',
      detail: `the broker takes the identity from the client certificate: with the probe's certificate a random user name and password ("${d.control.username}") were accepted too, so a default password cannot be told apart (BT-02 judges clients without a certificate)`,
      evidence: [ev.key],
    };
  const taken = d.tried.filter((t) => accepted(t.attempts));
  if (taken.length)
    return {
      control: 'BT-07',
      resource,
      status: 'fail',
      detail: `default credential accepted${how} for user(s) ${taken.map((t) => `"${t.username}" (${d.list} list entry ${t.entry})`).join(', ')}`,
      evidence: [ev.key],
    };
  const unanswered = [...d.tried, ...(d.control ? [{ attempts: d.control.attempts }] : [])].filter((t) => lastAttempt(t.attempts)?.outcome !== 'connack');
  if (unanswered.length || d.tried.length === 0)
    return {
      control: 'BT-07',
      resource,
      status: 'error',
      detail: `no CONNACK for ${unanswered.length} of ${d.tried.length + (d.control ? 1 : 0)} credential(s)${how}${unanswered.length ? ` (${describeAttempt(lastAttempt(unanswered[0]!.attempts))})` : ''}`,
      evidence: [ev.key],
    };
  return { control: 'BT-07', resource, status: 'pass', detail: `all ${d.tried.length} default credentials refused${how}`, evidence: [ev.key] };
}

function evaluateBt08(l: ListenerConfig, resource: string, ev: EvidenceSet): ControlResult {
  const tcp = tcpEvidence.find(ev, resource);
  if (!tcp) return tcpEvidence.missing('BT-08', resource);
  if (!tcp.data.reachable) return unreachable(tcp, 'BT-08', resource);
  if (l.tls) {
    const tls = speaksTls(resource, ev);
    if (tls.yes) return { control: 'BT-08', resource, status: 'pass', detail: 'listener requires TLS before any WebSocket upgrade', evidence: [tls.evidence] };
    return { control: 'BT-08', resource, status: 'error', detail: 'listener declared TLS completed no TLS handshake (see BT-01/BT-05)', evidence: tls.evidence ? [tls.evidence] : [tcp.key] };
  }
  const up = wsUpgradeEvidence.find(ev, resource);
  if (!up) return wsUpgradeEvidence.missing('BT-08', resource);
  const anon = anonymousEvidence.find(ev, resource);
  if (up.data.upgraded)
    return {
      control: 'BT-08',
      resource,
      status: 'fail',
      detail: `plain WebSocket upgrade accepted on ${up.data.path} (${up.data.statusLine})${l.websocket && anon ? `; ${describeAttempt(lastAttempt(anon.data.attempts))}` : ''}`,
      evidence: [up.key, ...(l.websocket && anon ? [anon.key] : [])],
    };
  if (up.data.outcome === 'timeout' || up.data.outcome === 'tcp')
    return { control: 'BT-08', resource, status: 'error', detail: `WebSocket upgrade probe got no answer (${up.data.reason})`, evidence: [up.key] };
  return {
    control: 'BT-08',
    resource,
    status: 'pass',
    detail: `no WebSocket upgrade on ${up.data.path}: ${up.data.statusLine ?? up.data.reason}`,
    evidence: [up.key],
  };
}

/**
 * No declared listener accepts a TCP connection: the broker is down or
 * elsewhere, and nothing of it was observed. Every control is `error`, on the
 * same resources as a run that reached it, so a delta never reads a stopped
 * broker as a hardened one.
 */
function brokerUnreachable(listeners: Array<{ l: ListenerConfig; resource: string }>, pathResource: string, declared: Evidence<DeclaredListenersData> | undefined, ev: EvidenceSet): ControlResult[] {
  const tcpKeys = listeners.map((x) => tcpEvidence.key(x.resource));
  const why = listeners
    .map((x) => {
      const tcp = tcpEvidence.find(ev, x.resource);
      return `${x.resource}: ${tcp ? (tcp.data.code ?? 'unknown') : 'not probed'}`;
    })
    .join('; ');
  const detail = `broker unreachable: no declared listener accepts a TCP connection (${why}); nothing could be observed`;
  const err = (control: string, resource: string, evidence: string[]): ControlResult => ({ control, resource, status: 'error', detail, evidence });
  const results: ControlResult[] = [];
  for (const { l, resource } of listeners) {
    for (const control of ['BT-01', 'BT-02', ...(l.tls ? ['BT-03', 'BT-04'] : []), 'BT-08']) results.push(err(control, resource, [tcpEvidence.key(resource)]));
  }
  if (!listeners.some((x) => x.l.tls)) for (const control of ['BT-03', 'BT-04']) results.push(err(control, pathResource, tcpKeys));
  results.push(err('BT-05', pathResource, [...(declared ? [declared.key] : []), ...tcpKeys]));
  const identity = declared?.data.plannedIdentityListener ?? pathResource;
  results.push(err('BT-06', identity, tcpKeys));
  results.push(err('BT-07', identity, tcpKeys));
  return results;
}

export function evaluateBrokerTransport({ config, evidence }: EvaluateInput): ControlResult[] {
  const broker = config.broker!;
  const ev = indexEvidence(evidence);
  const pathResource = brokerResource(broker);
  const declared = declaredListenersEvidence.find(ev, pathResource);
  const listeners = broker.listeners.map((l) => ({ l, resource: listenerResource(l, l.host ?? broker.host) }));
  if (!listeners.some((x) => tcpEvidence.find(ev, x.resource)?.data.reachable)) return brokerUnreachable(listeners, pathResource, declared, ev);

  const results: ControlResult[] = [];
  for (const { l, resource } of listeners) {
    results.push(evaluateBt01(l, resource, ev));
    results.push(evaluateBt02(resource, ev));
    if (l.tls) {
      results.push(evaluateBt03(resource, ev));
      results.push(evaluateBt04(resource, ev));
    }
    results.push(evaluateBt08(l, resource, ev));
  }
  if (!listeners.some((x) => x.l.tls)) {
    const why = 'no TLS listener declared (see BT-05)';
    results.push({ control: 'BT-03', resource: pathResource, status: 'skipped', detail: why, evidence: [] });
    results.push({ control: 'BT-04', resource: pathResource, status: 'skipped', detail: why, evidence: [] });
  }
  // Without the declared listeners, which listener the identity probes used is unknown.
  if (!declared) return [...results, ...['BT-05', 'BT-06', 'BT-07'].map((control) => declaredListenersEvidence.missing(control, pathResource))];
  results.push(evaluateBt05(listeners, pathResource, declared.key, ev));
  results.push(evaluateBt06(declared.data.identityListener, ev, pathResource));
  results.push(evaluateBt07(declared.data.identityListener, ev, pathResource, broker.default_credentials === false));
  return results;
}
