// The record of exported evidence bundles (migration 10): one row per bundle
// written by `pathaudit bundle export` or the demo, newest first on reading.
import { createHash } from 'node:crypto';
import type { Store } from './index.js';
import { storeWrite } from './index.js';

export interface BundleExport {
  runId: string;
  exportedAt: string;
  /** The file written (absolute), or `stdout`. */
  destination: string;
  /** sha256 of the .tar.gz as written: `sha256sum FILE` says the same. */
  sha256: string;
  bytes: number;
  keyFingerprint: string;
  /** Who exported it: `cli` or `demo`. */
  trigger: string;
}

export function recordExport(store: Store, e: Omit<BundleExport, 'sha256' | 'bytes'>, data: Buffer): BundleExport {
  const row: BundleExport = { ...e, sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length };
  storeWrite(store.file, 'record the exported bundle', () =>
    store.db
      .prepare('INSERT INTO bundle_exports (run_id, exported_at, destination, sha256, bytes, key_fingerprint, trigger) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(row.runId, row.exportedAt, row.destination, row.sha256, row.bytes, row.keyFingerprint, row.trigger),
  );
  return row;
}

export function listExports(store: Store, limit: number): { total: number; items: BundleExport[] } {
  const total = (store.db.prepare('SELECT count(*) AS n FROM bundle_exports').get() as { n: number }).n;
  const items = store.db
    .prepare(
      `SELECT run_id AS runId, exported_at AS exportedAt, destination, sha256, bytes, key_fingerprint AS keyFingerprint, trigger
         FROM bundle_exports ORDER BY seq DESC LIMIT ?`,
    )
    .all(limit) as BundleExport[];
  return { total, items };
}
