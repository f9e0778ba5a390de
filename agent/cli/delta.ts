// `pathaudit delta [--from RUN|baseline] [--to RUN|latest] [--format text|json|md]`
import { computeDelta } from '../evidence/delta.js';
import { thresholdsFrom } from '../evidence/summary.js';
import { EXIT, usageError } from '../errors.js';
import { renderDeltaMd } from '../reports/md.js';
import { deltaLines } from '../reports/text.js';
import { loadForCli, withStore } from './context.js';
import { DELTA_FORMATS } from './formats.js';
import type { Io } from './io.js';
import { checkOut, writeOutput } from './output.js';
import { resolveRun } from './runref.js';

export async function deltaCommand(flags: { from: string; to: string; format: string; config?: string; out?: string; failOnRegression?: boolean }, io: Io): Promise<number> {
  if (!(DELTA_FORMATS as readonly string[]).includes(flags.format)) throw usageError(`--format: expected one of ${DELTA_FORMATS.join(', ')} (got "${flags.format}")`);
  const loaded = loadForCli(flags.config);
  await checkOut(flags.out);
  const delta = await withStore(loaded, (store) => {
    const from = resolveRun(store, flags.from, '--from');
    const to = resolveRun(store, flags.to, '--to');
    return computeDelta(from, to, { thresholds: thresholdsFrom(loaded.config) });
  });
  const body =
    flags.format === 'json' ? `${JSON.stringify(delta, null, 2)}\n` : flags.format === 'md' ? `${renderDeltaMd(delta, '#').join('\n')}\n` : `${deltaLines(delta).join('\n')}\n`;
  await writeOutput(body, flags.out, io);
  return flags.failOnRegression && delta.counts.regressed > 0 ? EXIT.findings : EXIT.ok;
}
