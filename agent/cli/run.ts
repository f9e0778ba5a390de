import type { Severity } from '../../probes/types.js';
import type { PathauditConfig } from '../../config/schema/index.js';
import { coverageOf, NOTHING_AUDITED } from '../config/coverage.js';
import { EXIT, PathauditError, usageError } from '../errors.js';
import { planRun } from '../runner/bundles.js';
import { silentLogger } from '../log.js';
import { thresholdsFrom, type DecisionThresholds } from '../evidence/summary.js';
import type { ReportFormat } from '../reports/index.js';
import { renderJson } from '../reports/json.js';
import type { Store } from '../store/index.js';
import { runInProcess } from '../runner/index.js';
import type { RunDocument } from '../runner/document.js';
import { SEVERITIES } from '../../probes/types.js';
import { loadForCli, withStore } from './context.js';
import { RUN_FORMATS } from './formats.js';
import type { Io } from './io.js';
import { checkOut, toStdout, writeOutput } from './output.js';

export interface RunFlags {
  bundle?: string;
  check?: string;
  config?: string;
  format: string;
  out?: string;
  failOn?: string;
  init?: boolean;
}

export function parseFailOn(value: string | undefined): Severity | null {
  if (value === undefined || value === 'none') return null;
  if (!(SEVERITIES as readonly string[]).includes(value)) throw usageError(`--fail-on: expected one of ${SEVERITIES.join(', ')}, none (got "${value}")`);
  return value as Severity;
}

/** Exit code of a run: 3 if it failed, 1 if an open finding is at or above the threshold, else 0. */
export function exitCodeOf(doc: RunDocument, failOn: Severity | null): number {
  if (doc.run.status === 'failed') return EXIT.runFailed;
  if (!failOn) return EXIT.ok;
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  return doc.findings.some((f) => !f.waived && rank(f.severity) <= rank(failOn)) ? EXIT.findings : EXIT.ok;
}

/** The report of a run in its format. JSON is the document itself: the other renderers are loaded only for their formats. */
export async function renderRun(doc: RunDocument, format: string, store?: Store, thresholds?: Partial<DecisionThresholds>): Promise<string> {
  if (format === 'json') return renderJson(doc);
  const { renderReport } = await import('../reports/index.js');
  return renderReport(doc, format as ReportFormat, { store, thresholds }).body;
}

/**
 * A run whose every check is not configured would observe nothing and still
 * read as a posture ("degraded · 0 findings"): refused before anything is
 * stored (exit 3), naming why each check is not configured.
 */
export function refuseNothingAudited(config: PathauditConfig, plan: { bundle: string; checks: string[] }): void {
  const planned = coverageOf(config, plan.checks);
  if (planned.configured.length) return;
  const all = coverageOf(config);
  const message = all.configured.length
    ? `nothing audited: every check of ${plan.bundle} is not configured (this config audits ${all.configured.join(', ')})`
    : NOTHING_AUDITED;
  throw new PathauditError('PATHAUDIT_ERR_RUN', message, planned.notConfigured.map((c) => `${c.check}: ${c.reason}`));
}

export async function runCommand(flags: RunFlags, io: Io): Promise<number> {
  if (flags.bundle && flags.check) throw usageError('--bundle and --check are exclusive: name a bundle or a list of checks');
  if (!(RUN_FORMATS as readonly string[]).includes(flags.format)) throw usageError(`--format: expected one of ${RUN_FORMATS.join(', ')} (got "${flags.format}")`);
  const failOn = parseFailOn(flags.failOn);
  await checkOut(flags.out);
  const loaded = loadForCli(flags.config);
  refuseNothingAudited(loaded.config, planRun({ loaded, bundle: flags.bundle, checks: flags.check }));
  const { doc, report, baselineSet } = await withStore(loaded, async (store) => {
    const { doc: ran, baselineSet: set, baselineError } = await runInProcess({
      loaded,
      store,
      bundle: flags.bundle ?? null,
      checks: flags.check ?? null,
      trigger: 'cli',
      log: silentLogger(),
      onProgress: io.interactive
        ? (e) => {
            if (e.phase === 'start') io.stderr(`… ${e.check}\n`);
            if (e.phase === 'done' && e.outcome) io.stderr(`✓ ${e.check} ${e.outcome.outcome} in ${e.outcome.durationMs} ms\n`);
          }
        : undefined,
    });
    // The first completed audit-baseline run became the baseline if none was set (set): say so.
    if (baselineError) io.stderr(`baseline: run ${ran.run.id} was stored but could not be marked as the baseline: ${baselineError}\n`);
    return { doc: ran, report: await renderRun(ran, flags.format, store, thresholdsFrom(loaded.config)), baselineSet: set };
  }, { init: flags.init });
  const note = baselineSet ? `baseline: run ${doc.run.id} is now the baseline (first completed audit-baseline run); later runs are compared against it\n` : '';
  // Machine formats stay parseable: the note goes to stderr unless the report is the terminal text.
  const terminal = flags.format === 'text' && toStdout(flags.out);
  await writeOutput(note && terminal ? `${report}\n${note}` : report, flags.out, io);
  if (note && !terminal) io.stderr(note);
  return exitCodeOf(doc, failOn);
}
