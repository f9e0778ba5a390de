import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PathauditError, reasonOf } from '../errors.js';
import type { Io } from './io.js';

/** Writes a report to --out (atomically: temp file + rename) or to stdout. */
export function writeOutput(content: string | Buffer, out: string | undefined, io: Io): void {
  if (!out) {
    io.stdout(typeof content === 'string' ? content : content.toString('utf8'));
    return;
  }
  const file = resolve(out);
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, content);
    renameSync(tmp, file);
  } catch (err) {
    throw new PathauditError('PATHAUDIT_ERR_USAGE', `--out ${file}: ${reasonOf(err)}`);
  }
  io.stderr(`wrote ${file}\n`);
}
