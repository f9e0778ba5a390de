// The registry: every check the agent knows. A check is a folder; adding one
// is one import and one entry here, and its info.ts in catalogue.ts.
import brokerCert from './broker-cert/index.js';
import brokerSessions from './broker-sessions/index.js';
import brokerTransport from './broker-transport/index.js';
import deviceCerts from './device-certs/index.js';
import deviceLink from './device-link/index.js';
import gatewayGuardrails from './gateway-guardrails/index.js';
import ingestAuth from './ingest-auth/index.js';
import telemetry from './telemetry/index.js';
import type { Check } from './types.js';

export const CHECKS: readonly Check[] = [brokerTransport, brokerCert, deviceCerts, telemetry, ingestAuth, gatewayGuardrails, deviceLink, brokerSessions];
export { CHECK_IDS } from './catalogue.js';

export function checkById(id: string): Check | undefined {
  return CHECKS.find((c) => c.id === id);
}

