// Resource ids more than one check reports on. A finding's fingerprint is
// control + resource, and checks that judge the same thing (a listener's
// transport and its certificate, an ingest endpoint's authentication and its
// certificate, a device's certificate, link and telemetry) must name it alike.
import type { BrokerConfig, ListenerConfig } from '../config/schema/index.js';
import { safeUrl } from './http.js';

/** A broker listener as dialled: `mqtts 127.0.0.1:8883`, `mqtt [::1]:1883`. */
export const listenerResource = (l: ListenerConfig, host: string) => `${l.name} ${host.includes(':') ? `[${host}]` : host}:${l.port}`;

/** The broker as a whole (controls about the path rather than one listener). */
export const brokerResource = (b: BrokerConfig) => `broker ${b.host}`;

/** The ingest endpoint, without userinfo or query. */
export const ingestResource = (url: string) => `ingest ${safeUrl(url)}`;

export const deviceResource = (id: string) => `device ${id}`;

/** The device fleet as a whole (key reuse, firmware drift, unknown devices). */
export const FLEET_RESOURCE = 'device-fleet';
