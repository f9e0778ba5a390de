// `pathaudit finding <fingerprint|control[:resource]> [--run R] [--format text|json]`:
// one finding with everything behind it — its evidence in full, the fix, the
// rerun that proves it, and its control's result on that resource in every
// run that observed it. Looked up in the path as run R left it (default: the
// latest completed run), so a finding of a check the latest run did not re-run
// is still found.
import { pathAsOf, verifyPlan } from '../evidence/backlog.js';
import { thresholdsFrom } from '../evidence/summary.js';
import { notFound, usageError } from '../errors.js';
import { terminalLine } from '../reports/escape.js';
import type { EvidenceRecord, FindingRecord, ResultRecord, RunDocument } from '../runner/document.js';
import type { Store } from '../store/index.js';
import { resultHistory } from '../store/history.js';
import { loadForCli, withStore } from './context.js';
import type { Io } from './io.js';
import { resolveRun } from './runref.js';

const FINGERPRINT = /^[A-Z]{2}-\d{2}-[0-9a-f]{16}$/;
const CONTROL_REF = /^([A-Z]{2}-\d{2})(?::(.+))?$/;

/** A reference's control and resource (a fingerprint: none); a usage error naming the forms when it is neither. */
function checkRef(ref: string): [string, string | undefined, string | undefined] {
  if (FINGERPRINT.test(ref)) return [ref, undefined, undefined];
  const m = CONTROL_REF.exec(ref);
  if (!m) throw usageError(`finding: expected a fingerprint (BT-01-0123456789abcdef) or CONTROL[:RESOURCE] (BT-01, "BT-01:mqtt 127.0.0.1:1883"), got "${ref}"`);
  return [ref, m[1], m[2]];
}

interface Located {
  result: ResultRecord;
  finding: FindingRecord | null;
  /** The run whose results (and evidence) the path holds for this check. */
  runId: string;
}

/** Finds one control result (and its finding) in a path document; a usage error when the reference is ambiguous. */
export function locate(path: RunDocument, ref: string): Located | null {
  const runOf = (check: string, f?: FindingRecord | null) => f?.notRetested?.since ?? path.run.checks.find((c) => c.check === check)?.runId ?? path.run.id;
  let candidates: ResultRecord[];
  if (FINGERPRINT.test(ref)) {
    const f = path.findings.find((x) => x.fingerprint === ref);
    candidates = f ? path.results.filter((r) => r.control === f.control && r.resource === f.resource) : [];
  } else {
    const [, control, resource] = checkRef(ref);
    const ofControl = path.results.filter((r) => r.control === control);
    candidates = resource === undefined ? ofControl : ofControl.filter((r) => r.resource === resource);
    // Else by the resource's name (`mqtt` for "mqtt 127.0.0.1:1883"), else by any part of it.
    if (resource !== undefined && !candidates.length) candidates = ofControl.filter((r) => r.resource.split(' ')[0] === resource);
    if (resource !== undefined && !candidates.length) candidates = ofControl.filter((r) => r.resource.includes(resource));
    // A control alone names its finding when it has exactly one.
    const failing = candidates.filter((r) => r.status === 'fail' || r.status === 'warn');
    if (candidates.length > 1 && failing.length === 1) candidates = failing;
    if (candidates.length > 1)
      throw usageError(`finding ${ref}: ${candidates.length} resources match; name one: ${candidates.map((r) => `"${r.control}:${r.resource}"`).join(', ')}`);
  }
  const result = candidates[0];
  if (!result) return null;
  const finding = path.findings.find((f) => f.control === result.control && f.resource === result.resource) ?? null;
  return { result, finding, runId: runOf(result.check, finding) };
}

function evidenceOf(store: Store, runId: string, ids: string[], fallback: RunDocument): EvidenceRecord[] {
  const doc = runId === fallback.run.id ? fallback : (store.runs.get(runId) ?? fallback);
  return ids.flatMap((id) => doc.evidence.filter((e) => e.id === id));
}

export async function findingCommand(ref: string, flags: { run?: string; format: string; config?: string }, io: Io): Promise<number> {
  if (flags.format !== 'text' && flags.format !== 'json') throw usageError(`--format: expected text or json (got "${flags.format}")`);
  checkRef(ref);
  const loaded = loadForCli(flags.config);
  const view = await withStore(loaded, (store) => {
    const asOf = resolveRun(store, flags.run ?? 'latest', 'finding --run');
    const path = pathAsOf(store, asOf, thresholdsFrom(loaded.config));
    const found = locate(path, ref);
    if (!found) throw notFound(`finding ${ref}: no result for it in the path as run ${asOf.run.id} left it (\`pathaudit checks\` lists the controls)`);
    const { result, finding, runId } = found;
    return {
      asOf: asOf.run.id,
      observedIn: runId,
      result,
      finding,
      evidence: evidenceOf(store, runId, result.evidence, asOf),
      verify: verifyPlan(result.control),
      history: resultHistory(store, result.control, result.resource),
    };
  });
  if (flags.format === 'json') {
    io.stdout(`${JSON.stringify(view, null, 2)}\n`);
    return 0;
  }
  const { result: r, finding: f } = view;
  const L: string[] = [];
  L.push(f ? `${f.severity.toUpperCase()} ${f.control} ${f.title} — ${f.resource}` : `${r.control} ${r.resource}: ${r.status} (no finding)`);
  if (f) L.push(`fingerprint ${f.fingerprint} · ${f.status}${f.waived ? ` · waived until ${f.waiver!.expires}: ${f.waiver!.reason}` : f.waiver?.lapsed ? ` · waiver lapsed ${f.waiver.expires}` : ''}`);
  L.push(`observed in run ${view.observedIn}${view.observedIn === view.asOf ? '' : ` (the path as run ${view.asOf} left it)`}`);
  if (f?.notRetested) L.push(`not re-tested since ${f.notRetested.since}: ${f.notRetested.reason}`);
  L.push('', `why: ${r.detail}`);
  if (f) L.push(`fix: ${f.remediation}`, `verify: ${view.verify.command} → ${f.control} pass on ${f.resource}${f.verification ? ` (${f.verification})` : ''}`);
  if (f?.standards.length) L.push(`standards: ${f.standards.join('; ')}`);
  L.push('', view.evidence.length ? 'evidence:' : 'evidence: none');
  for (const e of view.evidence) {
    L.push(`  ${e.id} · ${e.kind} · sha256 ${e.sha256}`);
    for (const line of JSON.stringify(e.data, null, 2).split('\n')) L.push(`    ${line}`);
  }
  L.push('', `history (${view.history.length} run${view.history.length === 1 ? '' : 's'}, newest first):`);
  for (const h of view.history) L.push(`  ${h.startedAt}  ${h.runId}  ${h.bundle.padEnd(22)} ${h.status.toUpperCase().padEnd(7)} ${h.severity.padEnd(8)} ${h.detail}`);
  io.stdout(`${L.map(terminalLine).join('\n')}\n`);
  return 0;
}
