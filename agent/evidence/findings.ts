import { createHash } from 'node:crypto';
import type { ControlMeta } from '../../probes/types.js';
import type { FindingRecord, ResultRecord } from '../runner/document.js';

/**
 * The stable identity of a finding: control + resource. The same weakness on
 * the same resource has the same fingerprint in every run, which is what makes
 * deltas and "persisting" findings possible.
 */
export function fingerprintOf(control: string, resource: string): string {
  return `${control}-${createHash('sha256').update(`${control}\n${resource}`).digest('hex').slice(0, 16)}`;
}

/**
 * fail and warn results become findings (waivers are applied afterwards).
 * `remediations` holds the resource-specific fixes evaluate() gave, by
 * control + resource; the control's remediation is the default.
 */
export function findingsFrom(results: ResultRecord[], controls: Map<string, ControlMeta>, remediations: Map<string, string> = new Map()): FindingRecord[] {
  const out: FindingRecord[] = [];
  for (const r of results) {
    if (r.status !== 'fail' && r.status !== 'warn') continue;
    const meta = controls.get(r.control);
    out.push({
      fingerprint: fingerprintOf(r.control, r.resource),
      control: r.control,
      check: r.check,
      resource: r.resource,
      status: r.status,
      severity: r.severity,
      title: meta?.title ?? r.control,
      detail: r.detail,
      remediation: remediations.get(`${r.control}\u0000${r.resource}`) ?? meta?.remediation ?? '',
      verification: meta?.verification ?? '',
      standards: meta?.standards ?? [],
      evidence: r.evidence,
      waived: false,
      waiver: null,
    });
  }
  return out;
}
