// A broker listener as the probes use it: with the TCP reachability that
// chose it for the identity probes, and as an MQTT session target. Resource
// ids are probes/resources.ts' (broker-cert and telemetry name the same
// listeners).
import type { BrokerConfig, ListenerConfig } from '../../config/schema/index.js';
import type { ProbeCredentials } from '../broker-identity.js';
import type { MqttTarget } from '../mqtt.js';
import type { TcpObservation } from '../net.js';
import type { CollectContext } from '../types.js';

export interface ListenerFacts {
  listener: ListenerConfig;
  host: string;
  tcp: TcpObservation;
}

/** An MQTT session target on a listener; the probe's certificate rides along when given. */
export function targetOf(l: ListenerConfig, host: string, broker: BrokerConfig, ctx: CollectContext, tls = l.tls, creds?: ProbeCredentials): MqttTarget {
  return { host, port: l.port, tls, websocket: l.websocket, wsPath: l.ws_path, servername: broker.servername, timeoutMs: ctx.stepTimeoutMs, signal: ctx.signal, cert: creds?.cert, key: creds?.key };
}
