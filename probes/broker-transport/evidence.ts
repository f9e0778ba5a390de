// broker-transport's evidence, declared once: what collect records and
// evaluate reads (kinds, keys and the shape of the data). Every record but
// the declared listeners is about one listener, keyed `<word> <listener>`;
// the TCP connect and the TLS scan are the shared collectors' (probes/net.ts,
// probes/tls/scan.ts).
import { declarePerResource } from '../evidence.js';
import type { ConnectObservation, ReadObservation } from '../mqtt.js';
import type { UpgradeObservation } from '../net.js';
import type { TlsAlert } from '../tls-alert.js';

export { tcpEvidence } from '../net.js';
export { tlsScanEvidence } from '../tls/scan.js';

/** Where a listener's socket is bound: decides BT-01's severity. */
export interface BindData {
  port: number;
  /** Addresses bound to the port; null when unknown (no socket table). */
  addresses: string[] | null;
  source: string;
  /** Whether any bound address is beyond loopback; null when unknown. */
  beyondLoopback: boolean | null;
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
  // Whether the server sent a CertificateRequest, and its CA names, are read
  // from the listener's TLS scan (node:tls does not expose them).
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

export interface DeclaredListenersData {
  listeners: Array<{ resource: string; tls: boolean; websocket: boolean }>;
  /** The listener the identity probes (BT-06/BT-07) used, null when none answered. */
  identityListener: string | null;
  /** The listener they would use if every listener answered (absent from runs stored before it was recorded). */
  plannedIdentityListener?: string | null;
}

const MQTT_CONNACK = 'mqtt-connack';
const MQTT_SUBSCRIBE = 'mqtt-subscribe';

export const bindEvidence = declarePerResource<BindData>({ word: 'bind', kind: 'listen-address' });
/** The anonymous CONNECT on the listener's own transport (BT-02). */
export const anonymousEvidence = declarePerResource<AnonymousData>({ word: 'anonymous', kind: MQTT_CONNACK });
/** A plaintext CONNECT on a listener declared TLS that answered no ClientHello (BT-01). */
export const plaintextFallbackEvidence = declarePerResource<AnonymousData>({ word: 'plaintext-fallback', kind: MQTT_CONNACK });
export const clientAuthEvidence = declarePerResource<ClientAuthData>({ word: 'tls-client-auth', kind: 'tls-client-auth' });
export const wsUpgradeEvidence = declarePerResource<UpgradeObservation>({ word: 'ws-upgrade', kind: 'ws-upgrade' });
export const subscribeEvidence = declarePerResource<SubscribeData>({ word: 'subscribe', kind: MQTT_SUBSCRIBE });
export const sysWitnessEvidence = declarePerResource<SysWitnessData>({ word: 'sys-witness', kind: MQTT_SUBSCRIBE });
export const defaultCredentialsEvidence = declarePerResource<DefaultCredData>({ word: 'default-credentials', kind: 'mqtt-default-credentials' });
/** On the broker's resource (`broker <host>`): the listeners the path declares. */
export const declaredListenersEvidence = declarePerResource<DeclaredListenersData>({ word: 'listeners', kind: 'declared-listeners' });
