// What the daemon's main thread needs to know of this check (id, title,
// controls, whether the config covers it), apart from its collect and
// evaluate code, which only the run worker loads.
import type { CheckInfo } from '../types.js';
import { controls } from './controls.js';

export const info: CheckInfo = {
  id: 'broker-sessions',
  title: "Broker sessions from the broker's own log: client-id takeovers, refused logins, TLS certificate failures, unknown clients, reconnect churn",
  controls,
  notConfigured: (config) =>
    !config.broker ? 'no broker section in the config' : !config.broker.log_file ? "broker.log_file is not set: broker-sessions reads the broker's own log" : null,
};
