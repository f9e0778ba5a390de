// `pathaudit checks`: the catalogue — each check, the built-in bundles that
// run it (`full` runs every check), and its controls.
import { BUILTIN_BUNDLES, CHECK_INFOS } from '../../probes/catalogue.js';
import type { Io } from './io.js';

/** The built-in bundles that run a check, `full` included. */
export const bundlesOf = (check: string): string[] => Object.entries(BUILTIN_BUNDLES).filter(([, checks]) => checks.includes(check)).map(([name]) => name);

export function checksCommand(flags: { format: string }, io: Io): number {
  if (flags.format === 'json') {
    io.stdout(`${JSON.stringify(CHECK_INFOS.map((c) => ({ id: c.id, title: c.title, bundles: bundlesOf(c.id), controls: c.controls })), null, 2)}\n`);
    return 0;
  }
  const lines: string[] = [];
  for (const c of CHECK_INFOS) {
    lines.push(`${c.id} — ${c.title}`);
    lines.push(`  bundles: ${bundlesOf(c.id).join(', ')}`);
    for (const ctl of c.controls) lines.push(`  ${ctl.id}  ${ctl.severity.padEnd(8)} ${ctl.title}`);
    lines.push('');
  }
  io.stdout(lines.join('\n'));
  return 0;
}
