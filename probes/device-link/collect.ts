// device-link collection: the USB bus and the serial nodes, read through
// guardrails.root (the live gateway, a mounted image or a fixture tree).
// Each source is one evidence record; a source that could not be read says
// why instead of looking empty.
import { failed } from '../evidence.js';
import { reasonOf } from '../reason.js';
import { rootView } from '../root.js';
import type { CollectContext, Evidence } from '../types.js';
import { rootEvidence, serialEvidence, usbEvidence } from './evidence.js';
import { collectSerial } from './serial.js';
import { collectUsb } from './usb.js';

export async function collectDeviceLink(ctx: CollectContext): Promise<Evidence[]> {
  const view = rootView(ctx.config.guardrails?.root);
  ctx.progress?.(`USB devices and serial nodes under ${view.root}`);
  const [usb, serial] = await Promise.all([
    collectUsb(view, ctx.signal).catch((err: unknown) => failed(`reading USB devices: ${reasonOf(err)}`)),
    collectSerial(view).catch((err: unknown) => failed(`reading serial nodes: ${reasonOf(err)}`)),
  ]);
  return [rootEvidence.of({ root: view.root, live: view.live }), usbEvidence.of(usb), serialEvidence.of(serial)];
}
