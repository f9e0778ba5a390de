// device-link judgement: a pure function of the USB and serial observations
// and the devices section. A source that was absent makes its controls
// `skipped`, one that failed makes them `error`; a device whose sysfs entry is
// partial gets `error` for what cannot be told, and no control passes while
// one of its devices could not be judged.
import type { PathauditConfig } from '../../config/schema/index.js';
import { seenOf, type Seen } from '../evidence.js';
import type { ControlResult, EvaluateInput } from '../types.js';
import {
  deviceResource,
  serialEvidence,
  serialResource,
  SOURCES,
  usbEvidence,
  usbResource,
  type SerialFacts,
  type SerialNode,
  type UsbDevice,
  type UsbFacts,
} from './evidence.js';
import { debugProbeKind, isStm32Dfu, USB_CLASS, usbId } from './usb-ids.js';

export const DEFAULT_SERIAL_GROUP = 'dialout';

type Devices = NonNullable<PathauditConfig['devices']>;

function describe(d: UsbDevice): string {
  const names = [d.product ? `"${d.product}"` : null, d.manufacturer ? `by ${d.manufacturer}` : null].filter(Boolean).join(' ');
  return `${d.vendorId ?? '?'}:${d.productId ?? '?'}${names ? ` ${names}` : ''}${d.serial ? `, serial ${d.serial}` : ''}, at USB port ${d.busPath}`;
}

/** Why this device's identity (vendor and product id) is unknown, or null. */
function identityUnknown(d: UsbDevice): string | null {
  if (d.vendorId && d.productId) return null;
  return `sysfs entry ${d.busPath} is partial (${d.unreadable.join('; ')}): what this device is cannot be told`;
}

const unreadableAttr = (d: UsbDevice, name: string) => d.unreadable.some((u) => u.startsWith(`${d.busPath}/${name}:`));

function inventoryBySerial(devices: Devices): Map<string, string> {
  const bySerial = new Map<string, string>();
  for (const d of devices.inventory ?? []) if (d.usb_serial) bySerial.set(d.usb_serial.trim(), d.id);
  return bySerial;
}

function judgeAttached(usb: Seen<UsbFacts>, devices: Devices): ControlResult[] {
  const expected = (devices.inventory ?? []).filter((d) => d.usb_serial);
  if (!expected.length) return [{ control: 'DL-01', resource: usbEvidence.resource, status: 'skipped', detail: 'no devices.inventory entry has usb_serial: which devices should be attached is unknown', evidence: [] }];
  if ('result' in usb) return expected.map((d) => usb.result('DL-01', deviceResource(d.id)));
  const unreadableSerials = usb.facts.devices.filter((u) => unreadableAttr(u, 'serial'));
  return expected.map((d): ControlResult => {
    const resource = deviceResource(d.id);
    const serial = (d.usb_serial ?? '').trim();
    const at = usb.facts.devices.find((u) => u.serial === serial);
    if (at) return { control: 'DL-01', resource, status: 'pass', detail: `attached: ${describe(at)}`, evidence: [usb.key] };
    if (unreadableSerials.length)
      return {
        control: 'DL-01',
        resource,
        status: 'error',
        detail: `no attached device reports serial ${serial}, but the serial of ${unreadableSerials.map((u) => u.busPath).join(', ')} could not be read`,
        evidence: [usb.key],
      };
    return {
      control: 'DL-01',
      resource,
      status: 'fail',
      detail: `no attached USB device reports serial ${serial} (${usb.facts.devices.length} device(s) on the bus${usb.facts.devices.length ? `: ${usb.facts.devices.map((u) => `${u.vendorId ?? '?'}:${u.productId ?? '?'} at ${u.busPath}`).join(', ')}` : ''})`,
      evidence: [usb.key],
    };
  });
}

/**
 * One control judged device by device: `verdict` says `{ fail }` (with the
 * detail), `{ unknown }` when the device cannot be judged, or null when it is
 * fine. The control passes (one row, on the bus) only when no device failed
 * and every device could be judged.
 */
