// What the daemon's main thread needs to know of this check (id, title,
// controls, whether the config covers it), apart from its collect and
// evaluate code, which only the run worker loads.
import type { CheckInfo } from '../types.js';
import { controls } from './controls.js';

export const info: CheckInfo = {
  id: 'ingest-auth',
  title: 'Ingest edge: authentication matrix, transport, TLS, body handling, disclosure',
  controls,
  notConfigured: (config) => (config.ingest ? null : 'no ingest section in the config'),
};
