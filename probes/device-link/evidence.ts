// device-link's evidence, declared once: what collect records and evaluate
// reads (kinds, keys, resource ids and the shape of the data).
import { declareEvidence, type Observation } from '../evidence.js';

/** One USB device (not a root hub) as sysfs describes it. */
export interface UsbDevice {
  /** The sysfs name: bus-port path such as `1-1.2`. */
  busPath: string;
  /** Lower-case hex as sysfs writes them; null when the attribute could not be read. */
  vendorId: string | null;
  productId: string | null;
  serial: string | null;
  product: string | null;
  manufacturer: string | null;
  /** bDeviceClass (two hex digits); `00` means "per interface". */
  deviceClass: string | null;
  /** bInterfaceClass of each interface (`1-1.2:1.0` …), null where unreadable. */
  interfaces: Array<{ name: string; interfaceClass: string | null }>;
  /** Attributes a USB device always has that could not be read, with why (partial sysfs). */
  unreadable: string[];
}

export interface UsbFacts {
  /** The folder listed, as a path on the audited system. */
  source: string;
  devices: UsbDevice[];
  /** Root hubs (`usbN`): the host controllers themselves, never judged. */
  rootHubs: number;
}

export interface SerialNode {
  /** Path on the audited system, e.g. /dev/ttyACM0. */
  path: string;
  /** /dev/serial/by-id names that point at it. */
  byId: string[];
  /** Octal permission bits, e.g. `0660`. */
  mode: string;
  type: 'character device' | 'file' | 'other';
  uid: number;
  gid: number;
  owner: string | null;
  /** Group name from etc/group under the root; null when the gid has none there. */
  group: string | null;
}

export interface SerialFacts {
  nodes: SerialNode[];
  /** by-id links whose target is missing (a device unplugged while udev kept the link). */
  danglingLinks: Array<{ link: string; target: string }>;
  /**
   * Serial devices the kernel lists in /sys/class/tty (ttyACM*, ttyUSB*,
   * ttyAMA*); null when that folder is not under the root. A name here with no
   * node under /dev means the agent's /dev is not the system's (e.g.
   * systemd PrivateDevices=yes).
   */
  kernelTtys: string[] | null;
  /** Whether etc/group was found under the root (group names come from it). */
  groupFile: boolean;
}

export type UsbObservation = Observation<UsbFacts>;
export type SerialObservation = Observation<SerialFacts>;

export { rootEvidence } from '../root.js';
export const usbEvidence = declareEvidence<UsbObservation>({ key: 'usb-devices', kind: 'usb-devices', resource: 'usb' });
export const serialEvidence = declareEvidence<SerialObservation>({ key: 'serial-nodes', kind: 'serial-nodes', resource: 'serial' });

/** The places device-link reads, as paths on the audited system. */
export const SOURCES = {
  usbDevices: '/sys/bus/usb/devices',
  kernelTtys: '/sys/class/tty',
  dev: '/dev',
  serialById: '/dev/serial/by-id',
  groupFile: '/etc/group',
  passwdFile: '/etc/passwd',
} as const;

/** Serial node name patterns (DL-04). */
export const SERIAL_NODE_PATTERNS = ['ttyACM*', 'ttyUSB*', 'ttyAMA*'] as const;

export { deviceResource } from '../resources.js';
/** A USB device by what it is and which unit: vid:pid and serial, else the port it sits in. */
export const usbResource = (d: Pick<UsbDevice, 'vendorId' | 'productId' | 'serial' | 'busPath'>) =>
  `usb ${d.vendorId ?? '????'}:${d.productId ?? '????'} ${d.serial ? d.serial : `port ${d.busPath}`}`;
export const serialResource = (path: string) => `serial ${path}`;
