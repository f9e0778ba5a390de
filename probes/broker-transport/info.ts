// What the catalogue knows of this check: id, title, controls, the bundles
// that run it, who owns its fixes, what its findings mean, whether the config
// covers it. The probing code (index.ts) loads only where runs execute.
import type { CheckInfo } from '../types.js';
import { controls } from './controls.js';

export const info: CheckInfo = {
  id: 'broker-transport',
  title: 'Broker transport: listeners, TLS, anonymous access, credentials, topic exposure',
  controls,
  bundles: ['audit-baseline', 'hardening-verification'],
  owner: 'broker operator',
  plainWords: 'device telemetry and commands can be read or injected at the broker',
  configSections: ['broker'],
  notConfigured: (config) => (config.broker ? null : 'no broker section in the config'),
  load: async () => (await import('./index.js')).code,
};
