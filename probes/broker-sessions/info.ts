// What the catalogue knows of this check: id, title, controls, the bundles
// that run it, who owns its fixes, what its findings mean, whether the config
// covers it. The probing code (index.ts) loads only where runs execute.
import type { CheckInfo } from '../types.js';
import { controls } from './controls.js';

export const info: CheckInfo = {
  id: 'broker-sessions',
  title: "Broker sessions from the broker's own log: client-id takeovers, refused logins, TLS certificate failures, unknown clients, reconnect churn",
  controls,
  bundles: ['device-trust'],
  owner: 'broker operator / device fleet',
  plainWords: 'devices are failing to connect, fighting over one identity, or something unknown is logged in',
  configSections: ['broker', 'devices'],
  notConfigured: (config) =>
    !config.broker ? 'no broker section in the config' : !config.broker.log_file ? "broker.log_file is not set: broker-sessions reads the broker's own log" : null,
  load: async () => (await import('./index.js')).code,
};