function perDevice(
  control: string,
  usb: Seen<UsbFacts>,
  verdict: (d: UsbDevice) => { fail: string } | { unknown: string } | null,
  passDetail: (devices: UsbDevice[]) => string,
): ControlResult[] {
  if ('result' in usb) return [usb.result(control, usbEvidence.resource)];
  const out: ControlResult[] = [];
  for (const d of usb.facts.devices) {
    const v = verdict(d);
    if (!v) continue;
    if ('fail' in v) out.push({ control, resource: usbResource(d), status: 'fail', detail: v.fail, evidence: [usb.key] });
    else out.push({ control, resource: usbResource(d), status: 'error', detail: v.unknown, evidence: [usb.key] });
  }
  if (out.length) return out;
  return [{ control, resource: usbEvidence.resource, status: 'pass', detail: passDetail(usb.facts.devices), evidence: [usb.key] }];
}

const onBus = (devices: UsbDevice[]) => `${devices.length} USB device(s) on the bus, root hubs aside`;

function judgeBootloader(usb: Seen<UsbFacts>, inventory: Map<string, string>): ControlResult[] {
  return perDevice(
    'DL-02',
    usb,
    (d) => {
      const unknown = identityUnknown(d);
      if (unknown) return { unknown };
      if (!d.vendorId || !d.productId || !isStm32Dfu(d.vendorId, d.productId)) return null;
      const owner = d.serial ? inventory.get(d.serial) : undefined;
      const who = owner ? ` (inventory device ${owner})` : '';
      return { fail: `STM32 in its ROM bootloader, USB DFU mode: ${describe(d)}${who}; its flash can be read and rewritten with dfu-util` };
    },
    (devices) => `no STM32 in DFU mode (0483:df11) among ${onBus(devices)}`,
  );
}

function judgeDebugProbes(usb: Seen<UsbFacts>): ControlResult[] {
  return perDevice(
    'DL-03',
    usb,
    (d) => {
      const unknown = identityUnknown(d);
      if (unknown) return { unknown };
      const kind = d.vendorId && d.productId ? debugProbeKind(d.vendorId, d.productId, d.product) : null;
      if (kind) return { fail: `${kind} debug probe attached: ${describe(d)}` };
      if (unreadableAttr(d, 'product')) return { unknown: `the product string of ${d.busPath} could not be read, so a CMSIS-DAP probe cannot be ruled out (${d.unreadable.join('; ')})` };
      return null;
    },
    (devices) => `no ST-LINK, J-Link or CMSIS-DAP probe among ${onBus(devices)}`,
  );
}

const STORAGE_OR_HID: ReadonlySet<string> = new Set([USB_CLASS.massStorage, USB_CLASS.hid]);
const classWord = (c: string) => (c === USB_CLASS.massStorage ? 'mass storage' : 'HID');

function judgeUnknownStorage(usb: Seen<UsbFacts>, devices: Devices, inventory: Map<string, string>): ControlResult[] {
  const allowed = new Set((devices.allowed_usb ?? []).map((a) => a.toLowerCase()));
  const known: string[] = [];
  const results = perDevice(
    'DL-05',
    usb,
    (d) => {
      const unknown = identityUnknown(d);
      if (unknown) return { unknown };
      // A debug probe's own drag-and-drop storage (or CMSIS-DAP's HID) is the probe: DL-03.
      if (!d.vendorId || !d.productId || debugProbeKind(d.vendorId, d.productId, d.product)) return null;
      const classes = [d.deviceClass, ...d.interfaces.map((i) => i.interfaceClass)];
      if (classes.some((c) => c === null)) return { unknown: `the class of ${d.busPath} or one of its interfaces could not be read (${d.unreadable.join('; ')})` };
      const kinds = [...new Set(classes.filter((c): c is string => c !== null && STORAGE_OR_HID.has(c)).map(classWord))];
      if (!kinds.length) return null;
      const owner = d.serial ? inventory.get(d.serial) : undefined;
      if (owner) known.push(`${describe(d)} (inventory device ${owner})`);
      else if (allowed.has(usbId(d.vendorId, d.productId))) known.push(`${describe(d)} (devices.allowed_usb)`);
      else return { fail: `${kinds.join(' and ')} device not in the inventory nor devices.allowed_usb: ${describe(d)}` };
      return null;
    },
    (ds) => (known.length ? `${known.length} mass-storage or HID device(s), all known: ${known.join('; ')}` : `no mass-storage or HID device among ${onBus(ds)}`),
  );
  return results;
}

