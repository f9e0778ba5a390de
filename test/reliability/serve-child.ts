// `pathaudit serve` (the built CLI) as a child process for the reliability
// suite: its log lines parsed, its raw stdout/stderr kept for grepping, ready
// when it says so, SIGKILLed in teardown if still alive.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Test } from 'tap';
import type { PathauditConfig } from '../../config/schema/index.js';
import { CLI } from './cli-child.js';

export interface Served {
  child: ChildProcess;
  base: string;
  lines: Array<Record<string, unknown>>;
  /** Everything the daemon wrote, as written. */
  rawStdout(): string;
  rawStderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitFor(msg: string | RegExp, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGTERM and wait (SIGKILL after timeoutMs). */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function serve(t: Test, configFile: string, env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', '--config', configFile], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  createInterface({ input: child.stdout }).on('line', (l) => {
    try {
      lines.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      lines.push({ msg: `(not JSON) ${l}` });
    }
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('close', (code, signal) => r({ code, signal })));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const matches = (l: Record<string, unknown>, msg: string | RegExp) => (typeof msg === 'string' ? l.msg === msg : msg.test(String(l.msg)));
  const waitFor = (msg: string | RegExp, timeoutMs = 20_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${String(msg)}" line within ${timeoutMs} ms; stderr: ${stderr}; stdout: ${JSON.stringify(lines.slice(-5))}`)), timeoutMs);
      const look = () => {
        const hit = lines.find((l) => matches(l, msg));
        if (hit) {
          clearTimeout(timer);
          resolve(hit);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          clearTimeout(timer);
          reject(new Error(`serve exited (${child.exitCode ?? child.signalCode}) before "${String(msg)}"; stderr: ${stderr}; stdout: ${stdout.slice(-2000)}`));
        } else waiters.push(look);
      };
      look();
      void exited.then(() => setTimeout(look, 50));
    });
  const ready = await waitFor('pathaudit ready');
  return {
    child,
    base: `http://${ready.listen as string}`,
    lines,
    rawStdout: () => stdout,
    rawStderr: () => stderr,
    exited,
    waitFor,
    async stop(timeoutMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
  };
}

/** A lab gateway in its own process (lab-child.ts); its config object and file, closed in teardown. */
export async function remoteLab(t: Test, dir: string, profile: 'weak' | 'hardened' = 'weak'): Promise<{ configFile: string; config: PathauditConfig }> {
  const child = spawn(process.execPath, [...process.execArgv, new URL('./lab-child.ts', import.meta.url).pathname, profile, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await new Promise((r) => child.once('close', r));
    clearTimeout(timer);
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const { value, done } = await lines.next();
  clearTimeout(timer);
  if (done) throw new Error('the lab child exited before it was ready');
  return JSON.parse(value) as { configFile: string; config: PathauditConfig };
}
