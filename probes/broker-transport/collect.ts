// broker-transport: what the broker's listeners actually do on the wire.
// Listeners are probed concurrently; every step has its own timeout and
// closes on the check's abort signal.
import type { BrokerConfig, ListenerConfig } from '../../config/schema/index.js';
import { mqttConnectAuto, endQuietly, probeSubscriptions, type ConnectObservation, type MqttTarget, type ProtocolHint } from '../mqtt.js';
import { isLoopback, listeningSockets, tcpConnect, wsUpgradeProbe, type TcpObservation } from '../net.js';
import { speaksTls } from '../tls/judge.js';
import { scanTls, type TlsScan } from '../tls/scan.js';
import type { CollectContext, Evidence } from '../types.js';

/**
 * The default credential list for BT-07. Three pairs, tried once each on one
 * listener, one connection at a time: enough to catch the defaults seen on
 * gateways (admin/admin on brokers set up by hand, admin/public from EMQX,
 * guest/guest from RabbitMQ's MQTT plugin), few enough that no common broker
 * lockout trips (EMQX's flapping detection needs 15 failed connects per
 * minute; Mosquitto and aedes have none). Each entry costs one CONNECT (two
 * when the broker does not speak MQTT 5 and the probe falls back to 3.1.1). Configure `broker.default_credentials`
 * to change it, or `false` to disable BT-07.
 */
export const DEFAULT_CREDENTIALS = [
  { username: 'admin', password: 'admin' },
  { username: 'admin', password: 'public' },
  { username: 'guest', password: 'guest' },
];

/** How long the probe identity listens on `#` / `$SYS/#` after SUBACK. */
export const SUBSCRIBE_WINDOW_MS = 500;

export const resourceOf = (l: ListenerConfig, host: string) => `${l.name} ${host.includes(':') ? `[${host}]` : host}:${l.port}`;
export const brokerResource = (b: BrokerConfig) => `broker ${b.host}`;

export interface ListenerFacts {
  listener: ListenerConfig;
  host: string;
  tcp: TcpObservation;
}

export interface AnonymousData {
  identity: 'anonymous';
  transport: string;
  attempts: ConnectObservation[];
}

function targetOf(l: ListenerConfig, host: string, broker: BrokerConfig, ctx: CollectContext, tls = l.tls): MqttTarget {
  return { host, port: l.port, tls, websocket: l.websocket, wsPath: l.ws_path, servername: broker.servername, timeoutMs: ctx.stepTimeoutMs, signal: ctx.signal };
}

async function collectListener(l: ListenerConfig, broker: BrokerConfig, ctx: CollectContext, bound: Map<number, string[]> | null, hints?: Map<string, ProtocolHint>): Promise<Evidence[]> {
  const host = l.host ?? broker.host;
  const resource = resourceOf(l, host);
  const ev: Evidence[] = [];
  ctx.progress?.(`${resource}: TCP`);
  const tcp = await tcpConnect(host, l.port, ctx.stepTimeoutMs, ctx.signal);
  ev.push({ key: `tcp ${resource}`, kind: 'tcp-connect', resource, data: { host, port: l.port, declaredTls: l.tls, websocket: l.websocket ?? false, ...tcp } });

  // Where the socket is bound decides BT-01's severity. Known only when the
  // broker runs on this host (we dial loopback); a remote broker reached over a
  // non-loopback address is by definition reachable beyond loopback.
  const addresses = isLoopback(host) ? (bound?.get(l.port) ?? null) : [host];
  ev.push({
    key: `bind ${resource}`,
    kind: 'listen-address',
    resource,
    data: {
      port: l.port,
      addresses,
      source: isLoopback(host) ? (bound ? '/proc/net/tcp, /proc/net/tcp6' : 'unavailable') : 'dialled address',
      beyondLoopback: addresses === null ? null : addresses.some((a) => !isLoopback(a)),
    },
  });
  if (!tcp.reachable) return ev;

  const tasks: Array<Promise<void>> = [];
  let scan: TlsScan | null = null;
  if (l.tls) {
    tasks.push(
      (async () => {
        ctx.progress?.(`${resource}: TLS versions and cipher suites`);
        scan = await scanTls({ host, port: l.port, servername: broker.servername, timeoutMs: ctx.stepTimeoutMs, signal: ctx.signal });
        ev.push({ key: `tls-scan ${resource}`, kind: 'tls-scan', resource, data: scan });
      })(),
    );
  }
  tasks.push(
    (async () => {
      ctx.progress?.(`${resource}: anonymous CONNECT`);
      const { attempts } = await mqttConnectAuto(targetOf(l, host, broker, ctx), { protocol: broker.protocol }, false, hints?.get(l.name));
      ev.push({ key: `anonymous ${resource}`, kind: 'mqtt-connack', resource, data: { identity: 'anonymous', transport: l.websocket ? (l.tls ? 'wss' : 'ws') : l.tls ? 'mqtts' : 'mqtt', attempts } satisfies AnonymousData });
    })(),
  );
  if (!l.tls) {
    tasks.push(
      (async () => {
        const path = l.ws_path ?? '/mqtt';
        const upgrade = await wsUpgradeProbe(host, l.port, path, ctx.stepTimeoutMs, ctx.signal);
        ev.push({ key: `ws-upgrade ${resource}`, kind: 'ws-upgrade', resource, data: upgrade });
      })(),
    );
  }
  await Promise.all(tasks);

  // A listener declared TLS that answers no ClientHello with a ServerHello may really be plaintext.
  const scanned = scan as TlsScan | null; // assigned inside the task above
  if (l.tls && scanned && !speaksTls(scanned)) {
    const { attempts } = await mqttConnectAuto(targetOf(l, host, broker, ctx, false), { protocol: broker.protocol });
    ev.push({ key: `plaintext-fallback ${resource}`, kind: 'mqtt-connack', resource, data: { identity: 'anonymous', transport: 'mqtt (plaintext, on a listener declared TLS)', attempts } });
  }
  return ev;
}

