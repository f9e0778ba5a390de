// What the daemon's main thread needs to know of this check (id, title,
// controls, whether the config covers it), apart from its collect and
// evaluate code, which only the run worker loads.
import type { CheckInfo } from '../types.js';
import { controls } from './controls.js';

export const info: CheckInfo = {
  id: 'device-certs',
  title: 'Device certificates: expiry, key reuse and strength, issuer, purpose, identity, unknown devices',
  controls,
  notConfigured: (config) => {
    if (!config.devices) return 'no devices section in the config';
    if (!config.devices.inventory?.length && !config.devices.cert_dir) return 'devices: neither inventory nor cert_dir is set';
    return null;
  },
};
