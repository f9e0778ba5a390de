// A store that cannot open — better-sqlite3 built for another Node ABI, as
// after a Node upgrade without `npm rebuild` — on every command that opens
// one: the demo (which has started its lab by then), `run` and `serve` (which
// would listen next). Each prints one line naming the store and the cause,
// exits 3 (README: "the store failed"), and leaves nothing listening. Before
// the fix the demo printed the error and hung with its lab listening.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { builtCli } from '../helpers/build.js';
import { stringify } from 'yaml';
import { EXIT } from '../../agent/errors.js';
import { freePort, labGateway, tempDir } from '../helpers/lab.js';

const CLI = builtCli();
const WRONG_ABI = new URL('../helpers/wrong-abi.mjs', import.meta.url).pathname;
const EXIT_WITHIN_MS = 30_000;

/** Runs the CLI with the failing addon; resolves when it exits, or after EXIT_WITHIN_MS with code null (still running). */
function cli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string; kill: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', WRONG_ABI, CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  return Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), EXIT_WITHIN_MS).unref())]).then((code) => ({ code, stdout, stderr, kill }));
}

/** Whether something accepts a TCP connection on the loopback port (one attempt, bounded). */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const done = (v: boolean) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(2000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

t.test('demo: the store fails after the lab started → exit 3, one line naming the store, the lab closed', async (t) => {
  const dir = tempDir(t);
  const r = await cli(['demo', '--dir', join(dir, 'out')], dir);
  // The lab announces its ports before the store opens.
  const ports = [...(/lab: aedes broker \(([^)]*)\), ingest relay https:\/\/127\.0\.0\.1:(\d+)/.exec(r.stdout) ?? [])].slice(1).join(' ').match(/\d{2,5}/g)?.map(Number) ?? [];
  t.equal(ports.length, 4, `the lab's four listeners were announced (${ports.join(', ')})`);
  if (r.code === null) {
    const open = [];
    for (const p of ports) if (await listening(p)) open.push(p);
    await r.kill();
    t.fail(`demo still running ${EXIT_WITHIN_MS} ms after the store error, lab ports still listening: ${open.join(', ') || 'none'}`);
    return;
  }
  t.equal(r.code, EXIT.runFailed, 'exit 3: the store failed');
  t.match(r.stderr, /^pathaudit: cannot open store .*pathaudit\.db: ERR_DLOPEN_FAILED/m, 'one line naming the store and the cause');
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  for (const p of ports) t.notOk(await listening(p), `lab port ${p} closed`);
});

t.test('run and serve: the store fails → exit 3 naming the store; serve never listens', async (t) => {
  const gw = await labGateway(t, { profile: 'weak' });
  const apiPort = await freePort();
  const configFile = join(gw.dir, 'api.yaml');
  writeFileSync(configFile, stringify({ ...gw.config, api: { listen: `127.0.0.1:${apiPort}` } }));
  for (const args of [
    ['run', '--bundle', 'audit-baseline', '--config', configFile],
    ['serve', '--config', configFile],
  ]) {
    const r = await cli(args, gw.dir);
    if (r.code === null) await r.kill();
    t.equal(r.code, EXIT.runFailed, `${args[0]}: exit 3 (stderr: ${r.stderr.slice(-200)})`);
    t.match(r.stderr, /cannot open store .*: ERR_DLOPEN_FAILED/, `${args[0]}: names the store and the cause`);
  }
  t.notOk(await listening(apiPort), `nothing listens on the API port ${apiPort}`);
});
