// What the daemon's main thread needs to know of this check (id, title,
// controls, whether the config covers it), apart from its collect and
// evaluate code, which only the run worker loads.
import type { CheckInfo } from '../types.js';
import { controls } from './controls.js';

export const info: CheckInfo = {
  id: 'device-link',
  title: 'Device link: inventory devices attached, bootloader and debug probes, serial node access, unknown USB storage and HID',
  controls,
  // The devices section opts in, even empty (`devices: {}`): DL-02..05 need no
  // inventory, but without it a broker-only config run on a laptop or CI
  // machine would judge that machine's USB bus as if it were the gateway's.
  notConfigured: (config) => (config.devices ? null : 'no devices section in the config'),
};
