// The probe identity on one broker listener: which of its credentials may be
// sent there. Shared by every check that logs in to the broker, so that no
// session of the probe ever sends its password over a plaintext listener
// (the credential the audit exists to protect) unless the operator said so.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { BrokerConfig, ListenerConfig } from '../config/schema/index.js';
import type { MqttTarget } from './mqtt.js';
import type { CollectContext } from './types.js';

export interface ProbeCredentials {
  /** What the session logs in as, in words for evidence (never a secret). */
  label: string;
  /** Whether a probe identity is configured at all (broker.auth). */
  configured: boolean;
  /** Whether this session presents the probe identity (false: anonymous). */
  presented: boolean;
  /** Whether a client certificate is presented. */
  certificate: boolean;
  /** Why the configured identity is not presented on this listener, or null. */
  withheld: string | null;
  username?: string;
  password?: string;
  cert?: string;
  key?: string;
}

/** The subject of the probe's client certificate, for evidence labels (public data). */
function subjectOf(pem: string): string {
  try {
    return new X509Certificate(pem).subject.replace(/\n/g, ', ');
  } catch {
    return 'unparsed certificate';
  }
}

export function probeCredentials(broker: BrokerConfig, listener: ListenerConfig, secrets: CollectContext['secrets']): ProbeCredentials {
  const auth = broker.auth;
  if (!auth) return { label: 'anonymous', configured: false, presented: false, certificate: false, withheld: null };
  if (!listener.tls) {
    const withheld = !auth.username
      ? 'the probe identity is a client certificate, which needs a TLS listener'
      : auth.plaintext_ok
        ? null
        : "the probe identity's password goes only over TLS (set broker.auth.plaintext_ok: true to let it log in over plaintext)";
    if (withheld) return { label: 'anonymous (probe identity withheld on a plaintext listener)', configured: true, presented: false, certificate: false, withheld };
    return { label: `probe identity ${auth.username} (over plaintext: broker.auth.plaintext_ok)`, configured: true, presented: true, certificate: false, withheld: null, username: auth.username, password: secrets.get(auth.password_file!) };
  }
  const cert = auth.cert_file ? readFileSync(auth.cert_file, 'utf8') : undefined;
  const key = auth.key_file ? secrets.get(auth.key_file) : undefined;
  const who = [auth.username, cert ? `client certificate ${subjectOf(cert)}` : null].filter(Boolean).join(' with ');
  return {
    label: `probe identity ${who}`,
    configured: true,
    presented: true,
    certificate: Boolean(cert),
    withheld: null,
    username: auth.username,
    password: auth.password_file ? secrets.get(auth.password_file) : undefined,
    cert,
    key,
  };
}

/** An MQTT session target on a listener, for every check that opens one; the probe's certificate rides along when given. */
export function targetOf(l: ListenerConfig, host: string, broker: BrokerConfig, ctx: CollectContext, tls = l.tls, creds?: ProbeCredentials): MqttTarget {
  return { host, port: l.port, tls, websocket: l.websocket, wsPath: l.ws_path, servername: broker.servername, timeoutMs: ctx.stepTimeoutMs, signal: ctx.signal, cert: creds?.cert, key: creds?.key };
}
