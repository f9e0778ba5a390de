// broker-transport: what the broker's listeners actually do on the wire.
// Listeners are probed concurrently; every step has its own timeout and
// closes on the check's abort signal.
import type { BrokerConfig, ListenerConfig } from '../../config/schema/index.js';
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { probeCredentials, type ProbeCredentials } from '../broker-identity.js';
import { mqttConnectAuto, endQuietly, observeReads, type ConnectObservation, type MqttTarget, type ProtocolHint, type ReadObservation, type SessionTls } from '../mqtt.js';
import { inScope } from '../mqtt-topic.js';
import { CLIENT_CERTIFICATE_ALERTS, type TlsAlert } from '../tls-alert.js';
import { isLoopback, listeningSockets, tcpConnect, wsUpgradeProbe, type TcpObservation } from '../net.js';
import { enumerateTls12Ciphers, probeTlsVersions, type VersionObservation } from '../tls.js';
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

/**
 * How long BT-06 listens on `#` and `$SYS/#` after the SUBACKs, unless
 * `broker.read_window_s` says otherwise. Retained messages arrive at once; two
 * seconds also cover devices that publish every second or faster. Traffic
 * rarer than the window may go unseen, so the window is configurable.
 */
export const READ_WINDOW_S = 2;
/** Listening kept up after a leak is seen, so a burst of retained messages is named whole. */
export const LEAK_GRACE_MS = 250;

/** The filters BT-06 subscribes to, in order. */
export const READ_FILTERS = ['#', '$SYS/#'];

/** What the probe identity is meant to read: the telemetry topics plus broker.auth.allowed_topics. */
export const readScopeOf = (config: CollectContext['config']): string[] => [...(config.telemetry?.topics ?? []), ...(config.broker?.auth?.allowed_topics ?? [])];

/** Whether a delivered topic lies outside the probe's scope ($SYS always does). */
export const outsideScope = (scope: readonly string[], topic: string): boolean => topic.startsWith('$') || !inScope(scope, topic);

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

/**
 * How a TLS listener treats a client without a certificate, as the anonymous
 * MQTT-over-TLS session saw it (node:tls, no client certificate offered).
 */
export interface ClientAuthData {
  source: string;
  /** Version the client saw negotiated before the server's answer (null: the handshake never completed client-side). */
  protocol: string | null;
  /** Alert the server ended the session with, if any. */
  alert: TlsAlert | null;
  /** Whether the session got as far as an MQTT CONNACK (the server took a client without a certificate). */
  mqttReached: boolean;
  /**
   * From a TLS ≤ 1.2 handshake: whether the server sent a CertificateRequest,
   * and the CA names it listed. Null until a raw TLS scan records them (node:tls
   * does not expose the CertificateRequest).
   */
  certificateRequested: boolean | null;
  caNames: string[] | null;
}

function targetOf(l: ListenerConfig, host: string, broker: BrokerConfig, ctx: CollectContext, tls = l.tls, creds?: ProbeCredentials): MqttTarget {
  return { host, port: l.port, tls, websocket: l.websocket, wsPath: l.ws_path, servername: broker.servername, timeoutMs: ctx.stepTimeoutMs, signal: ctx.signal, cert: creds?.cert, key: creds?.key };
}

