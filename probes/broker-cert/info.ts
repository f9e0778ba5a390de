// What the daemon's main thread needs to know of this check (id, title,
// controls, whether the config covers it), apart from its collect and
// evaluate code, which only the run worker loads.
import type { CheckInfo } from '../types.js';
import { controls } from './controls.js';

export const info: CheckInfo = {
  id: 'broker-cert',
  title: 'Broker and ingest certificates as served: expiry, names, chain, key, signature, reload, key file',
  controls,
  notConfigured: (config) => (config.broker || config.ingest?.url.startsWith('https://') ? null : 'no broker section and no https ingest endpoint in the config'),
};