function judgeNode(n: SerialNode, facts: SerialFacts, serialGroup: string, key: string): ControlResult {
  const resource = serialResource(n.path);
  const mode = Number.parseInt(n.mode, 8);
  const names = n.byId.length ? ` (by-id ${n.byId.join(', ')})` : '';
  const owner = `owner ${n.owner ?? `uid ${n.uid}`}, group ${n.group ?? `gid ${n.gid}`}`;
  if (mode & 0o002) return { control: 'DL-04', resource, status: 'fail', detail: `mode ${n.mode}: writable by every user on the gateway (${owner})${names}`, evidence: [key] };
  if (mode & 0o020) {
    if (n.group === null && !facts.groupFile)
      return { control: 'DL-04', resource, status: 'error', detail: `mode ${n.mode}: group-writable by gid ${n.gid}, and no ${SOURCES.groupFile} under the root to name it${names}`, evidence: [key] };
    if (n.group !== serialGroup)
      return { control: 'DL-04', resource, status: 'fail', detail: `mode ${n.mode}: writable by group ${n.group ?? `gid ${n.gid} (no name in ${SOURCES.groupFile})`}, not the serial group ${serialGroup} (${owner})${names}`, evidence: [key] };
  }
  return { control: 'DL-04', resource, status: 'pass', detail: `mode ${n.mode}, ${owner}: writable by its owner${mode & 0o020 ? ` and the serial group ${serialGroup}` : ''} only${names}`, evidence: [key] };
}

function judgeSerialNodes(serial: Seen<SerialFacts>, serialGroup: string): ControlResult[] {
  if ('result' in serial) return [serial.result('DL-04', serialEvidence.resource)];
  const { facts, key } = serial;
  const out = facts.nodes.map((n) => judgeNode(n, facts, serialGroup, key));
  const visible = new Set(facts.nodes.map((n) => n.path));
  for (const tty of facts.kernelTtys ?? []) {
    const path = `${SOURCES.dev}/${tty}`;
    if (!visible.has(path))
      out.push({
        control: 'DL-04',
        resource: serialResource(path),
        status: 'error',
        detail: `the kernel lists ${tty} (${SOURCES.kernelTtys}) but ${path} is not visible to the agent: its /dev is not the system's (systemd PrivateDevices=yes?), so the node's mode cannot be read`,
        evidence: [key],
      });
  }
  if (out.length) return out;
  const crossCheck = facts.kernelTtys === null ? `; no ${SOURCES.kernelTtys} under the root to cross-check` : ', and the kernel lists none';
  return [{ control: 'DL-04', resource: serialEvidence.resource, status: 'pass', detail: `no serial node (ttyACM*, ttyUSB*, ttyAMA*) under ${SOURCES.dev}${crossCheck}`, evidence: [key] }];
}

export function evaluateDeviceLink({ config, evidence }: EvaluateInput): ControlResult[] {
  const devices: Devices = config.devices ?? {};
  const usb = seenOf<UsbFacts>(usbEvidence, evidence);
  const serial = seenOf<SerialFacts>(serialEvidence, evidence);
  const inventory = inventoryBySerial(devices);
  return [
    ...judgeAttached(usb, devices),
    ...judgeBootloader(usb, inventory),
    ...judgeDebugProbes(usb),
    ...judgeSerialNodes(serial, devices.serial_group ?? DEFAULT_SERIAL_GROUP),
    ...judgeUnknownStorage(usb, devices, inventory),
  ];
}