/** The TLS facts of the last attempt of a session (TLS targets only). */
export function clientAuthFrom(attempts: ConnectObservation[]): ClientAuthData {
  const last = attempts[attempts.length - 1];
  const tls: SessionTls = last?.tls ?? { protocol: null, alert: null };
  return {
    source: 'anonymous MQTT session over node:tls, no client certificate offered',
    protocol: tls.protocol,
    alert: tls.alert,
    mqttReached: last?.outcome === 'connack',
    certificateRequested: null,
    caNames: null,
  };
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
  let versions: VersionObservation[] | null = null;
  if (l.tls) {
    tasks.push(
      (async () => {
        ctx.progress?.(`${resource}: TLS versions`);
        versions = await probeTlsVersions({ host, port: l.port, servername: broker.servername, timeoutMs: ctx.stepTimeoutMs, signal: ctx.signal });
        ev.push({ key: `tls-versions ${resource}`, kind: 'tls-versions', resource, data: { versions } });
        if (versions.some((v) => v.version === 'TLSv1.2' && v.accepted)) {
          ctx.progress?.(`${resource}: TLS 1.2 cipher suites`);
          const ciphers = await enumerateTls12Ciphers({ host, port: l.port, servername: broker.servername, timeoutMs: ctx.stepTimeoutMs, signal: ctx.signal });
          ev.push({ key: `tls-ciphers ${resource}`, kind: 'tls-ciphers', resource, data: ciphers });
        }
      })(),
    );
  }
  tasks.push(
    (async () => {
      ctx.progress?.(`${resource}: anonymous CONNECT`);
      const { attempts } = await mqttConnectAuto(targetOf(l, host, broker, ctx), { protocol: broker.protocol }, false, hints?.get(l.name));
      ev.push({ key: `anonymous ${resource}`, kind: 'mqtt-connack', resource, data: { identity: 'anonymous', transport: l.websocket ? (l.tls ? 'wss' : 'ws') : l.tls ? 'mqtts' : 'mqtt', attempts } satisfies AnonymousData });
      // The same session is the observation of client-certificate enforcement:
      // a server that requires one ends it on an alert (TLS 1.3: after the
      // client saw the handshake complete, so only a real session shows it).
      if (l.tls) ev.push({ key: `tls-client-auth ${resource}`, kind: 'tls-client-auth', resource, data: clientAuthFrom(attempts) });
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

  // A listener declared TLS that completes no handshake may really be plaintext.
  const vs = versions as VersionObservation[] | null;
  if (l.tls && vs && !vs.some((v) => v.accepted)) {
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

/**
 * The listener identity probes would use if every listener answered: where
 * BT-06/BT-07 are reported when none does, so that a run with the broker down
 * lines up with earlier runs resource by resource (and is never "gone").
 */
export function plannedIdentityListener(broker: BrokerConfig): ListenerConfig | null {
  const candidates = broker.listeners.filter((l) => !l.websocket);
  return candidates.find((l) => l.tls) ?? candidates[0] ?? null;
}

export interface SubscribeData {
  identity: string;
  configuredIdentity: boolean;
  /** Whether the probe's client certificate was presented. */
  certificate: boolean;
  /** Why the configured identity was not presented on this listener (no session was opened), else null. */
  withheld: string | null;
  attempts: ConnectObservation[];
  /** What the session read on # and $SYS/#; null without a session. */
  reads: ReadObservation | null;
  /** The filters the probe is meant to read (telemetry.topics + broker.auth.allowed_topics). */
  scope: string[];
}

/**
 * An anonymous session subscribed to $SYS/# alongside the probe identity: when
 * it sees the broker publish $SYS while the probe's granted subscription
 * delivers nothing, the broker filters $SYS for the probe. Null when not run.
 */
export interface SysWitnessData {
  attempts: ConnectObservation[];
  reads: ReadObservation | null;
}

/** Opens the probe identity's session and reads # and $SYS/# for the window; an anonymous witness watches $SYS beside it. */
async function collectReads(pref: ListenerFacts, broker: BrokerConfig, ctx: CollectContext, hint: ProtocolHint, creds: ProbeCredentials): Promise<Evidence[]> {
  const resource = resourceOf(pref.listener, pref.host);
  const scope = readScopeOf(ctx.config);
  const windowMs = Math.round((broker.read_window_s ?? READ_WINDOW_S) * 1000);
  const base = { identity: creds.label, configuredIdentity: creds.configured, certificate: creds.certificate, scope };
  if (creds.withheld) return [{ key: `subscribe ${resource}`, kind: 'mqtt-subscribe', resource, data: { ...base, withheld: creds.withheld, attempts: [], reads: null } satisfies SubscribeData }];

  const origin = performance.now();
  let probeDone = false;
  const probe = (async () => {
    ctx.progress?.(`${resource}: subscribe ${READ_FILTERS.join(' and ')} as ${creds.label}`);
    const session = await mqttConnectAuto(targetOf(pref.listener, pref.host, broker, ctx, pref.listener.tls, creds), { username: creds.username, password: creds.password, protocol: broker.protocol }, true, hint);
    let reads: ReadObservation | null = null;
    if (session.client) {
      try {
        reads = await observeReads(session.client, READ_FILTERS, {
          windowMs,
          timeoutMs: ctx.stepTimeoutMs,
          origin,
          signal: ctx.signal,
          graceMs: LEAK_GRACE_MS,
          decided: (_subs, delivered) => ([...delivered.keys()].some((t) => outsideScope(scope, t)) ? 'a topic outside the scope was delivered' : null),
        });
      } finally {
        await endQuietly(session.client);
      }
    }
    probeDone = true;
    return { ...base, withheld: null, attempts: session.attempts, reads } satisfies SubscribeData;
  })();
  // Only a configured identity needs a witness: without one the probe is anonymous itself.
  const witness = creds.presented
    ? (async (): Promise<SysWitnessData> => {
        const session = await mqttConnectAuto(targetOf(pref.listener, pref.host, broker, ctx), { protocol: broker.protocol }, true, hint);
        if (!session.client) return { attempts: session.attempts, reads: null };
        try {
          const reads = await observeReads(session.client, ['$SYS/#'], { windowMs: windowMs + ctx.stepTimeoutMs, timeoutMs: ctx.stepTimeoutMs, origin, signal: ctx.signal, stopped: () => probeDone });
          return { attempts: session.attempts, reads };
        } finally {
          await endQuietly(session.client);
        }
      })()
    : Promise.resolve(null);
  const [subscribe, sys] = await Promise.all([probe, witness]);
  const ev: Evidence[] = [{ key: `subscribe ${resource}`, kind: 'mqtt-subscribe', resource, data: subscribe }];
  if (sys) ev.push({ key: `sys-witness ${resource}`, kind: 'mqtt-subscribe', resource, data: sys });
  return ev;
}

export interface DefaultCredData {
  list: string;
  /** Whether each attempt also presented the probe's client certificate (a listener that requires one). */
  withCertificate: boolean;
  tried: Array<{ entry: number; username: string; attempts: ConnectObservation[] }>;
  /**
   * With a certificate only: one CONNECT with a random user name and password.
   * If the broker takes it, it reads the identity from the certificate and
   * checks no password, so an accepted default says nothing.
   */
  control: { username: string; attempts: ConnectObservation[] } | null;
}

/** Whether a session ended on the alert a server sends to a client without a certificate. */
const refusedForCertificate = (attempts: ConnectObservation[]) => {
  const alert = attempts[attempts.length - 1]?.tls?.alert;
  return Boolean(alert && CLIENT_CERTIFICATE_ALERTS.has(alert.code));
};

/**
 * BT-07: the default credential list, one CONNECT per entry, as an attacker
 * without a certificate would try it. Only when the listener refuses every one
 * of them for want of a client certificate, and the probe has one, are they
 * tried again with the probe's certificate (never its password), plus one
 * random control credential.
 */
async function collectDefaultCredentials(pref: ListenerFacts, broker: BrokerConfig, ctx: CollectContext, hint: ProtocolHint, creds: ProbeCredentials): Promise<Evidence[]> {
  if (broker.default_credentials === false) return [];
  const resource = resourceOf(pref.listener, pref.host);
  const list = broker.default_credentials ?? DEFAULT_CREDENTIALS;
  const tryAll = async (target: MqttTarget) =>
    // In parallel: the number of failed attempts is what trips lockouts, not their timing.
    Promise.all(
      list.map(async (cred, i) => {
        const r = await mqttConnectAuto(target, { username: cred.username, password: cred.password, protocol: broker.protocol }, false, hint);
        // The password itself stays out of evidence: a "default" may be someone's real one.
        return { entry: i + 1, username: cred.username, attempts: r.attempts };
      }),
    );
  ctx.progress?.(`${resource}: ${list.length} default credentials`);
  const plain = targetOf(pref.listener, pref.host, broker, ctx);
  let tried = await tryAll(plain);
  let control: DefaultCredData['control'] = null;
  const withCertificate = creds.certificate && tried.length > 0 && tried.every((t) => refusedForCertificate(t.attempts));
  if (withCertificate) {
    const target = { ...plain, cert: creds.cert, key: creds.key };
    ctx.progress?.(`${resource}: ${list.length} default credentials with the probe's client certificate`);
    tried = await tryAll(target);
    const username = `pathaudit-control-${randomBytes(4).toString('hex')}`;
    const r = await mqttConnectAuto(target, { username, password: randomBytes(18).toString('base64url'), protocol: broker.protocol }, false, hint);
    control = { username, attempts: r.attempts };
  }
  return [{ key: `default-credentials ${resource}`, kind: 'mqtt-default-credentials', resource, data: { list: broker.default_credentials ? 'config' : 'built-in', withCertificate, tried, control } satisfies DefaultCredData }];
}

async function collectIdentity(pref: ListenerFacts, broker: BrokerConfig, ctx: CollectContext, hint: ProtocolHint): Promise<Evidence[]> {
  const creds = probeCredentials(broker, pref.listener, ctx.secrets);
  const [reads, defaults] = await Promise.all([collectReads(pref, broker, ctx, hint, creds), collectDefaultCredentials(pref, broker, ctx, hint, creds)]);
  return [...reads, ...defaults];
}

export async function collectBrokerTransport(ctx: CollectContext): Promise<Evidence[]> {
  const broker = ctx.config.broker!;
  // Every session and handshake listens for the abort (a dozen at once on a
  // few listeners): that is by design, not a leak.
  setMaxListeners(64, ctx.signal);
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
  const planned = plannedIdentityListener(broker);
  evidence.push({
    key: `listeners ${brokerResource(broker)}`,
    kind: 'declared-listeners',
    resource: brokerResource(broker),
    data: { listeners: broker.listeners.map((l) => ({ resource: resourceOf(l, l.host ?? broker.host), tls: l.tls, websocket: l.websocket ?? false })), identityListener: pref ? resourceOf(pref.listener, pref.host) : null, plannedIdentityListener: planned ? resourceOf(planned, planned.host ?? broker.host) : null },
  });
  return evidence;
}
