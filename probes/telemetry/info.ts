// What the catalogue knows of this check: id, title, controls, the bundles
// that run it, who owns its fixes, what its findings mean, whether the config
// covers it. The probing code (index.ts) loads only where runs execute.
import type { CheckInfo } from '../types.js';
import { controls } from './controls.js';

export const info: CheckInfo = {
  id: 'telemetry',
  title: 'Telemetry trust: duplicates, gaps, silent devices, clock skew, ordering, retained messages, firmware policy',
  controls,
  bundles: ['telemetry-trust'],
  owner: 'firmware / data pipeline',
  plainWords: 'the data reaching customers may be incomplete or untrustworthy',
  configSections: ['telemetry', 'broker', 'devices'],
  notConfigured: (config) =>
    !config.telemetry ? 'no telemetry section in the config' : !config.broker ? 'telemetry needs the broker section to subscribe (host, listeners, auth)' : null,
  load: async () => (await import('./index.js')).code,
};
