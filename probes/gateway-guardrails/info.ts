// What the catalogue knows of this check: id, title, controls, the bundles
// that run it, who owns its fixes, what its findings mean, whether the config
// covers it. The probing code (index.ts) loads only where runs execute.
import type { CheckInfo } from '../types.js';
import { controls } from './controls.js';

export const info: CheckInfo = {
  id: 'gateway-guardrails',
  title: 'Gateway guardrails: SSH, exposed sockets, firewall, privileges, updates, clock, disk, power, secret files',
  controls,
  bundles: ['audit-baseline', 'hardening-verification'],
  owner: 'gateway platform (OS) owner',
  plainWords: 'the gateway itself is easier to take over or to knock over',
  configSections: ['guardrails'],
  notConfigured: (config) => (config.guardrails ? null : 'no guardrails section in the config'),
  load: async () => (await import('./index.js')).code,
};
