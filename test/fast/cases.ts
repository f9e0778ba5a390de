// The recorded evidence cases of the fast test tier: what a case file holds,
// where the files live, and how a case is judged (the check's own evaluate,
// then the runner's contract guard, as a run judges it). Shared by the
// recorder (record.ts) and the fast tests.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PathauditConfig } from '../../config/schema/index.js';
import { enforceContract } from '../../agent/runner/execute.js';
import { loadCheck } from '../../probes/catalogue.js';
import type { ControlResult, Evidence, Severity, Status } from '../../probes/types.js';

export const CASES_DIR = join(import.meta.dirname, '..', 'fixtures', 'evidence');

/** One control result a case expects: its status, and its severity when evaluate sets one (it varies). */
export interface ExpectedResult {
  control: string;
  resource: string;
  status: Status;
  severity?: Severity;
}

export interface EvidenceCase {
  check: string;
  /** The file's name without `.json`. */
  name: string;
  /** How the evidence was obtained (recorded from what, or derived or written how). */
  about: string;
  /** Evaluation time: expiry maths and update ages read it. */
  now: string;
  config: PathauditConfig;
  /** The check's own evidence. */
  evidence: Evidence[];
  /** Other checks' evidence the check's controls read (ControlMeta.needs), beside its own. */
  otherEvidence: Evidence[];
  expected: ExpectedResult[];
}

/** Judges a case as a run would: evaluate, then the runner's guard (unknown controls dropped, no verdict without evidence, no control without a result). */
export async function judge(c: Pick<EvidenceCase, 'check' | 'config' | 'evidence' | 'otherEvidence' | 'now'>): Promise<ControlResult[]> {
  const check = await loadCheck(c.check);
  const judged = check.evaluate({ config: c.config, evidence: c.evidence, runEvidence: [...c.evidence, ...c.otherEvidence], now: new Date(c.now) });
  return enforceContract(check, judged, new Set(c.evidence.map((e) => e.key)));
}

export const rowKey = (r: { control: string; resource: string }) => `${r.control} ${r.resource}`;

export function expectedOf(results: ControlResult[]): ExpectedResult[] {
  return results.map((r) => ({ control: r.control, resource: r.resource, status: r.status, ...(r.severity ? { severity: r.severity } : {}) }));
}

export function readCases(dir = CASES_DIR): EvidenceCase[] {
  const out: EvidenceCase[] = [];
  for (const check of readdirSync(dir).sort())
    for (const file of readdirSync(join(dir, check)).filter((f) => f.endsWith('.json')).sort()) {
      const c = JSON.parse(readFileSync(join(dir, check, file), 'utf8')) as EvidenceCase;
      if (c.check !== check) throw new Error(`${check}/${file}: the case says check ${c.check}`);
      out.push(c);
    }
  return out;
}
