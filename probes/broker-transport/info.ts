// What the daemon's main thread needs to know of this check (id, title,
// controls, whether the config covers it), apart from its collect and
// evaluate code, which only the run worker loads.
import type { CheckInfo } from '../types.js';
import { controls } from './controls.js';

export const info: CheckInfo = {
  id: 'broker-transport',
  title: 'Broker transport: listeners, TLS, anonymous access, credentials, topic exposure',
  controls,
  notConfigured: (config) => (config.broker ? null : 'no broker section in the config'),
};
