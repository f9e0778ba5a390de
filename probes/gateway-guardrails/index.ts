// The gateway-guardrails check's probing code; its metadata is in info.ts.
import type { CheckCode } from '../types.js';
import { collectGatewayGuardrails } from './collect.js';
import { evaluateGatewayGuardrails } from './evaluate.js';

export const code: CheckCode = { collect: collectGatewayGuardrails, evaluate: evaluateGatewayGuardrails };
