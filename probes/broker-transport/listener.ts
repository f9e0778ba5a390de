// A broker listener as the probes use it: with the TCP reachability that
// chose it for the identity probes (its MQTT session target is
// probes/broker-identity.ts' targetOf). Resource
// ids are probes/resources.ts' (broker-cert and telemetry name the same
// listeners).
import type { ListenerConfig } from '../../config/schema/index.js';
import type { TcpObservation } from '../net.js';

export interface ListenerFacts {
  listener: ListenerConfig;
  host: string;
  tcp: TcpObservation;
}

