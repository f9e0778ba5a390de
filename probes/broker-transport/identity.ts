// broker-transport, the identity probes: what the probe identity may read
// (BT-06) and whether a default credential gets in (BT-07), on one listener.
// Which credentials go where is decided by probes/broker-identity.ts.
import { randomBytes } from 'node:crypto';
import type { BrokerConfig } from '../../config/schema/index.js';
import { probeCredentials, targetOf, type ProbeCredentials } from '../broker-identity.js';
import { endQuietly, mqttConnectAuto, observeReads, type ConnectObservation, type MqttTarget, type ProtocolHint, type ReadObservation } from '../mqtt.js';
import { inScope } from '../mqtt-topic.js';
import { listenerResource } from '../resources.js';
import { CLIENT_CERTIFICATE_ALERTS } from '../tls-alert.js';
import type { CollectContext, Evidence } from '../types.js';
import { defaultCredentialsEvidence, subscribeEvidence, sysWitnessEvidence, type DefaultCredData, type SubscribeData, type SysWitnessData } from './evidence.js';
import type { ListenerFacts } from './listener.js';

/**
 * The default credential list for BT-07. Three pairs, tried once each on one
 * listener (in parallel: lockouts count failures, not their pace): enough to catch the defaults seen on
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
 * `broker.read_window_s` says otherwise. Retained messages arrive at once; one
 * second also covers devices that publish every second or faster, and keeps
 * a broker that grants every SUBSCRIBE (Mosquitto) from costing the check more
 * than that. Traffic rarer than the window may go unseen, so it is configurable.
 */
export const READ_WINDOW_S = 1;
/** Listening kept up after a leak is seen, so a burst of retained messages (sent right after the SUBACK) is named whole. */
export const LEAK_GRACE_MS = 100;

/** The filters BT-06 subscribes to, in order. */
export const READ_FILTERS = ['#', '$SYS/#'];

/** What the probe identity is meant to read: the telemetry topics plus broker.auth.allowed_topics. */
export const readScopeOf = (config: CollectContext['config']): string[] => [...(config.telemetry?.topics ?? []), ...(config.broker?.auth?.allowed_topics ?? [])];

/** Whether a delivered topic lies outside the probe's scope ($SYS always does). */
export const outsideScope = (scope: readonly string[], topic: string): boolean => topic.startsWith('$') || !inScope(scope, topic);

/** Opens the probe identity's session and reads # and $SYS/# for the window; an anonymous witness watches $SYS beside it. */
async function collectReads(pref: ListenerFacts, broker: BrokerConfig, ctx: CollectContext, hint: ProtocolHint, creds: ProbeCredentials): Promise<Evidence[]> {
  const resource = listenerResource(pref.listener, pref.host);
  const scope = readScopeOf(ctx.config);
  const windowMs = Math.round((broker.read_window_s ?? READ_WINDOW_S) * 1000);
  const base = { identity: creds.label, configuredIdentity: creds.configured, certificate: creds.certificate, scope };
  if (creds.withheld) return [subscribeEvidence.of(resource, { ...base, withheld: creds.withheld, attempts: [], reads: null })];

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
  const ev: Evidence[] = [subscribeEvidence.of(resource, subscribe)];
  if (sys) ev.push(sysWitnessEvidence.of(resource, sys));
  return ev;
}

/** Whether a session ended on the alert a server sends to a client without a certificate. */
export const refusedForCertificate = (attempts: ConnectObservation[]) => {
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
  const resource = listenerResource(pref.listener, pref.host);
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
  return [defaultCredentialsEvidence.of(resource, { list: broker.default_credentials ? 'config' : 'built-in', withCertificate, tried, control })];
}

export async function collectIdentity(pref: ListenerFacts, broker: BrokerConfig, ctx: CollectContext, hint: ProtocolHint): Promise<Evidence[]> {
  const creds = probeCredentials(broker, pref.listener, ctx.secrets);
  const [reads, defaults] = await Promise.all([collectReads(pref, broker, ctx, hint, creds), collectDefaultCredentials(pref, broker, ctx, hint, creds)]);
  return [...reads, ...defaults];
}

