// The registry: every check the agent knows. A check is a folder; adding one
// is one import and one entry here.
import brokerTransport from './broker-transport/index.js';
import type { Check } from './types.js';

export const CHECKS: readonly Check[] = [brokerTransport];

export function checkById(id: string): Check | undefined {
  return CHECKS.find((c) => c.id === id);
}

export const CHECK_IDS = new Set(CHECKS.map((c) => c.id));
