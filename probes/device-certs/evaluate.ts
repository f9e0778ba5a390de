// device-certs judgement: pure function of the inventory and the parsed
// device certificates. Per device DC-01/02/04/05/06/07; across the fleet
// DC-03 (key reuse) and DC-08 (devices seen by other checks, not enrolled).
import { DEVICES_SEEN_KIND } from '../devices-seen.js';
import { indexEvidence } from '../evidence.js';
import type { ControlResult, Evidence, EvaluateInput } from '../types.js';
import { daysLeft, describeValidity, isExpired, isNotYetValid, weakKeyReason, type CertFileData } from '../x509.js';
import {
  certDirEvidence,
  deviceCaEvidence,
  deviceCertEvidence,
  deviceResource,
  FLEET_RESOURCE,
  inventoryEvidence,
  keyReuseResource,
  type DeviceCertData,
  type InventoryData,
} from './evidence.js';

export const DEFAULT_DEVICE_EXPIRY_WARN_DAYS = 30;

const PER_DEVICE = ['DC-01', 'DC-02', 'DC-04', 'DC-05', 'DC-06', 'DC-07'] as const;

function evaluateDevice(ev: Evidence<DeviceCertData>, ca: Evidence<CertFileData> | undefined, caConfigured: boolean, warnDays: number, now: Date): ControlResult[] {
  const d = ev.data;
  const resource = deviceResource(d.id);
  const k = [ev.key];
  if (!d.file) return PER_DEVICE.map((control) => ({ control, resource, status: 'skipped', detail: 'no certificate on record for this device (inventory entry without cert, none in cert_dir)', evidence: [] }));
  if (d.error || !d.facts) return PER_DEVICE.map((control) => ({ control, resource, status: 'error', detail: `certificate unreadable: ${d.error ?? 'not parsed'}`, evidence: k }));
  const f = d.facts;
  const out: ControlResult[] = [];

  if (isExpired(f, now) || isNotYetValid(f, now)) {
    out.push({ control: 'DC-01', resource, status: 'fail', detail: `certificate ${f.subject} (serial ${f.serial}) ${describeValidity(f, now)}`, evidence: k });
    out.push({ control: 'DC-02', resource, status: 'skipped', detail: 'certificate outside its validity window: judged by DC-01', evidence: [] });
  } else {
    out.push({ control: 'DC-01', resource, status: 'pass', detail: describeValidity(f, now), evidence: k });
    const left = daysLeft(f, now);
    out.push(
      left <= warnDays
        ? { control: 'DC-02', resource, status: 'fail', detail: `expires in ${left} day(s) (${f.notAfter}), within ${warnDays}`, evidence: k }
        : { control: 'DC-02', resource, status: 'pass', detail: `${left} day(s) left, more than ${warnDays}`, evidence: k },
    );
  }

  const weak = weakKeyReason(f);
  out.push(weak ? { control: 'DC-04', resource, status: 'fail', detail: `weak key: ${weak}`, evidence: k } : { control: 'DC-04', resource, status: 'pass', detail: `${f.keyType} ${f.keyBits ?? '?'}${f.curve ? ` ${f.curve}` : ''}`, evidence: k });

  if (!caConfigured) out.push({ control: 'DC-05', resource, status: 'skipped', detail: 'devices.ca_file not configured: no device CA to validate against', evidence: [] });
  else if (!ca || ca.data.error || !d.chain) out.push({ control: 'DC-05', resource, status: 'error', detail: `device CA unusable: ${ca?.data.error ?? 'not read'}`, evidence: ca ? [ca.key] : [] });
  else if (d.chain.valid) out.push({ control: 'DC-05', resource, status: 'pass', detail: `issued by the device CA: ${d.chain.path.join(' → ')}`, evidence: [ev.key, ca.key] });
  else out.push({ control: 'DC-05', resource, status: 'fail', detail: `not issued by the device CA (${ca.data.file}): ${d.chain.error}`, evidence: [ev.key, ca.key] });

  // An absent EKU extension means "any purpose" (RFC 5280 §4.2.1.12): accepted, and said so.
  const problems: string[] = [];
  if (f.isCa) problems.push('basicConstraints CA:TRUE on a device certificate');
  if (f.ekus && !f.ekus.includes('clientAuth') && !f.ekus.includes('anyExtendedKeyUsage')) problems.push(`extendedKeyUsage [${f.ekus.join(', ')}] lacks clientAuth`);
  out.push(
    problems.length
      ? { control: 'DC-06', resource, status: 'fail', detail: problems.join('; '), evidence: k }
      : { control: 'DC-06', resource, status: 'pass', detail: `CA:FALSE; ${f.ekus ? `EKU [${f.ekus.join(', ')}]` : 'no EKU extension (any purpose)'}`, evidence: k },
  );

  if (f.cn === d.id || f.san.dns.includes(d.id)) out.push({ control: 'DC-07', resource, status: 'pass', detail: `${f.cn === d.id ? 'CN' : 'DNS SAN'} "${d.id}" is the device id`, evidence: k });
  else out.push({ control: 'DC-07', resource, status: 'fail', detail: `device id "${d.id}" (${d.origin === 'cert_dir' ? 'file name' : 'inventory'}) but certificate CN "${f.cn ?? ''}"${f.san.dns.length ? ` and DNS SAN [${f.san.dns.join(', ')}]` : ''}`, evidence: k });
  return out;
}

