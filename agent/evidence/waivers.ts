import type { PathauditConfig } from '../../config/schema/index.js';
import type { FindingRecord } from '../runner/document.js';

type Waiver = NonNullable<PathauditConfig['waivers']>[number];

/** A waiver is valid through the end of its expiry day (UTC). */
export function waiverLapsed(w: Waiver, now: Date): boolean {
  return now.getTime() >= Date.parse(`${w.expires}T00:00:00Z`) + 86_400_000;
}

/**
 * Marks findings covered by a waiver. A waiver with a resource covers that
 * resource only; without one it covers the control on every resource. A lapsed
 * waiver is recorded on the finding (so the summary can say so) but no longer
 * waives it.
 */
export function applyWaivers(findings: FindingRecord[], waivers: Waiver[] | undefined, now: Date): FindingRecord[] {
  if (!waivers?.length) return findings;
  return findings.map((f) => {
    const matching = waivers.filter((w) => w.control === f.control && (w.resource === undefined || w.resource === f.resource));
    if (!matching.length) return f;
    // Prefer a live waiver; a resource-specific one over a control-wide one.
    const ranked = matching
      .map((w) => ({ w, lapsed: waiverLapsed(w, now) }))
      .sort((a, b) => Number(a.lapsed) - Number(b.lapsed) || Number(b.w.resource !== undefined) - Number(a.w.resource !== undefined));
    const best = ranked[0]!;
    return { ...f, waived: !best.lapsed, waiver: { reason: best.w.reason, expires: best.w.expires, lapsed: best.lapsed } };
  });
}
