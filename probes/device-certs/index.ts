import type { Check } from '../types.js';
import { collectDeviceCerts } from './collect.js';
import { controls } from './controls.js';
import { evaluateDeviceCerts } from './evaluate.js';

const deviceCerts: Check = {
  id: 'device-certs',
  title: 'Device certificates: expiry, key reuse and strength, issuer, purpose, identity, unknown devices',
  controls,
  notConfigured: (config) => {
    if (!config.devices) return 'no devices section in the config';
    if (!config.devices.inventory?.length && !config.devices.cert_dir) return 'devices: neither inventory nor cert_dir is set';
    return null;
  },
  collect: collectDeviceCerts,
  evaluate: evaluateDeviceCerts,
};

export default deviceCerts;
