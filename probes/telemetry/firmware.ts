// The firmware policy (TI-07, TI-08): a pure judgement of the firmware
// versions each device reported in the window against telemetry.firmware.
import type { ControlResult } from '../types.js';
import type { DeviceReport } from './analyzer.js';
import { compareSemver, parseSemver } from './semver.js';
import { deviceResource, FLEET_RESOURCE } from './evidence.js';
import type { TelemetrySettings } from './settings.js';
import { plural } from '../words.js';

const quoted = (vs: string[]) => vs.map((v) => `"${v}"`).join(', ');

/** Why the policy cannot be judged for any device (not configured), or null. */
export function firmwarePolicyGap(s: TelemetrySettings): { 'TI-07': string | null; 'TI-08': string | null } {
  if (!s.firmware) return { 'TI-07': 'telemetry.firmware is not configured: no firmware policy', 'TI-08': 'telemetry.firmware is not configured: where devices report their firmware is unknown' };
  return { 'TI-07': s.firmware.minimum ? null : 'telemetry.firmware.minimum is not set: no minimum to compare with', 'TI-08': null };
}

/** TI-07 for one device that sent live messages in the window. */
export function judgeFirmwareMinimum(r: DeviceReport, key: string, s: TelemetrySettings): ControlResult {
  const resource = deviceResource(r.device);
  const pointer = s.firmware?.pointer ?? '';
  const minimumText = s.firmware?.minimum ?? '';
  const minimum = parseSemver(minimumText);
  if (!minimum) return { control: 'TI-07', resource, status: 'error', detail: `telemetry.firmware.minimum "${minimumText}" is not a semantic version`, evidence: [] };
  if (r.messages === 0) return { control: 'TI-07', resource, status: 'skipped', detail: `only ${plural(r.retained, 'retained message')}, no live message`, evidence: [] };
  const fw = r.firmware;
  if (!fw || fw.versions.length === 0)
    return { control: 'TI-07', resource, status: 'warn', detail: `none of ${plural(r.messages, 'message')} carries a firmware version at ${pointer}: the minimum ${minimumText} cannot be checked`, evidence: [key] };
  const more = fw.versionsNotListed ? ` and ${fw.versionsNotListed} more` : '';
  const missing = fw.missing ? `; ${fw.missing} of ${r.messages} messages carried none` : '';
  const below = fw.versions.filter((v) => {
    const p = parseSemver(v);
    return p !== null && compareSemver(p, minimum) < 0;
  });
  if (below.length)
    return {
      control: 'TI-07',
      resource,
      status: 'fail',
      detail: `reports firmware ${quoted(below)}, below the minimum ${minimumText} (telemetry.firmware.minimum)${fw.versions.length > below.length ? `; also seen: ${quoted(fw.versions.filter((v) => !below.includes(v)))}` : ''}${more}${missing}`,
      evidence: [key],
    };
  const unreadable = fw.versions.filter((v) => parseSemver(v) === null);
  if (unreadable.length)
    return { control: 'TI-07', resource, status: 'warn', detail: `reports firmware ${quoted(unreadable)}: not a semantic version, so it cannot be compared with the minimum ${minimumText}${missing}`, evidence: [key] };
  return { control: 'TI-07', resource, status: 'pass', detail: `reports firmware ${quoted(fw.versions)}${more}, at or above the minimum ${minimumText}${missing}`, evidence: [key] };
}

/** TI-08 over the inventory devices that reported a firmware version. */
export function judgeFirmwareDrift(inventory: string[], reports: Map<string, { key: string; data: DeviceReport }>): ControlResult {
  const byVersion = new Map<string, string[]>();
  const keys: string[] = [];
  for (const id of inventory) {
    const e = reports.get(id);
    const versions = e?.data.firmware?.versions ?? [];
    if (!e || !versions.length) continue;
    keys.push(e.key);
    for (const v of versions) byVersion.set(v, [...(byVersion.get(v) ?? []), id]);
  }
  if (!keys.length)
    return { control: 'TI-08', resource: FLEET_RESOURCE, status: 'skipped', detail: `none of ${plural(inventory.length, 'inventory device')} reported a firmware version in the window`, evidence: [] };
  const sorted = [...byVersion.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
  const list = sorted.map(([v, ids]) => `"${v}" on ${ids.length > 5 ? `${ids.slice(0, 5).join(', ')} and ${ids.length - 5} more` : ids.join(', ')}`).join('; ');
  if (byVersion.size > 1)
    return { control: 'TI-08', resource: FLEET_RESOURCE, status: 'fail', detail: `${byVersion.size} firmware versions across ${plural(keys.length, 'inventory device')}: ${list}`, evidence: keys };
  return { control: 'TI-08', resource: FLEET_RESOURCE, status: 'pass', detail: `every one of ${plural(keys.length, 'inventory device')} that reported its firmware runs ${list}`, evidence: keys };
}
