// broker-transport judgement: a pure function of the evidence and the config.
import type { ListenerConfig } from '../../config/schema/index.js';
import type { ConnectObservation, SubscriptionObservation } from '../mqtt.js';
import type { TcpObservation, UpgradeObservation } from '../net.js';
import { judgeCipherSuites, judgeProtocolVersions, speaksTls } from '../tls/judge.js';
import type { TlsScan } from '../tls/scan.js';
import type { ControlResult, EvaluateInput, Evidence } from '../types.js';
import { brokerResource, resourceOf, type AnonymousData } from './collect.js';

type Find = <D>(key: string) => Evidence<D> | undefined;

const lastAttempt = (attempts: ConnectObservation[]) => attempts[attempts.length - 1];

function describeAttempt(a: ConnectObservation | undefined): string {
  if (!a) return 'no attempt';
  if (a.outcome === 'connack') return `MQTT ${a.protocol} CONNACK ${a.code} (${a.meaning})`;
  return `no CONNACK over MQTT ${a.protocol} (${a.stage}: ${a.reason})`;
}

/**
 * A listener that could not be reached. ECONNREFUSED is an observation: the
 * port accepts nothing, so nothing weak is accepted there either (pass). A
 * timeout or any other failure is not: the control could not be observed.
 */
function unreachable(tcp: Evidence<TcpObservation>, control: string, resource: string): ControlResult {
  if (tcp.data.code === 'ECONNREFUSED')
    return { control, resource, status: 'pass', detail: 'port refuses TCP connections (ECONNREFUSED): nothing is accepted on this listener', evidence: [tcp.key] };
  return {
    control,
    resource,
    status: 'error',
    detail: `listener not reachable (${tcp.data.code ?? 'unknown'}: ${tcp.data.reason}); it is declared on the path, so this control could not be observed`,
    evidence: [tcp.key],
  };
}

interface BindData {
  addresses: string[] | null;
  beyondLoopback: boolean | null;
}

