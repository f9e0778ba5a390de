// What is plugged into the lab gateway's USB ports, laid into its OS image the
// way a Raspberry Pi 5's kernel and udev show it: sysfs entries under
// /sys/devices with /sys/bus/usb/devices/* and /sys/class/tty/* as relative
// symlinks into them, one /dev node per CDC-ACM serial port and the
// /dev/serial/by-id links udev makes. device-link reads the lab's image as it
// reads a real gateway's root.
import { createHash } from 'node:crypto';
import { appendFileSync, chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Profile } from './gateway.js';

/** One USB device on the bus: its sysfs attributes, interface classes and the serial port one of its interfaces makes. */
export interface LabUsbDevice {
  /** Bus-port path, e.g. `1-1.2` (port 2 of the hub on port 1 of bus 1). */
  busPath: string;
  vendorId: string;
  productId: string;
  deviceClass: string;
  product: string;
  manufacturer: string;
  serial: string | null;
  /** bInterfaceClass of each interface, in interface order. */
  interfaces: string[];
  /** The interface whose driver makes a ttyACM node (CDC ACM), if any. */
  ttyInterface?: number;
}

/** The xHCI controller behind the Pi 5's USB 2 ports (RP1), as the kernel names it. */
const CONTROLLER = 'devices/platform/axi/1000120000.pcie/1f00200000.usb/xhci-hcd.0';
/** ttyACM nodes: major 166 (Linux devices.txt). */
const ACM_MAJOR = 166;
/** What udev gives a serial node on Raspberry Pi OS: root, the serial group, 0660. */
export const SERIAL_NODE_MODE = 0o660;

/**
 * An STM32 board's USB serial number as its USB CDC firmware reports it:
 * 12 hex digits from the chip's unique id. The lab derives it from the device
 * id, so the inventory's usb_serial and the bus agree by construction.
 */
export function labUsbSerial(deviceId: string): string {
  return createHash('sha256').update(`stm32 uid ${deviceId}`).digest('hex').slice(0, 12).toUpperCase();
}

const hub: LabUsbDevice = { busPath: '1-1', vendorId: '05e3', productId: '0610', deviceClass: '09', product: 'USB2.1 Hub', manufacturer: 'GenesysLogic', serial: null, interfaces: ['09'] };

/** An inventory device's board: an STM32 running its firmware, attached as a USB virtual COM port. */
const board = (deviceId: string, port: number): LabUsbDevice => ({
  busPath: `1-1.${port}`,
  vendorId: '0483',
  productId: '5740',
  deviceClass: '02',
  product: 'STM32 Virtual ComPort',
  manufacturer: 'STMicroelectronics',
  serial: labUsbSerial(deviceId),
  interfaces: ['02', '0a'],
  ttyInterface: 0,
});

/** A spare board left in its ROM bootloader after a bench reflash: USB DFU (AN3156), anyone at the gateway can rewrite it. */
export const LAB_DFU_BOARD: Omit<LabUsbDevice, 'busPath'> = {
  vendorId: '0483',
  productId: 'df11',
  deviceClass: '00',
  product: 'DFU in FS Mode',
  manufacturer: 'STMicroelectronics',
  serial: '3574364C3034',
  interfaces: ['fe'],
};

/** An ST-LINK/V2-1 left plugged in after debugging: debug port, drag-and-drop storage and a virtual COM port. */
export const LAB_ST_LINK: Omit<LabUsbDevice, 'busPath'> = {
  vendorId: '0483',
  productId: '374b',
  deviceClass: 'ef',
  product: 'STM32 STLink',
  manufacturer: 'STMicroelectronics',
  serial: '066DFF485550755187121937',
  interfaces: ['ff', '08', '02', '0a'],
  ttyInterface: 2,
};

/**
 * The bus of a profile: the inventory boards on a hub (ports 1-1.1…); the
 * weak gateway also has a board in DFU mode on the hub and an ST-LINK on the
 * second port. The hardened one has neither: an operator unplugged them.
 */
export function labUsbBus(profile: Profile, deviceIds: readonly string[]): LabUsbDevice[] {
  const boards = deviceIds.map((id, i) => board(id, i + 1));
  const bench = profile === 'weak' ? [{ ...LAB_DFU_BOARD, busPath: `1-1.${deviceIds.length + 1}` }, { ...LAB_ST_LINK, busPath: '1-2' }] : [];
  return [hub, ...boards, ...bench];
}

