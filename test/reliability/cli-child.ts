// The built CLI as a child process for the reliability suite: spawn with
// captured output, wait for the exit, SIGKILL on teardown; plus a seeded PRNG
// so a failing random schedule can be replayed (PATHAUDIT_TEST_SEED).
import { spawn, type ChildProcess } from 'node:child_process';
import type { Test } from 'tap';
import { builtCli } from '../helpers/build.js';

export const ROOT = new URL('../../', import.meta.url).pathname;
/** The suites run the built CLI, checked to be the build of the current sources. */
export const CLI = builtCli();

export interface Child {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function cli(t: Test, args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once('close', (code, signal) => r({ code, signal })));
  t.teardown(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  return { proc, exited, stdout: () => out, stderr: () => err };
}

/** Runs the CLI to its end (bounded: SIGKILL after timeoutMs) and returns code and output. */
export async function cliRun(t: Test, args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const c = cli(t, args, opts.env);
  const timer = setTimeout(() => c.proc.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
  const { code } = await c.exited;
  clearTimeout(timer);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

/** mulberry32: small, seedable, good enough to spread kill points. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export function testSeed(): number {
  return process.env.PATHAUDIT_TEST_SEED ? Number(process.env.PATHAUDIT_TEST_SEED) : Date.now() % 1_000_000;
}
