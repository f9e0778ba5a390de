import { CHECK_INFOS } from '../../probes/catalogue.js';
import type { Io } from './io.js';

export function checksCommand(flags: { format: string }, io: Io): number {
  if (flags.format === 'json') {
    io.stdout(`${JSON.stringify(CHECK_INFOS.map((c) => ({ id: c.id, title: c.title, controls: c.controls })), null, 2)}\n`);
    return 0;
  }
  const lines: string[] = [];
  for (const c of CHECK_INFOS) {
    lines.push(`${c.id} — ${c.title}`);
    for (const ctl of c.controls) lines.push(`  ${ctl.id}  ${ctl.severity.padEnd(8)} ${ctl.title}`);
    lines.push('');
  }
  io.stdout(lines.join('\n'));
  return 0;
}
