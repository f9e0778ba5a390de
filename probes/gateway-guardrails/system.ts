// How the guardrails reach the system: every file through the configured root,
// every command only on the live root, with a timeout, no shell, and the
// check's abort signal. A source that is not there is `absent` (→ skipped),
// one that is there but could not be read is `failed` (→ error).
import { execFile } from 'node:child_process';
import { access, constants, lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { reasonOf } from '../../agent/errors.js';

/** What a source gave: observed facts, or why there are none. Stored as evidence data. */
export type Observed<T> = ({ state: 'observed' } & T) | { state: 'absent'; reason: string } | { state: 'failed'; reason: string };

export const absent = (reason: string) => ({ state: 'absent' as const, reason });
export const failed = (reason: string) => ({ state: 'failed' as const, reason });

export interface SystemView {
  /** Absolute root every file is read under. */
  root: string;
  /** True when root is `/`: live commands, /proc and the process table may be used. */
  live: boolean;
  signal: AbortSignal;
  /** Timeout for one quick command (nft, timedatectl, …). */
  commandTimeoutMs: number;
}

export function systemView(root: string | undefined, signal: AbortSignal, commandTimeoutMs: number): SystemView {
  const abs = resolve(root ?? '/');
  return { root: abs, live: abs === '/', signal, commandTimeoutMs };
}

/** Why a live-only source is not read on an image root (the same sentence everywhere). */
export const notLive = (view: SystemView, what: string) => `${what} needs the live system; root is ${view.root}, so the auditing machine's state is not mixed in`;

/**
 * An absolute path on the audited system → the path to read. Refuses to leave
 * the root (`..` in an Include or a configured path), so auditing an image
 * never reads the auditing machine's files.
 */
export function underRoot(view: SystemView, systemPath: string): string {
  const inside = normalize(isAbsolute(systemPath) ? systemPath : `/${systemPath}`);
  const full = join(view.root, inside);
  const rel = relative(view.root, full);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new Error(`${systemPath} leaves the root ${view.root}`);
  return full;
}

/**
 * Resolves symlinks inside an image the way a chroot would: an absolute link
 * target is re-anchored at the root, so `/etc/x -> /usr/lib/x` reads the
 * image's file, never the auditing machine's.
 */
export async function resolveInRoot(view: SystemView, systemPath: string): Promise<string> {
  if (view.live) return underRoot(view, systemPath);
  let pending = normalize(`/${systemPath}`).split('/').filter(Boolean);
  let done = '/';
  for (let hops = 0; pending.length; ) {
    const part = pending.shift()!;
    const next = part === '..' ? dirname(done) : join(done, part);
    let target: string | null = null;
    try {
      if ((await lstat(underRoot(view, next))).isSymbolicLink()) target = await readlink(underRoot(view, next));
    } catch {
      return underRoot(view, join(next, ...pending)); // does not exist: let the caller's read say ENOENT
    }
    if (target === null) {
      done = next;
      continue;
    }
    if (++hops > 40) throw new Error(`${systemPath}: too many levels of symbolic links under ${view.root}`);
    pending = [...normalize(target.startsWith('/') ? target : join(done, target)).split('/').filter(Boolean), ...pending];
    done = '/';
  }
  return underRoot(view, done);
}

export async function readUnderRoot(view: SystemView, systemPath: string): Promise<string | null> {
  try {
    return await readFile(await resolveInRoot(view, systemPath), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw err;
  }
}

const globChars = /[*?[]/;

function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${segment.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  // glob(3) without GLOB_PERIOD: a leading dot must be matched explicitly.
  return new RegExp(`^${segment.startsWith('.') ? '' : '(?!\\.)'}${re}$`);
}

/**
 * glob(3) for one absolute system path pattern, read under the root; matches
 * sorted the way glob sorts them (sshd and nft both rely on that order).
 */
export async function globUnderRoot(view: SystemView, pattern: string): Promise<string[]> {
  const parts = normalize(pattern).split('/').filter(Boolean);
  let bases = ['/'];
  for (const [i, part] of parts.entries()) {
    const last = i === parts.length - 1;
    const next: string[] = [];
    for (const base of bases) {
      if (!globChars.test(part)) {
        next.push(join(base, part));
        continue;
      }
      let names: string[];
      try {
        names = await readdir(await resolveInRoot(view, base));
      } catch {
        continue;
      }
      const re = segmentRegExp(part);
      next.push(...names.filter((n) => re.test(n)).sort().map((n) => join(base, n)));
    }
    bases = next;
    if (!bases.length) return [];
    if (last) break;
  }
  const existing: string[] = [];
  for (const p of bases) {
    try {
      // lstat: an enablement link into /lib/systemd dangles in an image, yet it exists.
      await lstat(join(await resolveInRoot(view, dirname(p)), basename(p)));
      existing.push(p);
    } catch {
      /* a literal path that does not exist matches nothing */
    }
  }
  return existing;
}

/** Where to look for a system binary: PATH plus the sbin folders unprivileged PATHs often lack. */
const BINARY_DIRS = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export async function findBinary(name: string): Promise<string | null> {
  for (const dir of new Set(BINARY_DIRS)) {
    const p = join(dir, name);
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      /* keep looking */
    }
  }
  return null;
}

export interface CommandRun {
  /** argv as run (never holds a secret: these commands take none). */
  command: string[];
  exitCode: number | null;
  stdout: string;
  /** First stderr lines, for the reason a command refused. */
  stderr: string;
  timedOut: boolean;
  durationMs: number;
  /** Spawn failure (EACCES, …), null when the process ran. */
  error: string | null;
}

/** Runs a binary without a shell, bounded by `timeoutMs` and the check's signal; output capped at 4 MiB. */
export function runCommand(binary: string, args: string[], view: SystemView, timeoutMs = view.commandTimeoutMs): Promise<CommandRun> {
  const started = performance.now();
  return new Promise((done) => {
    execFile(
      binary,
      args,
      { timeout: timeoutMs, signal: view.signal, maxBuffer: 4 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C', LANG: 'C' }, windowsHide: true },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
        const timedOut = Boolean(e?.killed) || e?.name === 'AbortError';
        done({
          command: [binary, ...args],
          exitCode: e ? (typeof e.code === 'number' ? e.code : null) : 0,
          stdout: String(stdout),
          stderr: String(stderr).split('\n').slice(0, 3).join(' ').trim().slice(0, 400),
          timedOut,
          durationMs: Math.round(performance.now() - started),
          error: e && typeof e.code === 'string' ? reasonOf(e) : timedOut ? `no answer within ${timeoutMs} ms` : null,
        });
      },
    );
  });
}

/** A one-line account of a command that did not succeed. */
export function describeRun(r: CommandRun): string {
  const cmd = r.command.map((a) => a.split(sep).pop()).join(' ');
  if (r.timedOut) return `\`${cmd}\` gave no answer within the timeout (${r.durationMs} ms)`;
  if (r.error) return `\`${cmd}\` could not run: ${r.error}`;
  return `\`${cmd}\` exited ${r.exitCode}${r.stderr ? `: ${r.stderr}` : ''}`;
}

/** Permission words in a refusal: not root is a missing prerequisite (skipped), not a broken probe. */
export function deniedByPrivilege(r: CommandRun): boolean {
  return /permission denied|operation not permitted|must be root|are you root|insufficient privileges/i.test(`${r.stderr} ${r.stdout.slice(0, 400)}`);
}
