// broker-transport: what the broker's listeners actually do on the wire.
// Listeners are probed concurrently; every step has its own timeout and
// closes on the check's abort signal.
import type { BrokerConfig, ListenerConfig } from '../../config/schema/index.js';
import { mqttConnectAuto, type ConnectObservation, type ProtocolHint, type SessionTls } from '../mqtt.js';
import { targetOf } from '../broker-identity.js';
import { isLoopback, listeningSockets, tcpConnect, wsUpgradeProbe } from '../net.js';
import { brokerResource, listenerResource } from '../resources.js';
import { speaksTls } from '../tls/judge.js';
import { scanTls, type TlsScan } from '../tls/scan.js';
import type { CollectContext, Evidence } from '../types.js';
import {
  anonymousEvidence,
  bindEvidence,
  clientAuthEvidence,
  declaredListenersEvidence,
  plaintextFallbackEvidence,
  tcpEvidence,
  tlsScanEvidence,
  wsUpgradeEvidence,
  type ClientAuthData,
} from './evidence.js';
import { collectIdentity } from './identity.js';
import type { ListenerFacts } from './listener.js';

/** The TLS facts of the last attempt of a session (TLS targets only). */
export function clientAuthFrom(attempts: ConnectObservation[]): ClientAuthData {
  const last = attempts[attempts.length - 1];
  const tls: SessionTls = last?.tls ?? { protocol: null, alert: null };
  return {
    source: 'anonymous MQTT session over node:tls, no client certificate offered',
    protocol: tls.protocol,
    alert: tls.alert,
    mqttReached: last?.outcome === 'connack',
  };
}

async function collectListener(l: ListenerConfig, broker: BrokerConfig, ctx: CollectContext, bound: Map<number, string[]> | null, hints?: Map<string, ProtocolHint>): Promise<Evidence[]> {
  const host = l.host ?? broker.host;
  const resource = listenerResource(l, host);
  const ev: Evidence[] = [];
  ctx.progress?.(`${resource}: TCP`);
  const tcp = await tcpConnect(host, l.port, ctx.stepTimeoutMs, ctx.signal);
  ev.push(tcpEvidence.of(resource, { host, port: l.port, declaredTls: l.tls, websocket: l.websocket ?? false, ...tcp }));

  // Where the socket is bound decides BT-01's severity. Known only when the
  // broker runs on this host (we dial loopback); a remote broker reached over a
  // non-loopback address is by definition reachable beyond loopback.
  const addresses = isLoopback(host) ? (bound?.get(l.port) ?? null) : [host];
  ev.push(
    bindEvidence.of(resource, {
      port: l.port,
      addresses,
      source: isLoopback(host) ? (bound ? '/proc/net/tcp, /proc/net/tcp6' : 'unavailable') : 'dialled address',
      beyondLoopback: addresses === null ? null : addresses.some((a) => !isLoopback(a)),
    }),
  );
  if (!tcp.reachable) return ev;

  const tasks: Array<Promise<void>> = [];
  let scan: TlsScan | null = null;
  if (l.tls) {
    tasks.push(
      (async () => {
        ctx.progress?.(`${resource}: TLS versions and cipher suites`);
        scan = await scanTls({ host, port: l.port, servername: broker.servername, timeoutMs: ctx.stepTimeoutMs, signal: ctx.signal });
        ev.push(tlsScanEvidence.of(resource, scan));
      })(),
    );
  }
  tasks.push(
    (async () => {
      ctx.progress?.(`${resource}: anonymous CONNECT`);
      const { attempts } = await mqttConnectAuto(targetOf(l, host, broker, ctx), { protocol: broker.protocol }, false, hints?.get(l.name));
      ev.push(anonymousEvidence.of(resource, { identity: 'anonymous', transport: l.websocket ? (l.tls ? 'wss' : 'ws') : l.tls ? 'mqtts' : 'mqtt', attempts }));
      // The same session is the observation of client-certificate enforcement:
      // a server that requires one ends it on an alert (TLS 1.3: after the
      // client saw the handshake complete, so only a real session shows it).
      if (l.tls) ev.push(clientAuthEvidence.of(resource, clientAuthFrom(attempts)));
    })(),
  );
  if (!l.tls) {
    tasks.push(
      (async () => {
        const path = l.ws_path ?? '/mqtt';
        const upgrade = await wsUpgradeProbe(host, l.port, path, ctx.stepTimeoutMs, ctx.signal);
        ev.push(wsUpgradeEvidence.of(resource, upgrade));
      })(),
    );
  }
  await Promise.all(tasks);

  // A listener declared TLS that answers no ClientHello with a ServerHello may really be plaintext.
  const scanned = scan as TlsScan | null; // assigned inside the task above
  if (l.tls && scanned && !speaksTls(scanned)) {
    const { attempts } = await mqttConnectAuto(targetOf(l, host, broker, ctx, false), { protocol: broker.protocol });
    ev.push(plaintextFallbackEvidence.of(resource, { identity: 'anonymous', transport: 'mqtt (plaintext, on a listener declared TLS)', attempts }));
  }
  return ev;
}

