// What the catalogue knows of this check: id, title, controls, the bundles
// that run it, who owns its fixes, what its findings mean, whether the config
// covers it. The probing code (index.ts) loads only where runs execute.
import type { CheckInfo } from '../types.js';
import { controls } from './controls.js';

export const info: CheckInfo = {
  id: 'device-certs',
  title: 'Device certificates: expiry, key reuse and strength, issuer, purpose, identity, unknown devices',
  controls,
  bundles: ['certificate-hygiene'],
  owner: 'device PKI / firmware team',
  plainWords: 'a device identity can be cloned, or a device will stop connecting',
  configSections: ['devices'],
  notConfigured: (config) => {
    if (!config.devices) return 'no devices section in the config';
    if (!config.devices.inventory?.length && !config.devices.cert_dir) return 'devices: neither inventory nor cert_dir is set';
    return null;
  },
  load: async () => (await import('./index.js')).code,
};
