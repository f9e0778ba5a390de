// How checks reach the audited system (gateway-guardrails, and broker-cert for
// the key file's readers): every file through the configured root
// (probes/root.ts), every command only on the live root, with a timeout, no
// shell, and the check's abort signal. A source that is not there is
// `absent` (→ skipped), one that is there but could not be read is `failed`
// (→ error): probes/evidence.ts' Observation.
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { reasonOf } from './reason.js';
import { rootView, type RootView } from './root.js';

export interface SystemView extends RootView {
  signal: AbortSignal;
  /** Timeout for one quick command (nft, timedatectl, …). */
  commandTimeoutMs: number;
}

export function systemView(root: string | undefined, signal: AbortSignal, commandTimeoutMs: number): SystemView {
  return { ...rootView(root), signal, commandTimeoutMs };
}

/** Why a live-only source is not read on an image root (the same sentence everywhere). */
export const notLive = (view: SystemView, what: string) => `${what} needs the live system; root is ${view.root}, so the auditing machine's state is not mixed in`;

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
