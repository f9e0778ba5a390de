// A real small filesystem for state-directory tests: a tmpfs of a few hundred
// KiB mounted on a temp folder, which a test can fill up (ENOSPC) or remount
// read-only (EROFS) under a running process — what a full or failing SD card
// does to a gateway. As root, file modes do not stop writes, so a mount is the
// honest way to get "read-only" and "full". Needs root and mount(2) (CAP_SYS_ADMIN);
// where that is missing, smallFs() says why and the caller skips.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';

export interface SmallFs {
  dir: string;
  /** Fills the free space with a filler file until ENOSPC; returns the bytes written. */
  fill(): number;
  /** Frees the filler. */
  unfill(): void;
  remountReadOnly(): void;
  remountReadWrite(): void;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

export function smallFs(t: Test, sizeKiB: number): SmallFs | { unavailable: string } {
  if (!isRoot()) return { unavailable: 'not root: cannot mount a small tmpfs' };
  const dir = mkdtempSync(join(tmpdir(), 'pathaudit-smallfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k,mode=0755`, 'pathaudit-test', dir], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { unavailable: `mount -t tmpfs failed: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}` };
  }
  t.teardown(() => {
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    } catch {
      /* already gone */
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const filler = join(dir, 'filler');
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      const chunk = Buffer.alloc(4096, 0x66);
      let written = 0;
      try {
        for (;;) written += writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(fd);
      }
      return written;
    },
    unfill: () => rmSync(filler, { force: true }),
    remountReadOnly: () => execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'pipe' }),
    remountReadWrite: () => execFileSync('mount', ['-o', 'remount,rw', dir], { stdio: 'pipe' }),
  };
}
