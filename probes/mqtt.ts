// Reusable MQTT collector (mqtt.js): one CONNECT with an explicit identity and
// protocol version, recording the CONNACK exactly as the broker sent it.
// Used by broker-transport (BT-02/06/07) and the telemetry check.
import { randomBytes } from 'node:crypto';
import type { IClientOptions, MqttClient, Packet } from 'mqtt';

// mqtt.js is loaded on first use: the daemon's main thread opens no MQTT
// session itself (runs happen in a worker) and should not keep it resident.
let mqttLib: typeof import('mqtt').default | null = null;
const loadMqtt = async () => (mqttLib ??= (await import('mqtt')).default);
import { reasonOf } from './reason.js';
import { alertOf, type TlsAlert } from './tls-alert.js';

export interface MqttTarget {
  host: string;
  port: number;
  tls: boolean;
  websocket?: boolean;
  wsPath?: string;
  servername?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** PEM client certificate and key, for mTLS listeners. */
  cert?: string;
  key?: string;
  ca?: string;
}

export type ProtocolVersion = '3.1.1' | '5';

/** What the TLS layer of an MQTT-over-TLS session showed (TLS targets only). */
export interface SessionTls {
  /** Version negotiated, once the client saw the handshake complete; null before. */
  protocol: string | null;
  /** Alert the server sent, when the session ended on one. */
  alert: TlsAlert | null;
}

export interface ConnackObserved {
  outcome: 'connack';
  protocol: ProtocolVersion;
  /** CONNACK return code (3.1.1) or reason code (5). 0 = accepted. */
  code: number;
  meaning: string;
  accepted: boolean;
  durationMs: number;
  tls?: SessionTls;
}

export interface NoConnack {
  outcome: 'no-connack';
  protocol: ProtocolVersion;
  /** tcp: no connection; timeout: connected but no CONNACK in time; closed: the broker hung up; error: anything else. */
  stage: 'tcp' | 'timeout' | 'closed' | 'error';
  reason: string;
  durationMs: number;
  tls?: SessionTls;
}

export type ConnectObservation = ConnackObserved | NoConnack;

