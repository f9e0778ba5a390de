// What the daemon's main thread needs to know of this check (id, title,
// controls, whether the config covers it), apart from its collect and
// evaluate code, which only the run worker loads.
import type { CheckInfo } from '../types.js';
import { controls } from './controls.js';

export const info: CheckInfo = {
  id: 'telemetry',
  title: 'Telemetry trust: duplicates, gaps, silent devices, clock skew, ordering, retained messages, firmware policy',
  controls,
  notConfigured: (config) =>
    !config.telemetry ? 'no telemetry section in the config' : !config.broker ? 'telemetry needs the broker section to subscribe (host, listeners, auth)' : null,
};
