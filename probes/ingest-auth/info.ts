// What the catalogue knows of this check: id, title, controls, the bundles
// that run it, who owns its fixes, what its findings mean, whether the config
// covers it. The probing code (index.ts) loads only where runs execute.
import type { CheckInfo } from '../types.js';
import { controls } from './controls.js';

export const info: CheckInfo = {
  id: 'ingest-auth',
  title: 'Ingest edge: authentication matrix, transport, TLS, body handling, disclosure',
  controls,
  bundles: ['audit-baseline', 'hardening-verification'],
  owner: 'ingest relay owner',
  plainWords: 'whoever reaches the ingest endpoint can push data into the pipeline, or valid data is refused',
  configSections: ['ingest'],
  notConfigured: (config) => (config.ingest ? null : 'no ingest section in the config'),
  load: async () => (await import('./index.js')).code,
};
