// What the daemon's main thread needs to know of this check (id, title,
// controls, whether the config covers it), apart from its collect and
// evaluate code, which only the run worker loads.
import type { CheckInfo } from '../types.js';
import { controls } from './controls.js';

export const info: CheckInfo = {
  id: 'gateway-guardrails',
  title: 'Gateway guardrails: SSH, exposed sockets, firewall, privileges, updates, clock, disk, power, secret files',
  controls,
  notConfigured: (config) => (config.guardrails ? null : 'no guardrails section in the config'),
};
