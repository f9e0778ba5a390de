// The catalogue: every check's id, title and controls, without the code that
// probes. The daemon's main thread (config validation, posture, backlog,
// bundles) needs only this; the checks themselves (probes/index.ts, with
// mqtt, TLS, X.509 and file parsing) load in the run worker.
import { info as brokerCert } from './broker-cert/info.js';
import { info as brokerSessions } from './broker-sessions/info.js';
import { info as brokerTransport } from './broker-transport/info.js';
import { info as deviceCerts } from './device-certs/info.js';
import { info as deviceLink } from './device-link/info.js';
import { info as gatewayGuardrails } from './gateway-guardrails/info.js';
import { info as ingestAuth } from './ingest-auth/info.js';
import { info as telemetry } from './telemetry/info.js';
import type { CheckInfo } from './types.js';

/** In the order runs execute them and reports list them. */
export const CHECK_INFOS: readonly CheckInfo[] = [brokerTransport, brokerCert, deviceCerts, telemetry, ingestAuth, gatewayGuardrails, deviceLink, brokerSessions];

export const CHECK_IDS = new Set(CHECK_INFOS.map((c) => c.id));
