// Where a command's report goes: `--out FILE`, `--out -` or stdout.
//
//   absent or `-`                     stdout
//   a new path, or a regular file     a temp file beside it, then rename: a reader sees the old
//                                     report or the new one, never half of one; the temp file
//                                     is removed on any failure (and an existing file keeps its mode)
//   a character device, FIFO, socket  opened and written in place: /dev/null, a pipe a CI step
//                                     reads, a log socket — never replaced by a regular file
//   a directory, a missing parent     usage error (exit 2) naming the path; nothing is written
//
// A symlink is followed: the file it points at is what gets written.
import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { chmod, lstat, open, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { PathauditError, reasonOf } from '../errors.js';
import type { Io } from './io.js';

/** Whether `--out` sends the report to stdout (not given, or `-`). */
export const toStdout = (out: string | undefined): boolean => out === undefined || out === '-';

const refused = (file: string, why: string) => new PathauditError('PATHAUDIT_ERR_USAGE', `--out ${file}: ${why}`);

async function statOrNull(file: string): Promise<Stats | null> {
  try {
    return await stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR') throw refused(file, 'a parent of this path is not a directory');
    throw refused(file, reasonOf(err));
  }
}

/** A socket file takes a connection, not open(2). */
function writeToSocket(file: string, data: Buffer): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const socket = net.createConnection(file);
    socket.once('error', reject);
    socket.once('connect', () => socket.end(data));
    socket.once('close', (hadError) => (hadError ? undefined : resolvePromise()));
  });
}

/** Writes into an existing device, FIFO or socket without replacing it (a FIFO open waits for its reader, off the event loop). */
async function writeInPlace(file: string, st: Stats, data: Buffer): Promise<void> {
  if (st.isSocket()) return writeToSocket(file, data);
  // O_WRONLY without O_CREAT or O_TRUNC: only ever the node that is there. On a
  // FIFO it waits for a reader, as a shell's `> fifo` does (in libuv's pool).
  const handle = await open(file, constants.O_WRONLY | constants.O_NOCTTY);
  try {
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
}

/** Writes to a temp file in the target's folder, then renames it over the target; the temp file never outlives a failure. */
async function writeAtomically(file: string, data: Buffer, mode: number | null): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(tmp, data, { flag: 'wx', mode: 0o666 });
    if (mode !== null) await chmod(tmp, mode);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * Refuses an `--out` that can never be written (a directory, a missing parent)
 * before any work is done, so a run is not spent on a report with nowhere to go.
 * Returns the file to write and what is there now.
 */
export async function checkOut(out: string | undefined): Promise<{ given: string; file: string; st: Stats | null } | null> {
  if (toStdout(out)) return null;
  const given = resolve(out!);
  const parent = dirname(given);
  const parentStat = await statOrNull(parent);
  if (!parentStat) throw refused(given, `the folder ${parent} does not exist`);
  if (!parentStat.isDirectory()) throw refused(given, `${parent} is not a directory`);
  // Follow a symlink to what it names, so the link stays a link.
  const link = await lstat(given).catch(() => null);
  const file = link?.isSymbolicLink() ? await realpath(given).catch(() => given) : given;
  const st = await statOrNull(file);
  if (st?.isDirectory()) throw refused(given, 'is a directory; name a file to write');
  if (st && !st.isFile() && !st.isCharacterDevice() && !st.isFIFO() && !st.isSocket()) throw refused(given, 'is neither a regular file nor a device, FIFO or socket');
  return { given, file, st };
}

export async function writeOutput(content: string | Buffer, out: string | undefined, io: Io): Promise<void> {
  const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const target = await checkOut(out);
  if (!target) {
    if (io.stdoutBytes) io.stdoutBytes(data);
    else io.stdout(typeof content === 'string' ? content : content.toString('utf8'));
    return;
  }
  const { given, file, st } = target;
  try {
    if (st && (st.isCharacterDevice() || st.isFIFO() || st.isSocket())) await writeInPlace(file, st, data);
    else await writeAtomically(file, data, st ? st.mode & 0o7777 : null);
  } catch (err) {
    throw refused(given, reasonOf(err));
  }
  io.stderr(`wrote ${given}\n`);
}
