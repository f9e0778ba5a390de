// What the catalogue knows of this check: id, title, controls, the bundles
// that run it, who owns its fixes, what its findings mean, whether the config
// covers it. The probing code (index.ts) loads only where runs execute.
import type { CheckInfo } from '../types.js';
import { controls } from './controls.js';

export const info: CheckInfo = {
  id: 'broker-cert',
  title: 'Broker and ingest certificates as served: expiry, names, chain, key, signature, reload, key file',
  controls,
  bundles: ['audit-baseline'],
  owner: 'broker operator / PKI',
  plainWords: 'devices may stop connecting, or may connect to an impostor broker',
  configSections: ['broker', 'ingest'],
  notConfigured: (config) => (config.broker || config.ingest?.url.startsWith('https://') ? null : 'no broker section and no https ingest endpoint in the config'),
  load: async () => (await import('./index.js')).code,
};
