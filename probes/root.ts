// Reading an audited system through a root: `/` for the live gateway, any
// other folder for a mounted image or a test fixture tree. Every path is
// re-anchored under the root, symlinks included, so auditing an image never
// reads the auditing machine's files. Used by gateway-guardrails and
// device-link.
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve } from 'node:path';
import { declareEvidence } from './evidence.js';

export interface RootView {
  /** Absolute root every file is read under. */
  root: string;
  /** True when root is `/`: the live system (sysfs, /dev and /proc are the kernel's own). */
  live: boolean;
}

export interface RootFacts {
  root: string;
  live: boolean;
}

/** Which root a check read the system through: recorded by every check that reads through one. */
export const rootEvidence = declareEvidence<RootFacts>({ key: 'root', kind: 'audit-root', resource: 'gateway' });

export function rootView(root: string | undefined): RootView {
  const abs = resolve(root ?? '/');
  return { root: abs, live: abs === '/' };
}

/**
 * An absolute path on the audited system → the path to read. Refuses to leave
 * the root (`..` in an Include or a configured path), so auditing an image
 * never reads the auditing machine's files.
 */
export function underRoot(view: RootView, systemPath: string): string {
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
export async function resolveInRoot(view: RootView, systemPath: string): Promise<string> {
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


/** A text file under the root; null when it does not exist. */
export async function readUnderRoot(view: RootView, systemPath: string): Promise<string | null> {
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
export async function globUnderRoot(view: RootView, pattern: string): Promise<string[]> {
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

