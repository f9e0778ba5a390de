// Every check this build ships, one line each: adding a check is a folder
// under probes/ and one line here (see "Adding a check" in the README).
export { info as brokerCert } from './broker-cert/info.js';
export { info as brokerSessions } from './broker-sessions/info.js';
export { info as brokerTransport } from './broker-transport/info.js';
export { info as deviceCerts } from './device-certs/info.js';
export { info as deviceLink } from './device-link/info.js';
export { info as gatewayGuardrails } from './gateway-guardrails/info.js';
export { info as ingestAuth } from './ingest-auth/info.js';
export { info as telemetry } from './telemetry/info.js';
