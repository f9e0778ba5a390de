// Secret and key file permissions: stat only, the contents are never opened.
// Two checks record them under one kind, `file-mode`: gateway-guardrails
// (GG-10, through the root, with the parent folder's mode) and broker-cert
// (BC-09, the broker's key file as configured). Their data differ in shape;
// the kind says what was observed.
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Observation } from './evidence.js';
import { reasonOf } from './reason.js';
import { resolveInRoot } from './root.js';
import type { SystemView } from './system.js';

export const FILE_MODE_KIND = 'file-mode';

// The parent folder's mode is kept too: it tells whether group/other can
// reach the file at all, which the detail mentions (the file mode is still the
// finding — a folder's mode is one chmod away from exposing it).
export interface FileModeFacts {
  /** Path on the audited system. */
  path: string;
  /** Octal permission bits, e.g. `0640`. */
  mode: string;
  uid: number;
  gid: number;
  parentMode: string | null;
}

export type FileModeEvidence = Observation<FileModeFacts>;

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

/** broker-cert's observation of the key file, read where the config names it (not through a root). */
export interface KeyFileData {
  file: string;
  mode?: string;
  uid?: number;
  gid?: number;
  groupReadable?: boolean;
  otherReadable?: boolean;
  error?: string;
}

/** stat() only: the key's bytes are never read (they must never reach evidence). */
export function statKeyFile(file: string): KeyFileData {
  try {
    const st = statSync(file);
    if (!st.isFile()) return { file, error: `${file}: not a regular file` };
    return { file, mode: `0${(st.mode & 0o777).toString(8)}`, uid: st.uid, gid: st.gid, groupReadable: Boolean(st.mode & 0o040), otherReadable: Boolean(st.mode & 0o004) };
  } catch (err) {
    return { file, error: `${file}: ${reasonOf(err)}` };
  }
}