/** The identity listener's rule, one place for both uses below: not a WebSocket listener; TLS first (what devices should use), else the first. */
function identityChoice<T>(items: T[], listenerOf: (item: T) => ListenerConfig): T | null {
  const candidates = items.filter((i) => !listenerOf(i).websocket);
  return candidates.find((i) => listenerOf(i).tls) ?? candidates[0] ?? null;
}

/** The listener used for identity probes: the rule above among the reachable listeners. */
export function preferredListener(facts: ListenerFacts[]): ListenerFacts | null {
  return identityChoice(
    facts.filter((f) => f.tcp.reachable),
    (f) => f.listener,
  );
}

/**
 * The listener identity probes would use if every listener answered: where
 * BT-06/BT-07 are reported when none does, so that a run with the broker down
 * lines up with earlier runs resource by resource (and is never "gone").
 */
export function plannedIdentityListener(broker: BrokerConfig): ListenerConfig | null {
  return identityChoice(broker.listeners, (l) => l);
}

export async function collectBrokerTransport(ctx: CollectContext): Promise<Evidence[]> {
  const broker = ctx.config.broker!;
  // Listener probes and identity probes run concurrently: the identity
  // listener is chosen from a quick TCP reachability pass first.
  const [table, reach] = await Promise.all([
    isLoopback(broker.host) ? listeningSockets('/') : Promise.resolve(null),
    Promise.all(broker.listeners.map((l) => tcpConnect(l.host ?? broker.host, l.port, ctx.stepTimeoutMs, ctx.signal))),
  ]);
  const bound = table ? new Map<number, string[]>() : null;
  for (const s of table?.sockets ?? []) bound!.set(s.port, [...(bound!.get(s.port) ?? []), s.address]);
  // One protocol hint per listener, shared by its anonymous and identity sessions.
  const hints = new Map<string, ProtocolHint>(broker.listeners.map((l) => [l.name, {}]));
  const facts: ListenerFacts[] = broker.listeners.map((l, i) => ({ listener: l, host: l.host ?? broker.host, tcp: reach[i]! }));
  const pref = preferredListener(facts);
  const [perListener, identity] = await Promise.all([
    Promise.all(broker.listeners.map((l) => collectListener(l, broker, ctx, bound, hints))),
    pref ? collectIdentity(pref, broker, ctx, hints.get(pref.listener.name)!) : Promise.resolve([] as Evidence[]),
  ]);
  const evidence = [...perListener.flat(), ...identity];
  const planned = plannedIdentityListener(broker);
  evidence.push(
    declaredListenersEvidence.of(brokerResource(broker), {
      listeners: broker.listeners.map((l) => ({ resource: listenerResource(l, l.host ?? broker.host), tls: l.tls, websocket: l.websocket ?? false })),
      identityListener: pref ? listenerResource(pref.listener, pref.host) : null,
      plannedIdentityListener: planned ? listenerResource(planned, planned.host ?? broker.host) : null,
    }),
  );
  return evidence;
}
