// What /metrics derives from the store beyond the posture itself: the
// certificates' expiry dates (from the latest broker-cert, ingest-auth and
// device-certs evidence), the latest run of each bundle by status, and the
// regressions of the posture against the baseline. Each is read once per
// change of what it depends on (the runs behind the posture, the baseline),
// not at every scrape: a fleet's Prometheus scrapes every 15–60 s, and
// reading a 1,000-device evidence set or a baseline run costs milliseconds
// on a Pi.
import type { RunStatus } from '../contracts/vocabulary.js';
import type { Store } from '../store/index.js';
import { getBaseline } from '../evidence/baseline.js';
import { computeDelta } from '../evidence/delta.js';
import { postureDocument } from '../evidence/posture.js';
import type { PostureView } from './posture.js';

export type CertificateKind = 'broker' | 'ingest' | 'device';

export interface CertificateExpiry {
  kind: CertificateKind;
  /** The resource id the checks use (`mqtts 127.0.0.1:8883`, `ingest https://…`, `device stm32-01`). */
  certificate: string;
  /** notAfter, unix seconds. */
  notAfter: number;
  /** When it was observed (the run's end), to keep the latest of two observations. */
  observedAt: string;
}

interface EvidenceRow {
  kind: string;
  resource: string;
  data_json: string;
}

/** The kinds of evidence that carry a certificate, and where its facts sit in the data. */
const CERTIFICATE_EVIDENCE: Record<string, (data: Record<string, unknown>, resource: string) => { kind: CertificateKind; notAfter?: string } | null> = {
  // broker-cert: each TLS listener, and the ingest endpoint when it is HTTPS
  'tls-served-certificate': (d, resource) => ({ kind: resource.startsWith('ingest ') ? 'ingest' : 'broker', notAfter: (d.leaf as { notAfter?: string } | undefined)?.notAfter }),
  // ingest-auth (IA-05)
  'tls-certificate': (d) => ({ kind: 'ingest', notAfter: (d.leaf as { notAfter?: string } | null | undefined)?.notAfter }),
  // device-certs
  'device-certificate': (d) => ({ kind: 'device', notAfter: (d.facts as { notAfter?: string } | undefined)?.notAfter }),
};

/** Pure: the certificates in evidence rows; rows without a parsed certificate (handshake failed, unreadable file) give none. */
function certificatesOf(rows: EvidenceRow[], observedAt: string): CertificateExpiry[] {
  const out: CertificateExpiry[] = [];
  for (const row of rows) {
    const read = CERTIFICATE_EVIDENCE[row.kind];
    if (!read) continue;
    const fact = read(JSON.parse(row.data_json) as Record<string, unknown>, row.resource);
    const t = fact?.notAfter ? Date.parse(fact.notAfter) : NaN;
    if (fact && Number.isFinite(t)) out.push({ kind: fact.kind, certificate: row.resource, notAfter: t / 1000, observedAt });
  }
  return out;
}

export interface BundleRun {
  bundle: string;
  /** How the run ended. */
  status: Exclude<RunStatus, 'running'>;
  /** End of the latest run of this bundle with this status, unix seconds. */
  finishedAt: number;
  durationSeconds: number | null;
}

/** A value recomputed only when `key()` changes. */
function memo<T>(key: () => string, compute: () => T): () => T {
  let last: { key: string; value: T } | null = null;
  return () => {
    const k = key();
    if (last?.key !== k) last = { key: k, value: compute() };
    return last.value;
  };
}

export interface MetricViews {
  certificates(): CertificateExpiry[];
  bundleRuns(): BundleRun[];
  /** Regressed control results of the posture against the baseline, by check and control; null when no baseline is set. */
  baselineRegressions(): { baselineId: string; finishedAt: number | null; byControl: Map<string, { check: string; control: string; n: number }> } | null;
}

export function metricViews(store: Store, posture: () => PostureView): MetricViews {
  // The runs the posture draws on (one per check; every result carries its check's run): a cheap key for what the posture holds.
  const postureRuns = () => [...new Set(posture().sources.map((s) => s.runId))].sort().join(',');
  const certificateRows = store.db.prepare(
    `SELECT kind, resource, data_json FROM evidence WHERE run_id = ? AND check_id = ? AND kind IN (${Object.keys(CERTIFICATE_EVIDENCE)
      .map(() => '?')
      .join(',')})`,
  );
  const certificates = memo(postureRuns, () => {
    const latest = new Map<string, CertificateExpiry>();
    const taken = new Set<string>();
    for (const r of posture().results) {
      if (!['broker-cert', 'ingest-auth', 'device-certs'].includes(r.check) || taken.has(`${r.runId} ${r.check}`)) continue;
      taken.add(`${r.runId} ${r.check}`);
      const rows = certificateRows.all(r.runId, r.check, ...Object.keys(CERTIFICATE_EVIDENCE)) as EvidenceRow[];
      // broker-cert and ingest-auth both see the ingest certificate: the later observation wins.
      for (const c of certificatesOf(rows, r.observedAt)) {
        const k = `${c.kind} ${c.certificate}`;
        if (!latest.has(k) || latest.get(k)!.observedAt < c.observedAt) latest.set(k, c);
      }
    }
    return [...latest.values()];
  });

  // Runs change the answer; the newest finished run's id is a cheap key for it.
  const newestRun = store.db.prepare(`SELECT max(seq) AS seq, count(*) AS n FROM runs WHERE status != 'running'`);
  const bundleRunRows = store.db.prepare(
    `SELECT r.bundle, r.status, r.started_at, r.finished_at FROM runs r
     JOIN (SELECT bundle, status, max(finished_at) AS f FROM runs WHERE status IN ('completed', 'failed', 'aborted') AND finished_at IS NOT NULL GROUP BY bundle, status) m
       ON r.bundle = m.bundle AND r.status = m.status AND r.finished_at = m.f`,
  );
  const bundleRuns = memo(
    () => JSON.stringify(newestRun.get()),
    () => {
      const out = new Map<string, BundleRun>();
      for (const row of bundleRunRows.all() as Array<{ bundle: string; status: BundleRun['status']; started_at: string; finished_at: string }>) {
        const end = Date.parse(row.finished_at);
        out.set(`${row.bundle} ${row.status}`, { bundle: row.bundle, status: row.status, finishedAt: end / 1000, durationSeconds: (end - Date.parse(row.started_at)) / 1000 });
      }
      return [...out.values()];
    },
  );

  const baselineRegressions = memo(
    () => `${getBaseline(store)}|${postureRuns()}`,
    () => {
      const baselineId = getBaseline(store);
      const baseline = baselineId ? store.runs.get(baselineId) : null;
      if (!baselineId || !baseline) return null;
      const now = postureDocument(store);
      const byControl = new Map<string, { check: string; control: string; n: number }>();
      if (now) {
        for (const c of computeDelta(baseline, now).controls) {
          if (c.change !== 'regressed') continue;
          const e = byControl.get(c.control) ?? { check: c.check, control: c.control, n: 0 };
          e.n++;
          byControl.set(c.control, e);
        }
      }
      return { baselineId, finishedAt: baseline.run.finishedAt ? Date.parse(baseline.run.finishedAt) / 1000 : null, byControl };
    },
  );

  return { certificates, bundleRuns, baselineRegressions };
}
