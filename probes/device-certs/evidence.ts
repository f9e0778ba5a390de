// device-certs' evidence, declared once: the inventory (the fleet), the
// certificate folder, the device CA and each device's certificate, with their
// resource ids. Device ids are probes/resources.ts' (device-link and
// telemetry report on the same devices).
import { declareEvidence, declareEvidenceFamily } from '../evidence.js';
import { deviceResource, FLEET_RESOURCE } from '../resources.js';
import { TRUST_ANCHOR_KIND, type CertFacts, type CertFileData, type ChainVerdict } from '../x509.js';

export { deviceResource, FLEET_RESOURCE };

export interface InventoryEntry {
  id: string;
  /** Certificate file, or null when the device has none on record. */
  file: string | null;
  origin: 'inventory' | 'cert_dir';
}

export interface InventoryData {
  devices: InventoryEntry[];
  certDir: string | null;
  /** Files or entries ignored because their device id was already taken. */
  duplicates: Array<{ id: string; file: string | null }>;
}

export interface DeviceCertData {
  id: string;
  file: string | null;
  origin: InventoryEntry['origin'];
  encoding?: 'pem' | 'der';
  /** Certificates after the leaf in the same file (treated as its chain). */
  extraCertificates?: number;
  facts?: CertFacts;
  /** Chain to devices.ca_file (absent when no usable device CA). */
  chain?: ChainVerdict;
  error?: string;
}

export interface CertDirData {
  dir: string;
  /** Certificate files listed (when the folder could be read). */
  files?: number;
  error?: string;
}

export const certDirResource = (dir: string) => `cert-dir ${dir}`;
export const deviceCaResource = (file: string) => `device-ca ${file}`;
/** A key-reuse group (DC-03), named by the shared key: the fingerprint holds as devices join or leave it. */
export const keyReuseResource = (spkiSha256: string) => `key-reuse spki:${spkiSha256.slice(0, 16)}`;

export const inventoryEvidence = declareEvidence<InventoryData>({ key: 'inventory devices', kind: 'device-inventory', resource: FLEET_RESOURCE });
export const certDirEvidence = declareEvidenceFamily<string, CertDirData>({ kind: 'directory-listing', key: certDirResource, resource: certDirResource });
export const deviceCaEvidence = declareEvidenceFamily<string, CertFileData>({ kind: TRUST_ANCHOR_KIND, key: deviceCaResource, resource: deviceCaResource });
export const deviceCertEvidence = declareEvidenceFamily<string, DeviceCertData>({ kind: 'device-certificate', key: (id) => `cert device ${id}`, resource: deviceResource });
