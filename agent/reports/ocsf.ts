// OCSF Compliance Finding events (class_uid 2003, category Findings) for SIEMs,
// one per control result. Required fields of the class and its base event
// (OCSF 1.3): activity_id, category_uid, class_uid, type_uid (= class_uid × 100
// + activity_id), severity_id, time, metadata {product, version},
// finding_info {uid}, compliance {standards}.
import type { Severity } from '../../probes/types.js';
import type { ResultRecord, RunDocument } from '../runner/document.js';
import { fingerprintOf } from '../evidence/findings.js';

export const OCSF_VERSION = '1.3.0';
export const OCSF_CLASS_UID = 2003;
export const OCSF_CATEGORY_UID = 2;
const ACTIVITY_CREATE = 1;

const SEVERITY_ID: Record<Severity, number> = { info: 1, low: 2, medium: 3, high: 4, critical: 5 };
const SEVERITY_NAME: Record<number, string> = { 1: 'Informational', 2: 'Low', 3: 'Medium', 4: 'High', 5: 'Critical' };
/** compliance.status_id: 1 Pass, 2 Warning, 3 Fail, 99 Other (not observed). */
const COMPLIANCE_STATUS: Record<string, [number, string]> = { pass: [1, 'Pass'], warn: [2, 'Warning'], fail: [3, 'Fail'], error: [99, 'Error'], skipped: [99, 'Skipped'] };

export interface OcsfComplianceFinding {
  activity_id: number;
  activity_name: string;
  category_uid: number;
  category_name: string;
  class_uid: number;
  class_name: string;
  type_uid: number;
  type_name: string;
  severity_id: number;
  severity: string;
  time: number;
  message: string;
  status_id: number;
  status: string;
  metadata: { version: string; product: { name: string; vendor_name: string; version: string }; uid: string; correlation_uid: string };
  finding_info: { uid: string; title: string; desc: string; created_time: number; types: string[]; data_sources: string[] };
  compliance: { standards: string[]; control: string; status_id: number; status: string; status_detail: string; requirements: string[] };
  resources: Array<{ uid: string; name: string; type: string }>;
  remediation?: { desc: string };
  unmapped: Record<string, unknown>;
}

function eventOf(doc: RunDocument, r: ResultRecord): OcsfComplianceFinding {
  const { run } = doc;
  const finding = doc.findings.find((f) => f.control === r.control && f.resource === r.resource);
  const isFinding = r.status === 'fail' || r.status === 'warn';
  const severityId = isFinding ? SEVERITY_ID[r.severity] : 1;
  const [statusId, status] = COMPLIANCE_STATUS[r.status] ?? [99, r.status];
  const time = Date.parse(run.finishedAt ?? run.startedAt);
  // finding lifecycle: 1 New (open finding), 3 Suppressed (waived), 4 Resolved (control passes), 99 Other.
  const lifecycle: [number, string] = finding?.waived ? [3, 'Suppressed'] : isFinding ? [1, 'New'] : r.status === 'pass' ? [4, 'Resolved'] : [99, 'Not observed'];
  return {
    activity_id: ACTIVITY_CREATE,
    activity_name: 'Create',
    category_uid: OCSF_CATEGORY_UID,
    category_name: 'Findings',
    class_uid: OCSF_CLASS_UID,
    class_name: 'Compliance Finding',
    type_uid: OCSF_CLASS_UID * 100 + ACTIVITY_CREATE,
    type_name: 'Compliance Finding: Create',
    severity_id: severityId,
    severity: SEVERITY_NAME[severityId]!,
    time,
    message: `${r.control} ${r.status} on ${r.resource}: ${r.detail}`,
    status_id: lifecycle[0],
    status: lifecycle[1],
    metadata: { version: OCSF_VERSION, product: { name: 'pathaudit', vendor_name: 'pathaudit', version: run.agentVersion }, uid: `${run.id}:${r.control}:${r.resource}`, correlation_uid: run.id },
    finding_info: {
      uid: finding?.fingerprint ?? fingerprintOf(r.control, r.resource),
      title: finding?.title ?? r.control,
      desc: r.detail,
      created_time: time,
      types: [r.check],
      data_sources: r.evidence,
    },
    compliance: {
      standards: finding?.standards.length ? finding.standards : ['pathaudit control catalogue'],
      control: r.control,
      status_id: statusId,
      status,
      status_detail: r.detail,
      requirements: finding?.standards ?? [],
    },
    resources: [{ uid: r.resource, name: r.resource, type: r.check }],
    ...(finding ? { remediation: { desc: finding.remediation } } : {}),
    unmapped: { gateway_id: run.gatewayId, bundle: run.bundle, run_hash: run.hash, waived: finding?.waived ?? false, evidence_sha256: r.evidence.map((id) => doc.evidence.find((e) => e.id === id)?.sha256 ?? null) },
  };
}

export function ocsfEvents(doc: RunDocument): OcsfComplianceFinding[] {
  return doc.results.map((r) => eventOf(doc, r));
}

export function renderOcsf(doc: RunDocument): string {
  return `${JSON.stringify(ocsfEvents(doc), null, 2)}\n`;
}
