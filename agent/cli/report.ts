// `pathaudit report RUN --format F [--out FILE]`: any stored run, any format,
// with the delta to the baseline where the format shows one.
import { thresholdsFrom } from '../evidence/summary.js';
import { usageError } from '../errors.js';
import { isReportFormat, REPORT_FORMATS, renderReport } from '../reports/index.js';
import { loadForCli, withStore } from './context.js';
import type { Io } from './io.js';
import { checkOut, writeOutput } from './output.js';
import { resolveRun } from './runref.js';

export async function reportCommand(runRef: string, flags: { format: string; out?: string; config?: string }, io: Io): Promise<number> {
  if (!isReportFormat(flags.format)) throw usageError(`--format: expected one of ${REPORT_FORMATS.join(', ')} (got "${flags.format}")`);
  const format = flags.format;
  await checkOut(flags.out);
  const loaded = loadForCli(flags.config);
  const body = await withStore(loaded, (store) => renderReport(resolveRun(store, runRef, 'report'), format, { store, thresholds: thresholdsFrom(loaded.config) }).body);
  await writeOutput(body, flags.out, io);
  return 0;
}
