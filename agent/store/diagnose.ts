// Why the store cannot be opened or written, in words an operator can act
// on: SQLite says only `SQLITE_CANTOPEN: unable to open database file` or
// `SQLITE_READONLY`. The cause is nearly always a file or folder another
// account owns (a store first made by root), a mode, or the filesystem: this
// names the path, the errno the kernel gives for it, its owner and mode.
import { accessSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import { currentAccount, ownerAndMode, statOrNull } from '../config/accounts.js';

/** The first of the store's paths this process cannot write, and why; null when all look writable. */
export function whyNotWritable(file: string): string | null {
  const me = currentAccount().name;
  const folder = dirname(file);
  const dirSt = statOrNull(folder);
  if (!dirSt) return `the folder ${folder} does not exist`;
  if (!dirSt.isDirectory()) return `${folder} is not a directory (ENOTDIR)`;
  // SQLite writes the -wal and -shm files beside the store: the folder must be writable, and each existing file too.
  const paths: Array<[string, number]> = [
    [folder, constants.W_OK | constants.X_OK],
    [file, constants.R_OK | constants.W_OK],
    [`${file}-wal`, constants.R_OK | constants.W_OK],
    [`${file}-shm`, constants.R_OK | constants.W_OK],
  ];
  for (const [path, mode] of paths) {
    const st = statOrNull(path);
    if (!st) continue;
    try {
      accessSync(path, mode);
    } catch (err) {
      const what = path === folder ? `the folder ${folder}` : path;
      return `${what} is not writable by ${me} (${(err as NodeJS.ErrnoException).code ?? 'denied'}; ${ownerAndMode(st)})`;
    }
  }
  return null;
}

/** A store failure message: what failed (`cannot open store FILE`), SQLite's words, and the cause when one is found. */
export function storeFailure(file: string, what: string, reason: string): string {
  const why = whyNotWritable(file);
  return `${what}: ${reason}${why ? `: ${why}` : ''}`;
}
