// The box a run's evidence came from: model, OS, kernel and serial, read with
// systeminformation (on a Raspberry Pi: /proc/device-tree and /proc/cpuinfo,
// e.g. "Raspberry Pi 5 Model B Rev 1.0" and its board serial). A retainer
// reviewer reading a bundle months later must be able to tell which gateway
// it describes. Read in the process that runs the checks, beside them.
import type { HostFacts } from '../contracts/run-document.js';
import { reasonOf } from '../errors.js';

export type { HostFacts };

/** Values systeminformation uses for "unknown". */
const known = (v: string | undefined | null): string | null => (v && v !== '-' && v.trim() !== '' ? v.trim() : null);

export async function readHostFacts(): Promise<HostFacts> {
  try {
    const { default: si } = await import('systeminformation');
    const [sys, os] = await Promise.all([si.system(), si.osInfo()]);
    const distro = known(os.distro);
    return {
      model: known(sys.model),
      manufacturer: known(sys.manufacturer),
      serial: known(sys.serial),
      os: distro ? `${distro}${known(os.release) ? ` ${os.release}` : ''}${known(os.codename) ? ` (${os.codename})` : ''}` : null,
      kernel: known(os.kernel),
      arch: known(os.arch),
      hostname: known(os.hostname),
    };
  } catch (err) {
    return { model: null, manufacturer: null, serial: null, os: null, kernel: null, arch: null, hostname: null, error: reasonOf(err) };
  }
}

/** One line for reports: "Raspberry Pi 5 Model B Rev 1.0 · Debian GNU/Linux 12 (bookworm) · kernel 6.6.51 · serial …"; null when nothing is known. */
export function describeHost(h: HostFacts | undefined): string | null {
  if (!h) return null;
  const parts = [h.model, h.os, h.kernel ? `kernel ${h.kernel}` : null, h.serial ? `serial ${h.serial}` : null].filter((p): p is string => Boolean(p));
  return parts.length ? parts.join(' · ') : null;
}
