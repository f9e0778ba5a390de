// Resource ids and MQTT targets of the broker's listeners, shared by the
// listener probes, the identity probes and the checks that report on the same
// listeners (broker-cert, telemetry).
import type { BrokerConfig, ListenerConfig } from '../../config/schema/index.js';
import type { ProbeCredentials } from '../broker-identity.js';
import type { MqttTarget } from '../mqtt.js';
import type { TcpObservation } from '../net.js';
import type { CollectContext } from '../types.js';

export const resourceOf = (l: ListenerConfig, host: string) => `${l.name} ${host.includes(':') ? `[${host}]` : host}:${l.port}`;
export const brokerResource = (b: BrokerConfig) => `broker ${b.host}`;

export interface ListenerFacts {
  listener: ListenerConfig;
  host: string;
  tcp: TcpObservation;
}

/** An MQTT session target on a listener; the probe's certificate rides along when given. */
export function targetOf(l: ListenerConfig, host: string, broker: BrokerConfig, ctx: CollectContext, tls = l.tls, creds?: ProbeCredentials): MqttTarget {
  return { host, port: l.port, tls, websocket: l.websocket, wsPath: l.ws_path, servername: broker.servername, timeoutMs: ctx.stepTimeoutMs, signal: ctx.signal, cert: creds?.cert, key: creds?.key };
}
