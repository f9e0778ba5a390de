import type { Severity } from '../../probes/types.js';
import { EXIT, usageError } from '../errors.js';
import { silentLogger } from '../log.js';
import { renderText } from '../reports/text.js';
import { runAndStore } from '../runner/index.js';
import type { RunDocument } from '../runner/document.js';
import { SEVERITIES } from '../../probes/types.js';
import { loadForCli, withStore } from './context.js';
import type { Io } from './io.js';
import { writeOutput } from './output.js';

export interface RunFlags {
  bundle?: string;
  check?: string;
  config?: string;
  format: string;
  out?: string;
  failOn?: string;
}

export const RUN_FORMATS = ['text', 'json'] as const;

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

export function renderRun(doc: RunDocument, format: string): string {
  if (format === 'json') return `${JSON.stringify(doc, null, 2)}\n`;
  return renderText(doc);
}

export async function runCommand(flags: RunFlags, io: Io): Promise<number> {
  if (flags.bundle && flags.check) throw usageError('--bundle and --check are exclusive: name a bundle or a list of checks');
  if (!(RUN_FORMATS as readonly string[]).includes(flags.format)) throw usageError(`--format: expected one of ${RUN_FORMATS.join(', ')} (got "${flags.format}")`);
  const failOn = parseFailOn(flags.failOn);
  const loaded = loadForCli(flags.config);
  const doc = await withStore(loaded, (store) =>
    runAndStore({
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
    }),
  );
  writeOutput(renderRun(doc, flags.format), flags.out, io);
  return exitCodeOf(doc, failOn);
}
