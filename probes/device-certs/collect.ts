// device-certs: the device inventory and each device's certificate, read from
// files named in the config. Nothing here touches the network.
//
// Where devices come from:
//   - devices.inventory: `{id, cert?}`; an entry without `cert` is looked up
//     in cert_dir as `<id>.pem` or `<id>.crt`.
//   - devices.cert_dir: every *.pem / *.crt not already claimed by an
//     inventory entry is a device whose id is the file's BASENAME (without
//     extension), not its CN: the file name is what the operator filed the
//     certificate under, so DC-07 can catch a certificate filed against the
//     wrong device.
// Certificate files: PEM or DER are both accepted; a PEM with several
// certificates is read as leaf (the first) + its chain (the rest), as in a
// fullchain file, and the evidence says how many extra certificates it held.
import type { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { reasonOf } from '../reason.js';
import type { CollectContext, Evidence } from '../types.js';
import { inspectCertificate, readCertificates, verifyChain, type CertFileData } from '../x509.js';
import { certDirEvidence, deviceCaEvidence, deviceCertEvidence, inventoryEvidence, type DeviceCertData, type InventoryData, type InventoryEntry } from './evidence.js';

const CERT_EXT = new Set(['.pem', '.crt']);

/** The inventory: config entries first, then cert_dir files nobody claimed. */
export function buildInventory(inventory: Array<{ id: string; cert?: string }>, certDir: string | undefined, dirFiles: string[]): InventoryData {
  const devices: InventoryEntry[] = [];
  const duplicates: InventoryData['duplicates'] = [];
  const byId = new Map<string, InventoryEntry>();
  const claimed = new Set<string>();
  const inDir = new Map(dirFiles.map((f) => [f, join(certDir ?? '', f)]));
  for (const entry of inventory) {
    if (byId.has(entry.id)) {
      duplicates.push({ id: entry.id, file: entry.cert ?? null });
      continue;
    }
    let file = entry.cert ? resolve(entry.cert) : null;
    if (!file && certDir) {
      const match = [`${entry.id}.pem`, `${entry.id}.crt`].find((f) => inDir.has(f));
      if (match) file = inDir.get(match)!;
    }
    const d: InventoryEntry = { id: entry.id, file, origin: 'inventory' };
    if (file) claimed.add(resolve(file));
    byId.set(d.id, d);
    devices.push(d);
  }
  for (const [name, file] of inDir) {
    if (claimed.has(resolve(file))) continue;
    const id = basename(name, extname(name));
    if (byId.has(id)) {
      duplicates.push({ id, file });
      continue;
    }
    const d: InventoryEntry = { id, file, origin: 'cert_dir' };
    byId.set(id, d);
    devices.push(d);
  }
  return { devices, certDir: certDir ?? null, duplicates };
}

function readDevice(d: InventoryEntry, anchors: X509Certificate[] | null): DeviceCertData {
  const base: DeviceCertData = { id: d.id, file: d.file, origin: d.origin };
  if (!d.file) return base;
  try {
    const { ders, encoding } = readCertificates(readFileSync(d.file));
    const { facts, x509 } = inspectCertificate(ders[0]!);
    const out: DeviceCertData = { ...base, encoding, extraCertificates: ders.length - 1, facts };
    if (anchors) out.chain = verifyChain(x509, ders.slice(1), anchors);
    return out;
  } catch (err) {
    return { ...base, error: `${d.file}: ${reasonOf(err)}` };
  }
}

/** Local files only, read synchronously: the promise the check contract asks for is settled when this returns. */
export function collectDeviceCerts(ctx: CollectContext): Promise<Evidence[]> {
  const devices = ctx.config.devices!;
  const ev: Evidence[] = [];

  let dirFiles: string[] = [];
  if (devices.cert_dir) {
    try {
      dirFiles = readdirSync(devices.cert_dir, { withFileTypes: true })
        .filter((e) => (e.isFile() || e.isSymbolicLink()) && CERT_EXT.has(extname(e.name).toLowerCase()))
        .map((e) => e.name)
        .sort();
      ev.push(certDirEvidence.of(devices.cert_dir, { dir: devices.cert_dir, files: dirFiles.length }));
    } catch (err) {
      ev.push(certDirEvidence.of(devices.cert_dir, { dir: devices.cert_dir, error: `devices.cert_dir ${devices.cert_dir}: ${reasonOf(err)}` }));
    }
  }
  const inventory = buildInventory(devices.inventory ?? [], devices.cert_dir, dirFiles);
  ev.push(inventoryEvidence.of(inventory));

  // The device CA is parsed once for the whole fleet.
  let anchors: X509Certificate[] | null = null;
  if (devices.ca_file) {
    let ca: CertFileData;
    try {
      const { ders } = readCertificates(readFileSync(devices.ca_file));
      const parsed = ders.map((d) => inspectCertificate(d));
      ca = { file: devices.ca_file, certificates: parsed.map((p) => p.facts) };
      anchors = parsed.map((p) => p.x509);
    } catch (err) {
      ca = { file: devices.ca_file, error: `devices.ca_file ${devices.ca_file}: ${reasonOf(err)}` };
    }
    ev.push(deviceCaEvidence.of(devices.ca_file, ca));
  }

  ctx.progress?.(`${inventory.devices.length} device certificate(s)`);
  for (const d of inventory.devices) {
    if (ctx.signal.aborted) break;
    ev.push(deviceCertEvidence.of(d.id, readDevice(d, anchors)));
  }
  return Promise.resolve(ev);
}
