// USB devices from sysfs, read through the root. /sys/bus/usb/devices holds
// one symlink per device (`1-1.2`), per interface (`1-1.2:1.0`) and per root
// hub (`usb1`); every attribute is read through resolveInRoot so a fixture
// tree's (or an image's) links stay inside it.
import { readdir } from 'node:fs/promises';
import { errnoOf, reasonOf } from '../reason.js';
import { readUnderRoot, resolveInRoot, type RootView } from '../root.js';
import { absent, failed } from '../evidence.js';
import { SOURCES, type UsbDevice, type UsbObservation } from './evidence.js';

const ROOT_HUB = /^usb\d+$/;
const DEVICE = /^\d+-\d+(\.\d+)*$/;
const INTERFACE = /^(\d+-\d+(?:\.\d+)*):\d+\.\d+$/;

/** One sysfs attribute: its trimmed value, null when the file is absent; throws on other read errors. */
async function attribute(view: RootView, entry: string, name: string): Promise<string | null> {
  const text = await readUnderRoot(view, `${SOURCES.usbDevices}/${entry}/${name}`);
  return text === null ? null : text.trim();
}

/** Reads an attribute every USB device has; a missing or unreadable one is noted in `unreadable`. */
async function required(view: RootView, entry: string, name: string, unreadable: string[]): Promise<string | null> {
  try {
    const v = await attribute(view, entry, name);
    if (v === null || v === '') unreadable.push(`${entry}/${name}: missing`);
    return v || null;
  } catch (err) {
    unreadable.push(`${entry}/${name}: ${reasonOf(err)}`);
    return null;
  }
}

/** Strings a device may lack (many have no serial number or product string): absent is not partial. */
async function optional(view: RootView, entry: string, name: string, unreadable: string[]): Promise<string | null> {
  try {
    return (await attribute(view, entry, name)) || null;
  } catch (err) {
    unreadable.push(`${entry}/${name}: ${reasonOf(err)}`);
    return null;
  }
}

export async function collectUsb(view: RootView, signal: AbortSignal): Promise<UsbObservation> {
  let names: string[];
  try {
    names = (await readdir(await resolveInRoot(view, SOURCES.usbDevices))).sort();
  } catch (err) {
    const code = errnoOf(err);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') return failed(`cannot list ${SOURCES.usbDevices}: ${reasonOf(err)}`);
    // Live: a running kernel always shows its USB bus here; when it does not, the
    // agent cannot see it (sysfs not mounted, or hidden by a container), so nothing
    // can be concluded. An image carries no sysfs at all: there is nothing to observe.
    if (view.live) return failed(`${SOURCES.usbDevices} does not exist: sysfs is not mounted or is hidden from the agent, so USB attachments cannot be observed`);
    return absent(`no ${SOURCES.usbDevices} under ${view.root}: an image carries no sysfs (the kernel fills it at boot), so USB attachments can only be observed on the live root or a tree that captured sysfs`);
  }
  const interfacesOf = new Map<string, string[]>();
  for (const n of names) {
    const m = INTERFACE.exec(n);
    if (m?.[1]) interfacesOf.set(m[1], [...(interfacesOf.get(m[1]) ?? []), n]);
  }
  const devices: UsbDevice[] = [];
  for (const busPath of names.filter((n) => DEVICE.test(n))) {
    signal.throwIfAborted();
    const unreadable: string[] = [];
    const [vendorId, productId, deviceClass] = await Promise.all(['idVendor', 'idProduct', 'bDeviceClass'].map((a) => required(view, busPath, a, unreadable)));
    const [serial, product, manufacturer] = await Promise.all([optional(view, busPath, 'serial', unreadable), optional(view, busPath, 'product', unreadable), optional(view, busPath, 'manufacturer', unreadable)]);
    const interfaces = await Promise.all(
      (interfacesOf.get(busPath) ?? []).map(async (name) => ({ name, interfaceClass: await required(view, name, 'bInterfaceClass', unreadable) })),
    );
    devices.push({
      busPath,
      vendorId: vendorId?.toLowerCase() ?? null,
      productId: productId?.toLowerCase() ?? null,
      serial,
      product,
      manufacturer,
      deviceClass: deviceClass?.toLowerCase() ?? null,
      interfaces: interfaces.map((i) => ({ name: i.name, interfaceClass: i.interfaceClass?.toLowerCase() ?? null })),
      unreadable,
    });
  }
  return { state: 'observed', source: SOURCES.usbDevices, devices, rootHubs: names.filter((n) => ROOT_HUB.test(n)).length };
}