/** The listener used for identity probes: a reachable TLS listener first (what devices should use), else any reachable one. */
export function preferredListener(facts: ListenerFacts[]): ListenerFacts | null {
  const reachable = facts.filter((f) => f.tcp.reachable && !f.listener.websocket);
  return reachable.find((f) => f.listener.tls) ?? reachable[0] ?? null;
}

async function collectIdentity(pref: ListenerFacts, broker: BrokerConfig, ctx: CollectContext, hint: ProtocolHint): Promise<Evidence[]> {
  const resource = resourceOf(pref.listener, pref.host);
  const target = targetOf(pref.listener, pref.host, broker, ctx);
  const ev: Evidence[] = [];

  // BT-06: what the probe identity (or, without one, an anonymous client) may read.
  const auth = broker.auth;
  const identity = auth ? `probe identity ${auth.username}` : 'anonymous';
  ctx.progress?.(`${resource}: subscribe # and $SYS/# as ${identity}`);
  const session = await mqttConnectAuto(
    target,
    { username: auth?.username, password: auth ? ctx.secrets.get(auth.password_file) : undefined, protocol: broker.protocol },
    true,
    hint,
  );
  let subscriptions = null;
  if (session.client) {
    try {
      subscriptions = await probeSubscriptions(session.client, ['#', '$SYS/#'], SUBSCRIBE_WINDOW_MS, ctx.stepTimeoutMs);
    } finally {
      await endQuietly(session.client);
    }
  }
  ev.push({ key: `subscribe ${resource}`, kind: 'mqtt-subscribe', resource, data: { identity, configuredIdentity: Boolean(auth), attempts: session.attempts, subscriptions } });

  // BT-07: the default credential list, one CONNECT per entry (in parallel:
  // the number of failed attempts is what trips lockouts, not their timing).
  if (broker.default_credentials !== false) {
    const list = broker.default_credentials ?? DEFAULT_CREDENTIALS;
    ctx.progress?.(`${resource}: ${list.length} default credentials`);
    const tried = await Promise.all(
      list.map(async (cred, i) => {
        const r = await mqttConnectAuto(target, { username: cred.username, password: cred.password, protocol: broker.protocol }, false, hint);
        // The password itself stays out of evidence: a "default" may be someone's real one.
        return { entry: i + 1, username: cred.username, attempts: r.attempts };
      }),
    );
    ev.push({ key: `default-credentials ${resource}`, kind: 'mqtt-default-credentials', resource, data: { list: broker.default_credentials ? 'config' : 'built-in', tried } });
  }
  return ev;
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
  const hints = new Map(broker.listeners.map((l) => [l.name, {} as ProtocolHint]));
  const facts: ListenerFacts[] = broker.listeners.map((l, i) => ({ listener: l, host: l.host ?? broker.host, tcp: reach[i]! }));
  const pref = preferredListener(facts);
  const [perListener, identity] = await Promise.all([
    Promise.all(broker.listeners.map((l) => collectListener(l, broker, ctx, bound, hints))),
    pref ? collectIdentity(pref, broker, ctx, hints.get(pref.listener.name)!) : Promise.resolve([] as Evidence[]),
  ]);
  const evidence = [...perListener.flat(), ...identity];
  evidence.push({
    key: `listeners ${brokerResource(broker)}`,
    kind: 'declared-listeners',
    resource: brokerResource(broker),
    data: { listeners: broker.listeners.map((l) => ({ resource: resourceOf(l, l.host ?? broker.host), tls: l.tls, websocket: l.websocket ?? false })), identityListener: pref ? resourceOf(pref.listener, pref.host) : null },
  });
  return evidence;
}
