// What the catalogue knows of this check: id, title, controls, the bundles
// that run it, who owns its fixes, what its findings mean, whether the config
// covers it. The probing code (index.ts) loads only where runs execute.
import type { CheckInfo } from '../types.js';
import { controls } from './controls.js';

export const info: CheckInfo = {
  id: 'device-link',
  title: 'Device link: inventory devices attached, bootloader and debug probes, serial node access, unknown USB storage and HID',
  controls,
  bundles: ['device-trust'],
  owner: 'gateway site / field technician',
  plainWords: 'someone at the gateway can reflash or impersonate the devices, or a device has dropped off',
  configSections: ['devices', 'guardrails'],
  // The devices section opts in, even empty (`devices: {}`): DL-02..05 need no
  // inventory, but without it a broker-only config run on a laptop or CI
  // machine would judge that machine's USB bus as if it were the gateway's.
  notConfigured: (config) => (config.devices ? null : 'no devices section in the config'),
  load: async () => (await import('./index.js')).code,
};