/** The sysfs folder of a device: nested under its parent hub's, as the kernel does (`usb1/1-1/1-1.2`). */
function devicePath(busPath: string): string {
  const [bus, ports] = busPath.split('-') as [string, string];
  const chain = ports.split('.');
  const parts = chain.map((_, i) => `${bus}-${chain.slice(0, i + 1).join('.')}`);
  return join('sys', CONTROLLER, `usb${bus}`, ...parts);
}

function write(root: string, path: string, text: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), `${text}\n`);
}

/** A relative symlink at `from` to `to` (both under the root), as sysfs and udev make them. */
function link(root: string, from: string, to: string): void {
  mkdirSync(join(root, from, '..'), { recursive: true });
  symlinkSync(relative(join(root, from, '..'), join(root, to)), join(root, from));
}

/** udev's by-id name: usb-<manufacturer>_<product>_<serial>-if<NN>, spaces as underscores. */
const byIdName = (d: LabUsbDevice, iface: number) =>
  `usb-${d.manufacturer}_${d.product}_${d.serial ?? ''}-if${String(iface).padStart(2, '0')}`.replace(/\s+/g, '_');

/**
 * Writes the bus into the image at `root`: the root hub and every device with
 * its attributes and interfaces, the tty nodes (mode 0660, the lab's own
 * uid and gid: only root could chown) and their by-id links.
 */
export function layUsbBus(root: string, devices: readonly LabUsbDevice[]): void {
  const rootHub = join('sys', CONTROLLER, 'usb1');
  const attrs = (dir: string, a: Record<string, string | null>) => {
    for (const [k, v] of Object.entries(a)) if (v !== null) write(root, join(dir, k), v);
  };
  attrs(rootHub, { idVendor: '1d6b', idProduct: '0002', bDeviceClass: '09', product: 'xHCI Host Controller', manufacturer: 'Linux xhci-hcd', serial: 'xhci-hcd.0' });
  write(root, join(rootHub, '1-0:1.0', 'bInterfaceClass'), '09');
  link(root, 'sys/bus/usb/devices/usb1', rootHub);
  link(root, 'sys/bus/usb/devices/1-0:1.0', join(rootHub, '1-0:1.0'));
  mkdirSync(join(root, 'dev', 'serial', 'by-id'), { recursive: true });
  let acm = 0;
  for (const d of devices) {
    const dir = devicePath(d.busPath);
    attrs(dir, { idVendor: d.vendorId, idProduct: d.productId, bDeviceClass: d.deviceClass, product: d.product, manufacturer: d.manufacturer, serial: d.serial });
    link(root, `sys/bus/usb/devices/${d.busPath}`, dir);
    d.interfaces.forEach((cls, i) => {
      const iface = `${d.busPath}:1.${i}`;
      write(root, join(dir, iface, 'bInterfaceClass'), cls);
      link(root, `sys/bus/usb/devices/${iface}`, join(dir, iface));
      if (d.ttyInterface !== i) return;
      const tty = `ttyACM${acm}`;
      write(root, join(dir, iface, 'tty', tty, 'dev'), `${ACM_MAJOR}:${acm++}`);
      link(root, `sys/class/tty/${tty}`, join(dir, iface, 'tty', tty));
      writeFileSync(join(root, 'dev', tty), '');
      chmodSync(join(root, 'dev', tty), SERIAL_NODE_MODE);
      link(root, `dev/serial/by-id/${byIdName(d, i)}`, `dev/${tty}`);
    });
  }
}

/**
 * The name the image's etc/group gives the lab's own group (the group of
 * every node the lab lays), adding an entry when it has none: the lab config
 * names it as devices.serial_group, as it names its own account broker.user.
 */
export function labSerialGroup(root: string): string {
  const gid = String(process.getgid?.() ?? 0);
  const file = join(root, 'etc', 'group');
  const known = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.split(':'))
    .find((f) => f[2] === gid);
  if (known?.[0]) return known[0];
  appendFileSync(file, `labserial:x:${gid}:\n`);
  return 'labserial';
}
