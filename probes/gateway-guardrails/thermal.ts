// Raspberry Pi power and thermal state for GG-09.
//
// Throttling/under-voltage: the firmware's get_throttled bit field, from the
// raspberrypi kernel's sysfs file under the root (no command needed; the path
// differs between Pi 4 `soc` and Pi 5 `soc@107c000000`, hence the glob), else
// `vcgencmd get_throttled` on the live root.
// Thermal zones are read from /sys/class/thermal directly rather than through
// systeminformation's cpuTemperature(): the judgement needs each zone's trip
// points (what the kernel throttles at), which systeminformation does not
// expose, and it cannot read under an image root.
import { readdir } from 'node:fs/promises';
import { failed, type Observation } from '../evidence.js';
import { globUnderRoot, readUnderRoot, resolveInRoot, underRoot } from '../root.js';
import { describeRun, findBinary, runCommand, type SystemView } from '../system.js';

/** get_throttled bits (Raspberry Pi firmware documentation, "vcgencmd get_throttled"). */
export const THROTTLE_BITS: Record<number, string> = {
  0: 'under-voltage detected now',
  1: 'ARM frequency capped now',
  2: 'throttled now',
  3: 'soft temperature limit active now',
  16: 'under-voltage has occurred since boot',
  17: 'ARM frequency capping has occurred since boot',
  18: 'throttling has occurred since boot',
  19: 'soft temperature limit has occurred since boot',
};

export interface PowerFacts {
  source: string;
  /** Raw value as hex (`0x50005`). */
  throttled: string;
  flags: string[];
}

export type PowerEvidence = Observation<PowerFacts>;

export function decodeThrottled(value: number): string[] {
  return Object.entries(THROTTLE_BITS)
    .filter(([bit]) => (value & (1 << Number(bit))) !== 0)
    .map(([, what]) => what);
}

/** `throttled=0x50005` (vcgencmd) or `50005` (sysfs, hex without prefix). */
export function parseThrottled(text: string): number | null {
  const m = /(?:throttled=)?(?:0x)?([0-9a-f]+)\s*$/i.exec(text.trim());
  return m ? Number.parseInt(m[1]!, 16) : null;
}

const THROTTLED_GLOB = '/sys/devices/platform/soc*/soc*:firmware/get_throttled';

export async function collectPower(view: SystemView): Promise<PowerEvidence> {
  const tried: string[] = [];
  for (const file of await globUnderRoot(view, THROTTLED_GLOB)) {
    const text = await readUnderRoot(view, file);
    const value = text === null ? null : parseThrottled(text);
    if (value !== null) return { state: 'observed', source: file, throttled: `0x${value.toString(16)}`, flags: decodeThrottled(value) };
    tried.push(`${file} unreadable`);
  }
  if (!tried.length) tried.push(`no ${THROTTLED_GLOB} under ${view.root}`);
  if (view.live) {
    const bin = await findBinary('vcgencmd');
    if (bin) {
      const run = await runCommand(bin, ['get_throttled'], view);
      const value = run.exitCode === 0 ? parseThrottled(run.stdout) : null;
      if (value !== null) return { state: 'observed', source: 'vcgencmd get_throttled', throttled: `0x${value.toString(16)}`, flags: decodeThrottled(value) };
      if (run.timedOut) return failed(describeRun(run));
      tried.push(describeRun(run));
    } else tried.push('no vcgencmd binary');
  } else tried.push('vcgencmd not run on an image root');
  return { state: 'absent', reason: `not a Raspberry Pi (no firmware throttling report): ${tried.join('; ')}` };
}

export interface ThermalZone {
  zone: string;
  type: string | null;
  tempC: number;
  /** Lowest passive/hot trip point, where the kernel starts cooling by throttling. */
  tripC: number | null;
  tripType: string | null;
}

export interface ThermalFacts {
  source: string;
  zones: ThermalZone[];
}

export type ThermalEvidence = Observation<ThermalFacts>;

const milli = (text: string | null) => (text !== null && /^-?\d+$/.test(text.trim()) ? Number(text.trim()) / 1000 : null);

export async function collectThermal(view: SystemView): Promise<ThermalEvidence> {
  const base = '/sys/class/thermal';
  let names: string[];
  try {
    names = (await readdir(await resolveInRoot(view, base))).filter((n) => /^thermal_zone\d+$/.test(n)).sort();
  } catch {
    names = [];
  }
  const zones: ThermalZone[] = [];
  for (const zone of names) {
    const dir = `${base}/${zone}`;
    const tempC = milli(await readUnderRoot(view, `${dir}/temp`).catch(() => null));
    if (tempC === null) continue; // a zone whose sensor is off reads EINVAL/ENODATA
    let tripC: number | null = null;
    let tripType: string | null = null;
    for (let i = 0; i < 16; i++) {
      const type = (await readUnderRoot(view, `${dir}/trip_point_${i}_type`).catch(() => null))?.trim();
      if (!type) break;
      const t = milli(await readUnderRoot(view, `${dir}/trip_point_${i}_temp`).catch(() => null));
      if ((type === 'passive' || type === 'hot') && t !== null && t > 0 && (tripC === null || t < tripC)) {
        tripC = t;
        tripType = type;
      }
    }
    zones.push({ zone, type: (await readUnderRoot(view, `${dir}/type`).catch(() => null))?.trim() ?? null, tempC, tripC, tripType });
  }
  if (!zones.length) return { state: 'absent', reason: `no readable thermal zone under ${underRoot(view, base)}` };
  return { state: 'observed', source: base, zones };
}
