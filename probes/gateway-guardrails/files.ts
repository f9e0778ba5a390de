// Secret and key file permissions for GG-10: stat only, the contents are never
// opened. The parent folder's mode is kept too: it tells whether group/other
// can reach the file at all, which the detail mentions (the file mode is still
// the finding — a folder's mode is one chmod away from exposing it).
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { resolveInRoot, type Observed, type SystemView } from './system.js';

export interface FileModeFacts {
  /** Path on the audited system. */
  path: string;
  /** Octal permission bits, e.g. `0640`. */
  mode: string;
  uid: number;
  gid: number;
  parentMode: string | null;
}

export type FileModeEvidence = Observed<FileModeFacts>;

export const fileResource = (path: string) => `file ${path}`;
export const octal = (mode: number) => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;

export async function collectFileMode(view: SystemView, systemPath: string): Promise<FileModeEvidence> {
  let full: string;
  try {
    full = await resolveInRoot(view, systemPath);
  } catch (err) {
    return { state: 'failed', reason: (err as Error).message };
  }
  try {
    const s = await stat(full);
    if (!s.isFile()) return { state: 'failed', reason: `${systemPath} is not a regular file` };
    const parent = await stat(dirname(full)).catch(() => null);
    return { state: 'observed', path: systemPath, mode: octal(s.mode), uid: s.uid, gid: s.gid, parentMode: parent ? octal(parent.mode) : null };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { state: 'absent', reason: `${systemPath} does not exist under ${view.root}` };
    return { state: 'failed', reason: `stat ${systemPath}: ${(err as Error).message}` };
  }
}