/** [MQTT-3.2.2.3] CONNACK return codes of MQTT 3.1.1. */
const CONNACK_311: Record<number, string> = {
  0: 'connection accepted',
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

/** MQTT 5 CONNACK reason codes (§3.2.2.2) most brokers use. */
const CONNACK_5: Record<number, string> = {
  0: 'success',
  0x80: 'unspecified error',
  0x81: 'malformed packet',
  0x82: 'protocol error',
  0x84: 'unsupported protocol version',
  0x85: 'client identifier not valid',
  0x86: 'bad user name or password',
  0x87: 'not authorized',
  0x88: 'server unavailable',
  0x89: 'server busy',
  0x8a: 'banned',
  0x8c: 'bad authentication method',
};

export function connackMeaning(protocol: ProtocolVersion, code: number): string {
  const table = protocol === '5' ? CONNACK_5 : CONNACK_311;
  return table[code] ?? `code ${code}`;
}

/**
 * The broker's address as mqtt.js options. Not a URL string: mqtt.js parses
 * those with url.parse(), which Node 24 deprecates with a warning (DEP0169).
 */
export function addressOf(t: MqttTarget): { protocol: 'mqtt' | 'mqtts' | 'ws' | 'wss'; host: string; port: number; path?: string } {
  if (t.websocket) return { protocol: t.tls ? 'wss' : 'ws', host: t.host, port: t.port, path: t.wsPath ?? '/mqtt' };
  return { protocol: t.tls ? 'mqtts' : 'mqtt', host: t.host, port: t.port };
}

export interface Session {
  observation: ConnectObservation;
  /** Open client when the CONNECT was accepted; the caller must end it. */
  client: MqttClient | null;
}

/**
 * Sends one CONNECT and waits for the CONNACK (or a timeout). Never retries:
 * a probe that reconnected on its own would hide what the broker did.
 */
export async function mqttConnect(
  target: MqttTarget,
  identity: { username?: string; password?: string; protocol: ProtocolVersion; clientId?: string },
  keepOpen = false,
): Promise<Session> {
  const mqtt = await loadMqtt();
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    let tcpUp = false;
    const opts: IClientOptions = {
      protocolVersion: identity.protocol === '5' ? 5 : 4,
      clientId: identity.clientId ?? `pathaudit-probe-${randomBytes(4).toString('hex')}`,
      username: identity.username,
      password: identity.password,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: target.timeoutMs,
      keepalive: 30,
      rejectUnauthorized: false,
      servername: target.servername && !/^[\d.:]+$/.test(target.servername) ? target.servername : undefined,
      cert: target.cert,
      key: target.key,
      ca: target.ca,
      // mqtt.js would otherwise queue and resend; a probe sends each packet once.
      queueQoSZero: false,
      // Without this, mqtt-packet builds a cache of 65,536 two-byte buffers
      // before the first packet it writes (5 MB of heap and a garbage
      // collection), in a run process that writes a handful of packets.
      writeCache: false,
    };
    const client = mqtt.connect({ ...addressOf(target), ...opts });
    // A server that requires client certificates answers TLS 1.3 with an alert
    // only after the client saw the handshake complete: both facts are kept.
    const tlsFacts: SessionTls | undefined = target.tls ? { protocol: null, alert: null } : undefined;
    client.stream?.once?.('secureConnect', () => {
      if (tlsFacts) tlsFacts.protocol = (client.stream as unknown as { getProtocol?: () => string | null }).getProtocol?.() ?? null;
    });
    const finish = (observation: ConnectObservation) => {
      if (settled) return;
      settled = true;
      if (tlsFacts) observation.tls = tlsFacts;
      clearTimeout(timer);
      target.signal?.removeEventListener('abort', onAbort);
      const keep = keepOpen && observation.outcome === 'connack' && observation.accepted;
      if (!keep) client.end(true);
      resolve({ observation, client: keep ? client : null });
    };
    const onAbort = () => finish({ outcome: 'no-connack', protocol: identity.protocol, stage: 'timeout', reason: 'check budget ran out', durationMs: ms() });
    const timer = setTimeout(
      () =>
        finish({
          outcome: 'no-connack',
          protocol: identity.protocol,
          stage: tcpUp ? 'timeout' : 'tcp',
          reason: `no CONNACK within ${target.timeoutMs} ms${tcpUp ? ' (connection open)' : ''}`,
          durationMs: ms(),
        }),
      target.timeoutMs,
    );
    client.stream?.once?.('connect', () => {
      tcpUp = true;
    });
    client.on('packetsend', (p: Packet) => {
      if (p.cmd === 'connect') tcpUp = true;
    });
    client.on('packetreceive', (p: Packet) => {
      if (p.cmd !== 'connack') return;
      const code = (identity.protocol === '5' ? (p as { reasonCode?: number }).reasonCode : (p as { returnCode?: number }).returnCode) ?? 0;
      finish({ outcome: 'connack', protocol: identity.protocol, code, meaning: connackMeaning(identity.protocol, code), accepted: code === 0, durationMs: ms() });
    });
    client.on('error', (err: Error & { code?: string | number }) => {
      if (typeof err.code === 'number') return; // a CONNACK refusal: packetreceive already recorded it
      if (/connack timeout/i.test(err.message))
        return finish({ outcome: 'no-connack', protocol: identity.protocol, stage: tcpUp ? 'timeout' : 'tcp', reason: `no CONNACK within ${target.timeoutMs} ms`, durationMs: ms() });
      if (tlsFacts) tlsFacts.alert = alertOf(typeof err.code === 'string' ? err.code : null, err.message);
      const stage = err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ENOTFOUND' ? 'tcp' : 'error';
      finish({ outcome: 'no-connack', protocol: identity.protocol, stage, reason: reasonOf(err), durationMs: ms() });
    });
    client.on('close', () => finish({ outcome: 'no-connack', protocol: identity.protocol, stage: tcpUp ? 'closed' : 'tcp', reason: tcpUp ? 'broker closed the connection without a CONNACK' : 'could not connect', durationMs: ms() }));
    if (target.signal?.aborted) onAbort();
    else target.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Whether a CONNACK/hang-up means "this broker does not speak that protocol version". */
export function unsupportedProtocol(o: ConnectObservation): boolean {
  if (o.outcome === 'connack') return (o.protocol === '5' && (o.code === 0x84 || o.code === 1)) || (o.protocol === '3.1.1' && o.code === 1);
  return o.stage === 'closed';
}

/** What a probe learned about a listener's MQTT versions, shared by its sessions. */
export interface ProtocolHint {
  /** Set once a broker answered MQTT 5 (5) or refused it (3.1.1). */
  known?: ProtocolVersion;
}

/**
 * CONNECT with protocol auto-selection: MQTT 5 first (its reason codes say
 * more), then 3.1.1 if the broker does not speak 5. Returns every attempt.
 * With a hint, what one session learned saves the next one the refused MQTT 5
 * attempt (a TLS handshake and a CONNECT each).
 */
export async function mqttConnectAuto(
  target: MqttTarget,
  identity: { username?: string; password?: string; protocol?: ProtocolVersion | 'auto' },
  keepOpen = false,
  hint?: ProtocolHint,
): Promise<{ attempts: ConnectObservation[]; client: MqttClient | null }> {
  const auto = identity.protocol === undefined || identity.protocol === 'auto';
  const order: ProtocolVersion[] = !auto ? [identity.protocol as ProtocolVersion] : hint?.known ? [hint.known] : ['5', '3.1.1'];
  const attempts: ConnectObservation[] = [];
  for (const protocol of order) {
    const s = await mqttConnect(target, { ...identity, protocol }, keepOpen);
    attempts.push(s.observation);
    if (auto && hint && s.observation.outcome === 'connack') hint.known = unsupportedProtocol(s.observation) ? '3.1.1' : protocol;
    if (s.client || !unsupportedProtocol(s.observation) || target.signal?.aborted) return { attempts, client: s.client };
  }
  return { attempts, client: null };
}

export interface SubscriptionObservation {
  topic: string;
  /** Granted QoS / reason code from SUBACK; >= 0x80 is a refusal. null when no SUBACK came. */
  granted: number | null;
  refused: boolean;
  /** When the SUBACK arrived, ms after the observation's origin; null without one. */
  subackAtMs: number | null;
  reason?: string;
}

/** One topic a subscription delivered on, with what arrived there. */
export interface DeliveredTopic {
  topic: string;
  messages: number;
  /** Of those, how many carried the retain flag (sent at SUBSCRIBE time, not live traffic). */
  retained: number;
  /** First and last delivery, ms after the observation's origin. */
  firstAtMs: number;
  lastAtMs: number;
}

export interface ReadObservation {
  subscriptions: SubscriptionObservation[];
  /** Distinct topics delivered, in order of first arrival (at most MAX_TOPICS_KEPT). */
  delivered: DeliveredTopic[];
  /** Distinct topics delivered beyond the ones listed. */
  moreTopics: number;
  /** Window planned after the last SUBACK, and how long it was listened to. */
  windowMs: number;
  listenedMs: number;
  /** Why listening stopped before the window ended, else null. */
  endedEarly: string | null;
  /** Window start and end, ms after the observation's origin. */
  windowStartAtMs: number;
  windowEndAtMs: number;
}

/** Distinct topics kept in evidence: enough to name what leaked, bounded for a busy broker. */
export const MAX_TOPICS_KEPT = 32;

export interface ReadOptions {
  windowMs: number;
  /** SUBACK deadline per topic. */
  timeoutMs: number;
  /** performance.now() of the origin all times are measured from (shared by sessions compared later). */
  origin: number;
  signal?: AbortSignal;
  /** Returns a reason once the answer is decided, to end the window early (after `graceMs`). */
  decided?: (subs: SubscriptionObservation[], delivered: ReadonlyMap<string, DeliveredTopic>) => string | null;
  /** Time kept listening after `decided` answers, so a burst of retained messages is seen whole. */
  graceMs?: number;
  /** Ends the window from outside (e.g. when a companion session ends), checked with `decided`. */
  stopped?: () => boolean;
}

/**
 * Subscribes to each filter (one SUBSCRIBE each, in order), then records every
 * message delivered for the window: which topics, how many, how many retained.
 * Bounded in time (window + one SUBACK deadline per filter) and in memory.
 */
export async function observeReads(client: MqttClient, filters: string[], o: ReadOptions): Promise<ReadObservation> {
  const at = () => Math.round(performance.now() - o.origin);
  const delivered = new Map<string, DeliveredTopic>();
  let moreTopics = 0;
  const onMessage = (topic: string, _payload: Buffer, packet: { retain?: boolean }) => {
    const seen = delivered.get(topic);
    if (seen) {
      seen.messages += 1;
      seen.lastAtMs = at();
      if (packet.retain) seen.retained += 1;
    } else if (delivered.size < MAX_TOPICS_KEPT) delivered.set(topic, { topic, messages: 1, retained: packet.retain ? 1 : 0, firstAtMs: at(), lastAtMs: at() });
    else moreTopics += 1;
  };
  client.on('message', onMessage);
  // mqtt.js reports a refused SUBACK as an error carrying the *requested* QoS,
  // so the broker's own return codes are read from the SUBACK packet itself.
  let lastSuback: number[] | null = null;
  const onPacket = (p: Packet) => {
    if (p.cmd === 'suback') lastSuback = ((p as { granted?: Array<number | { qos: number }> }).granted ?? []).map((g) => (typeof g === 'number' ? g : g.qos));
  };
  client.on('packetreceive', onPacket);
  const subs: SubscriptionObservation[] = [];
  for (const topic of filters) {
    lastSuback = null;
    subs.push(
      await new Promise<SubscriptionObservation>((resolve) => {
        const timer = setTimeout(() => resolve({ topic, granted: null, refused: false, subackAtMs: null, reason: `no SUBACK within ${o.timeoutMs} ms` }), o.timeoutMs);
        client.subscribe(topic, { qos: 0 }, (err) => {
          clearTimeout(timer);
          const code = lastSuback?.[0] ?? null;
          if (code === null) return resolve({ topic, granted: null, refused: Boolean(err), subackAtMs: null, reason: err ? reasonOf(err) : 'SUBACK without a return code' });
          resolve({ topic, granted: code, refused: code >= 0x80, subackAtMs: at() });
        });
      }),
    );
  }
  client.off('packetreceive', onPacket);
  const windowStartAtMs = at();
  const deadline = performance.now() + o.windowMs;
  const granted = subs.filter((x) => x.granted !== null && !x.refused);
  let endedEarly: string | null = granted.length ? null : 'no subscription granted';
  let decidedWhy: string | null = null;
  let end = deadline;
  while (!endedEarly && performance.now() < end) {
    if (o.signal?.aborted) endedEarly = 'check budget ran out';
    else if (o.stopped?.()) endedEarly = 'companion session ended';
    else if (!decidedWhy) {
      decidedWhy = o.decided?.(subs, delivered) ?? null;
      if (decidedWhy) end = Math.min(deadline, performance.now() + (o.graceMs ?? 0));
    }
    if (!endedEarly) await new Promise((r) => setTimeout(r, 10));
  }
  if (!endedEarly && decidedWhy && end < deadline) endedEarly = decidedWhy;
  client.off('message', onMessage);
  const windowEndAtMs = at();
  return { subscriptions: subs, delivered: [...delivered.values()], moreTopics, windowMs: o.windowMs, listenedMs: windowEndAtMs - windowStartAtMs, endedEarly, windowStartAtMs, windowEndAtMs };
}

export function endQuietly(client: MqttClient | null): Promise<void> {
  if (!client) return Promise.resolve();
  return new Promise((r) => client.end(true, {}, () => r()));
}
