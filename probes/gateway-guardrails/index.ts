import type { Check } from '../types.js';
import { collectGatewayGuardrails } from './collect.js';
import { evaluateGatewayGuardrails } from './evaluate.js';
import { info } from './info.js';

const gatewayGuardrails: Check = { ...info, collect: collectGatewayGuardrails, evaluate: evaluateGatewayGuardrails };

export default gatewayGuardrails;