function evaluateBt01(l: ListenerConfig, resource: string, find: Find): ControlResult {
  const tcp = find<TcpObservation>(`tcp ${resource}`)!;
  if (l.websocket) return { control: 'BT-01', resource, status: 'skipped', detail: 'WebSocket listener: judged by BT-08', evidence: [] };
  if (!tcp.data.reachable) return unreachable(tcp, 'BT-01', resource);
  const bind = find<BindData>(`bind ${resource}`)!;
  const plaintextEv = l.tls ? find<AnonymousData>(`plaintext-fallback ${resource}`) : find<AnonymousData>(`anonymous ${resource}`);
  if (l.tls) {
    const scan = find<TlsScan>(`tls-scan ${resource}`);
    if (scan && speaksTls(scan.data))
      return { control: 'BT-01', resource, status: 'pass', detail: 'listener answers ClientHellos with a ServerHello: it speaks TLS, not plaintext', evidence: [scan.key] };
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
  const beyond = bind.data.beyondLoopback;
  const where =
    beyond === null ? 'bind address unknown, assumed reachable beyond loopback' : beyond ? `bound to ${bind.data.addresses!.join(', ')}` : `bound to loopback only (${bind.data.addresses!.join(', ')})`;
  return {
    control: 'BT-01',
    resource,
    status: 'fail',
    severity: beyond === false ? 'low' : 'high',
    detail: `plaintext MQTT answered (${describeAttempt(attempt)}); ${where}${l.tls ? '; the listener is declared TLS but speaks plaintext' : ''}`,
    evidence: [tcp.key, plaintextEv.key, bind.key],
  };
}

function evaluateBt02(resource: string, find: Find): ControlResult {
  const tcp = find<TcpObservation>(`tcp ${resource}`)!;
  if (!tcp.data.reachable) return unreachable(tcp, 'BT-02', resource);
  const anon = find<AnonymousData>(`anonymous ${resource}`)!;
  const a = lastAttempt(anon.data.attempts);
  if (a?.outcome === 'connack') {
    if (a.accepted) return { control: 'BT-02', resource, status: 'fail', detail: `anonymous CONNECT accepted over ${anon.data.transport}: ${describeAttempt(a)}`, evidence: [anon.key] };
    return { control: 'BT-02', resource, status: 'pass', detail: `anonymous CONNECT refused: ${describeAttempt(a)}`, evidence: [anon.key] };
  }
  return { control: 'BT-02', resource, status: 'error', detail: `anonymous CONNECT got no answer: ${describeAttempt(a)}`, evidence: [tcp.key, anon.key] };
}

function evaluateBt03(resource: string, find: Find): ControlResult {
  const tcp = find<TcpObservation>(`tcp ${resource}`)!;
  if (!tcp.data.reachable) return unreachable(tcp, 'BT-03', resource);
  const scan = find<TlsScan>(`tls-scan ${resource}`)!;
  const j = judgeProtocolVersions(scan.data);
  return { control: 'BT-03', resource, status: j.status, detail: j.detail, evidence: [scan.key] };
}

function evaluateBt04(resource: string, find: Find): ControlResult {
  const tcp = find<TcpObservation>(`tcp ${resource}`)!;
  if (!tcp.data.reachable) return unreachable(tcp, 'BT-04', resource);
  const scan = find<TlsScan>(`tls-scan ${resource}`)!;
  const j = judgeCipherSuites(scan.data);
  return { control: 'BT-04', resource, status: j.status, ...(j.severity ? { severity: j.severity } : {}), detail: j.detail, evidence: [scan.key] };
}

function evaluateBt05(listeners: Array<{ l: ListenerConfig; resource: string }>, pathResource: string, declaredKey: string, find: Find): ControlResult {
  const tlsListeners = listeners.filter((x) => x.l.tls);
  if (!tlsListeners.length)
    return { control: 'BT-05', resource: pathResource, status: 'fail', detail: 'no listener on the path is declared TLS', evidence: [declaredKey] };
  const scanOf = (x: { resource: string }) => find<TlsScan>(`tls-scan ${x.resource}`)?.data;
  const handshaking = tlsListeners.filter((x) => {
    const scan = scanOf(x);
    return scan && speaksTls(scan);
  });
  if (handshaking.length)
    return {
      control: 'BT-05',
      resource: pathResource,
      status: 'pass',
      detail: `TLS spoken (ServerHello received) on ${handshaking.map((x) => x.resource).join(', ')}`,
      evidence: handshaking.map((x) => `tls-scan ${x.resource}`),
    };
  const observed = tlsListeners.filter((x) => scanOf(x)?.versions.some((v) => v.status !== 'error') || find<TcpObservation>(`tcp ${x.resource}`)?.data.code === 'ECONNREFUSED');
  if (observed.length)
    return {
      control: 'BT-05',
      resource: pathResource,
      status: 'fail',
      detail: `listeners declared TLS answered no ClientHello with a ServerHello (refused every version, or closed): ${observed.map((x) => x.resource).join(', ')}`,
      evidence: [declaredKey, ...observed.map((x) => (find(`tls-scan ${x.resource}`) ? `tls-scan ${x.resource}` : `tcp ${x.resource}`))],
    };
  return {
    control: 'BT-05',
    resource: pathResource,
    status: 'error',
    detail: `no declared TLS listener could be observed (${tlsListeners.map((x) => x.resource).join(', ')})`,
    evidence: [declaredKey, ...tlsListeners.map((x) => `tcp ${x.resource}`)],
  };
}

interface SubscribeData {
  identity: string;
  configuredIdentity: boolean;
  attempts: ConnectObservation[];
  subscriptions: SubscriptionObservation[] | null;
}

function evaluateBt06(identityResource: string | null, find: Find, pathResource: string): ControlResult {
  if (!identityResource) return { control: 'BT-06', resource: pathResource, status: 'error', detail: 'no reachable listener to open a probe session on', evidence: [] };
  const ev = find<SubscribeData>(`subscribe ${identityResource}`)!;
  const d = ev.data;
  if (!d.subscriptions) {
    const a = lastAttempt(d.attempts);
    if (!d.configuredIdentity && a?.outcome === 'connack')
      return { control: 'BT-06', resource: identityResource, status: 'skipped', detail: `no probe identity configured (broker.auth) and anonymous CONNECT refused: ${describeAttempt(a)}`, evidence: [] };
    return { control: 'BT-06', resource: identityResource, status: 'error', detail: `${d.identity} could not open a session: ${describeAttempt(a)}`, evidence: [ev.key] };
  }
  // A granted SUBACK alone does not prove readability: Mosquitto grants every
  // subscription and applies read ACLs per delivered message. Only a delivery
  // proves it (retained messages and $SYS arrive at once when readable).
  const granted = d.subscriptions.filter((s) => s.granted !== null && !s.refused);
  const readable = granted.filter((s) => s.messages > 0);
  if (readable.length)
    return {
      control: 'BT-06',
      resource: identityResource,
      status: 'fail',
      detail: `${d.identity} can read ${readable.map((s) => `${s.topic} (SUBACK ${s.granted}, ${s.messages} message(s) delivered in the window)`).join(' and ')}`,
      evidence: [ev.key],
    };
  const unanswered = d.subscriptions.filter((s) => s.granted === null && !s.refused);
  if (unanswered.length)
    return { control: 'BT-06', resource: identityResource, status: 'error', detail: `no SUBACK for ${unanswered.map((s) => s.topic).join(', ')}`, evidence: [ev.key] };
  if (granted.length)
    return {
      control: 'BT-06',
      resource: identityResource,
      status: 'skipped',
      detail: `${granted.map((s) => s.topic).join(' and ')} granted (SUBACK ${granted[0]!.granted}) but nothing was delivered in the window: readability cannot be decided (the broker may filter at delivery, as Mosquitto ACLs do, or hold no retained messages)`,
      evidence: [],
    };
  return {
    control: 'BT-06',
    resource: identityResource,
    status: 'pass',
    detail: `${d.identity}: ${d.subscriptions.map((s) => `${s.topic} refused (${s.granted === null ? s.reason : `SUBACK 0x${s.granted.toString(16)}`})`).join(', ')}`,
    evidence: [ev.key],
  };
}

interface DefaultCredData {
  list: string;
  tried: Array<{ entry: number; username: string; attempts: ConnectObservation[] }>;
}

function evaluateBt07(identityResource: string | null, find: Find, pathResource: string, disabled: boolean): ControlResult {
  if (disabled) return { control: 'BT-07', resource: pathResource, status: 'skipped', detail: 'disabled: broker.default_credentials is false', evidence: [] };
  if (!identityResource) return { control: 'BT-07', resource: pathResource, status: 'error', detail: 'no reachable listener to try credentials on', evidence: [] };
  const ev = find<DefaultCredData>(`default-credentials ${identityResource}`)!;
  const accepted = ev.data.tried.filter((t) => lastAttempt(t.attempts)?.outcome === 'connack' && (lastAttempt(t.attempts) as { accepted: boolean }).accepted);
  if (accepted.length)
    return {
      control: 'BT-07',
      resource: identityResource,
      status: 'fail',
      detail: `default credential accepted for user(s) ${accepted.map((t) => `"${t.username}" (${ev.data.list} list entry ${t.entry})`).join(', ')}`,
      evidence: [ev.key],
    };
  const unanswered = ev.data.tried.filter((t) => lastAttempt(t.attempts)?.outcome !== 'connack');
  if (unanswered.length || ev.data.tried.length === 0)
    return { control: 'BT-07', resource: identityResource, status: 'error', detail: `no CONNACK for ${unanswered.length} of ${ev.data.tried.length} credential(s)`, evidence: [ev.key] };
  return { control: 'BT-07', resource: identityResource, status: 'pass', detail: `all ${ev.data.tried.length} default credentials refused`, evidence: [ev.key] };
}

function evaluateBt08(l: ListenerConfig, resource: string, find: Find): ControlResult {
  const tcp = find<TcpObservation>(`tcp ${resource}`)!;
  if (!tcp.data.reachable) return unreachable(tcp, 'BT-08', resource);
  if (l.tls) {
    const scan = find<TlsScan>(`tls-scan ${resource}`)!;
    if (speaksTls(scan.data))
      return { control: 'BT-08', resource, status: 'pass', detail: 'listener speaks TLS before any WebSocket upgrade', evidence: [scan.key] };
    return { control: 'BT-08', resource, status: 'error', detail: 'listener declared TLS answered no ClientHello with a ServerHello (see BT-01/BT-05)', evidence: [scan.key] };
  }
  const up = find<UpgradeObservation>(`ws-upgrade ${resource}`)!;
  const anon = find<AnonymousData>(`anonymous ${resource}`);
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

export function evaluateBrokerTransport({ config, evidence }: EvaluateInput): ControlResult[] {
  const broker = config.broker!;
  const byKey = new Map(evidence.map((e) => [e.key, e]));
  const find: Find = <D>(key: string) => byKey.get(key) as Evidence<D> | undefined;
  const pathResource = brokerResource(broker);
  const declared = find<{ identityListener: string | null }>(`listeners ${pathResource}`)!;
  const listeners = broker.listeners.map((l) => ({ l, resource: resourceOf(l, l.host ?? broker.host) }));

  const results: ControlResult[] = [];
  for (const { l, resource } of listeners) {
    results.push(evaluateBt01(l, resource, find));
    results.push(evaluateBt02(resource, find));
    if (l.tls) {
      results.push(evaluateBt03(resource, find));
      results.push(evaluateBt04(resource, find));
    }
    results.push(evaluateBt08(l, resource, find));
  }
  if (!listeners.some((x) => x.l.tls)) {
    const why = 'no TLS listener declared (see BT-05)';
    results.push({ control: 'BT-03', resource: pathResource, status: 'skipped', detail: why, evidence: [] });
    results.push({ control: 'BT-04', resource: pathResource, status: 'skipped', detail: why, evidence: [] });
  }
  results.push(evaluateBt05(listeners, pathResource, declared.key, find));
  results.push(evaluateBt06(declared.data.identityListener, find, pathResource));
  results.push(evaluateBt07(declared.data.identityListener, find, pathResource, broker.default_credentials === false));
  return results;
}
