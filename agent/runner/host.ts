// The box a run's evidence came from: model, OS, kernel and serial. A
// retainer reviewer reading a bundle months later must be able to tell which
// gateway it describes. Read in the process that runs the checks, beside them.
//
// The hardware (model, manufacturer, serial) comes from systeminformation's
// system() (on a Raspberry Pi: /proc/device-tree and /proc/cpuinfo, e.g.
// "Raspberry Pi 5 Model B Rev 1.0" and its board serial), loaded alone: the
// package's index loads all of its modules (~25 ms of a run's start, against
// ~6 ms for lib/system.js and its util.js). The OS comes from os-release(5) and
// node:os: systeminformation's osInfo() would spawn eight processes, three of
// them synchronously (hostname -f, the locale, dmesg for UEFI), to fill fields
// no report shows, and each synchronous one stalls the probes running beside it.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { HostFacts } from '../contracts/run-document.js';
import { reasonOf } from '../errors.js';

export type { HostFacts };

/** Values systeminformation uses for "unknown". */
const known = (v: string | undefined | null): string | null => (v && v !== '-' && v.trim() !== '' ? v.trim() : null);

/** KEY=value lines of os-release(5): values may be quoted, with backslash escapes inside. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, key = '', raw = ''] = m;
    const quoted = /^(["'])(.*)\1$/.exec(raw);
    out[key] = quoted ? (quoted[2] ?? '').replace(/\\(.)/g, '$1') : raw;
  }
  return out;
}

/** "Debian GNU/Linux 12 (bookworm)": the name the distribution gives itself for display, from /etc/os-release, else /usr/lib/os-release. */
async function osName(): Promise<string | null> {
  for (const file of ['/etc/os-release', '/usr/lib/os-release']) {
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text === null) continue;
    const r = parseOsRelease(text);
    return known(r.PRETTY_NAME) ?? (known(r.NAME) ? `${r.NAME}${known(r.VERSION_ID) ? ` ${r.VERSION_ID}` : ''}` : null);
  }
  return null;
}

export async function readHostFacts(): Promise<HostFacts> {
  const platform = { kernel: known(os.release()), arch: known(os.arch()), hostname: known(os.hostname()) };
  try {
    const { system } = await import('systeminformation/lib/system.js');
    const [hw, name] = await Promise.all([system(), osName()]);
    return { model: known(hw.model), manufacturer: known(hw.manufacturer), serial: known(hw.serial), os: name, ...platform };
  } catch (err) {
    return { model: null, manufacturer: null, serial: null, os: null, ...platform, error: reasonOf(err) };
  }
}

/** One line for reports: "Raspberry Pi 5 Model B Rev 1.0 · Debian GNU/Linux 12 (bookworm) · kernel 6.6.51 · serial …"; null when nothing is known. */
export function describeHost(h: HostFacts | undefined): string | null {
  if (!h) return null;
  const parts = [h.model, h.os, h.kernel ? `kernel ${h.kernel}` : null, h.serial ? `serial ${h.serial}` : null].filter((p): p is string => Boolean(p));
  return parts.length ? parts.join(' · ') : null;
}
