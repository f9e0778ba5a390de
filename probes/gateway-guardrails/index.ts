import type { Check } from '../types.js';
import { collectGatewayGuardrails } from './collect.js';
import { controls } from './controls.js';
import { evaluateGatewayGuardrails } from './evaluate.js';

const gatewayGuardrails: Check = {
  id: 'gateway-guardrails',
  title: 'Gateway guardrails: SSH, exposed sockets, firewall, privileges, updates, clock, disk, power, secret files',
  controls,
  notConfigured: (config) => (config.guardrails ? null : 'no guardrails section in the config'),
  collect: collectGatewayGuardrails,
  evaluate: evaluateGatewayGuardrails,
};

export default gatewayGuardrails;