/**
 * DC-03: one result per key-reuse group, never one per device pair. The
 * resource id is `key-reuse spki:<first 16 hex of the SPKI SHA-256>`: it
 * names the shared key, so the finding keeps its fingerprint across runs
 * even as devices join or leave the group.
 */
function evaluateKeyReuse(devices: Array<Evidence<DeviceCertData>>, inventoryKey: string): ControlResult[] {
  const groups = new Map<string, Array<Evidence<DeviceCertData>>>();
  for (const ev of devices) {
    const spki = ev.data.facts?.spkiSha256;
    if (!spki) continue;
    const g = groups.get(spki);
    if (g) g.push(ev);
    else groups.set(spki, [ev]);
  }
  const reused = [...groups].filter(([, g]) => g.length > 1);
  const judged = devices.filter((d) => d.data.facts).length;
  if (!reused.length) {
    if (!judged) return [{ control: 'DC-03', resource: FLEET_RESOURCE, status: 'skipped', detail: 'no readable device certificate to compare', evidence: [] }];
    return [{ control: 'DC-03', resource: FLEET_RESOURCE, status: 'pass', detail: `${judged} device certificate(s), ${judged} distinct public key(s)`, evidence: [inventoryKey] }];
  }
  return reused.map(([spki, g]) => ({
    control: 'DC-03',
    resource: keyReuseResource(spki),
    status: 'fail' as const,
    detail: `${g.length} devices share one public key (SPKI sha256 ${spki}): ${g.map((e) => e.data.id).join(', ')}`,
    evidence: g.map((e) => e.key),
  }));
}

/** DC-08: identities other checks of this run observed (probes/devices-seen.ts; the telemetry check publishes them). */
function evaluateUnknownDevices(inventory: Evidence<InventoryData>, runEvidence: Evidence[]): ControlResult[] {
  const seenEv = runEvidence.filter((e) => e.kind === DEVICES_SEEN_KIND);
  if (!seenEv.length) return [{ control: 'DC-08', resource: FLEET_RESOURCE, status: 'skipped', detail: 'no check in this run observed device identities (needs the telemetry check in the bundle, e.g. `full`)', evidence: [] }];
  const known = new Set(inventory.data.devices.map((d) => d.id));
  const seen = new Map<string, string[]>();
  const truncated = seenEv.some((e) => (e.data as { truncated?: unknown }).truncated === true);
  for (const e of seenEv) {
    const ids = (e.data as { devices?: unknown }).devices;
    if (!Array.isArray(ids)) continue;
    for (const id of ids) if (typeof id === 'string') seen.set(id, [...(seen.get(id) ?? []), `${e.kind} on ${e.resource}`]);
  }
  const unknown = [...seen.keys()].filter((id) => !known.has(id)).sort();
  if (!unknown.length) return [{ control: 'DC-08', resource: FLEET_RESOURCE, status: 'pass', detail: `all ${seen.size} device identities seen (${[...seen.keys()].sort().join(', ')}) are in the inventory of ${known.size}${truncated ? '; the telemetry check tracked only part of the identities it saw (list truncated)' : ''}`, evidence: [inventory.key] }];
  // Evidence refs are this check's own; the detail names where the identity was observed.
  return unknown.map((id) => ({ control: 'DC-08', resource: deviceResource(id), status: 'fail' as const, detail: `device "${id}" seen (${seen.get(id)!.join('; ')}) but not in the inventory of ${known.size} device(s)`, evidence: [inventory.key] }));
}

const ALL = [...PER_DEVICE, 'DC-03', 'DC-08'];

export function evaluateDeviceCerts({ config, evidence, runEvidence, now }: EvaluateInput): ControlResult[] {
  const devicesConfig = config.devices!;
  const byKey = indexEvidence(evidence);
  const inventory = inventoryEvidence.find(byKey);
  // Without the inventory no device is known: nothing to judge, nothing to compare seen identities with.
  if (!inventory) return ALL.map((control) => inventoryEvidence.missing(control));
  const ca = devicesConfig.ca_file ? deviceCaEvidence.find(byKey, devicesConfig.ca_file) : undefined;
  const warnDays = devicesConfig.expiry_warn_days ?? DEFAULT_DEVICE_EXPIRY_WARN_DAYS;
  const results: ControlResult[] = [];

  if (devicesConfig.cert_dir) {
    const dir = certDirEvidence.find(byKey, devicesConfig.cert_dir);
    if (dir?.data.error)
      for (const control of PER_DEVICE) results.push({ control, resource: dir.resource, status: 'error', detail: `certificate directory unreadable: ${dir.data.error}`, evidence: [dir.key] });
  }
  const devices = inventory.data.devices.flatMap((d) => deviceCertEvidence.find(byKey, d.id) ?? []);
  for (const d of inventory.data.devices)
    if (!deviceCertEvidence.find(byKey, d.id)) for (const control of PER_DEVICE) results.push({ control, resource: deviceResource(d.id), status: 'error', detail: 'not read before the check budget ran out', evidence: [] });
  for (const ev of devices) results.push(...evaluateDevice(ev, ca, Boolean(devicesConfig.ca_file), warnDays, now));
  if (!inventory.data.devices.length && !results.length)
    for (const control of PER_DEVICE) results.push({ control, resource: FLEET_RESOURCE, status: 'skipped', detail: 'the inventory holds no device', evidence: [] });
  results.push(...evaluateKeyReuse(devices, inventory.key));
  results.push(...evaluateUnknownDevices(inventory, runEvidence));
  return results;
}
