// Benchmark: `pathaudit serve` (the bundled dist/app/cli.js, as a child
// process) on the weak loopback lab. Per round: start-to-ready time, idle RSS
// 1 s after ready, RSS 3 s after a run has completed (the checks run in a
// child process that exits with the run) and again 15 s later (V8 returns the
// run's garbage when the daemon has been idle ~10 s), then GET /v1/posture
// throughput and p99 latency with autocannon. Prints the median of the rounds
// for three configurations:
//   - plain `node`, config without schedules;
//   - as systemd starts it: the environment of systemd/pathaudit.env and the
//     node flags of the unit's ExecStart line, config without schedules;
//   - the same with two schedules in the config, as a gateway has them:
//     node-cron formats dates with Intl.DateTimeFormat, which maps ~8 MB of
//     node's ICU data.
// --node-flags "<flags>" adds a configuration: the unit's environment and
// these flags instead of the ExecStart ones (e.g. "--lite-mode").
//   node dist/scripts/bench/serve.js [--rounds 3] [--seconds 5] [--connections 10] [--node-flags "--lite-mode"]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { startLabGateway } from '../../agent/lab/gateway.js';
import { machine, median } from './stats.js';

interface AutocannonResult {
  requests: { average: number };
  latency: { p99: number; average: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: { url: string; connections: number; duration: number; headers: Record<string, string> }) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('rounds', 3);
const SECONDS = arg('seconds', 5);
const CONNECTIONS = arg('connections', 10);
const ROOT = new URL('../../../', import.meta.url).pathname;
const CLI = join(ROOT, 'dist/app/cli.js');
const TOKEN = 'bench-token-5b0c9f1e7a3d2c4b';
const NODE_FLAGS = process.argv.includes('--node-flags') ? process.argv[process.argv.indexOf('--node-flags') + 1]!.split(/\s+/).filter(Boolean) : [];

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The unit's environment file as key/value pairs. */
function unitEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(ROOT, 'systemd/pathaudit.env'), 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

/** The node flags on the unit's ExecStart line (between node and the CLI). */
function unitNodeFlags(): string[] {
  const unit = readFileSync(join(ROOT, 'systemd/pathaudit.service'), 'utf8');
  const m = /^ExecStart=\S*node((?: --\S+)*) \S+\/cli\.js serve/m.exec(unit);
  if (!m) throw new Error('systemd/pathaudit.service: no ExecStart=…node [flags] …/cli.js serve line');
  return m[1]!.split(' ').filter(Boolean);
}

interface Round {
  readyMs: number;
  /** The daemon's own share of it (config, store, API, schedules), from its ready line. */
  daemonMs: number;
  rssReady: number;
  rssAfterRun: number;
  /** 15 s later, idle. */
  rssIdle: number;
  runMs: number;
  reqPerS: number;
  p99: number;
}

async function round(configFile: string, base: string, env: Record<string, string>, flags: readonly string[]): Promise<Round> {
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...flags, CLI, 'serve', '--config', configFile], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    const daemonMs = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('serve did not become ready in 20 s')), 20_000);
      createInterface({ input: child.stdout! }).on('line', (l) => {
        if (l.includes('"msg":"pathaudit ready"')) {
          clearTimeout(timer);
          resolve(Number((JSON.parse(l) as { startMs: number }).startMs));
        }
      });
    });
    const readyMs = performance.now() - t0;
    await sleep(1000);
    const rssReady = rssMb(child.pid!);
    const headers = { authorization: `Bearer ${TOKEN}` };
    const r0 = performance.now();
    const post = await fetch(`${base}/v1/runs`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ bundle: 'transport' }) });
    const { id } = (await post.json()) as { id: string };
    for (;;) {
      const doc = (await (await fetch(`${base}/v1/runs/${id}`, { headers })).json()) as { run: { status: string } };
      if (doc.run.status !== 'running') break;
      await sleep(100);
    }
    const runMs = performance.now() - r0;
    await sleep(3000);
    const rssAfterRun = rssMb(child.pid!);
    await sleep(15_000);
    const rssIdle = rssMb(child.pid!);
    const res = await autocannon({ url: `${base}/v1/posture`, connections: CONNECTIONS, duration: SECONDS, headers });
    if (res.non2xx || res.errors) throw new Error(`autocannon: ${res.non2xx} non-2xx, ${res.errors} errors`);
    return { readyMs, daemonMs, rssReady, rssAfterRun, rssIdle, runMs, reqPerS: res.requests.average, p99: res.latency.p99 };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'pathaudit-bench-serve-'));
  const gw = await startLabGateway({ profile: 'weak', dir });
  try {
    const port = await freePort();
    writeFileSync(join(dir, 'api-token'), `${TOKEN}\n`, { mode: 0o600 });
    const config = { ...gw.config, api: { listen: `127.0.0.1:${port}`, token_file: join(dir, 'api-token') }, bundles: { transport: ['broker-transport'] } };
    writeFileSync(gw.configFile, stringify(config));
    // Two schedules as the example config has them, at times no benchmark
    // round will meet (a run starting mid-round would make the POST a 409).
    const scheduledFile = join(dir, 'pathaudit-scheduled.yaml');
    writeFileSync(scheduledFile, stringify({ ...config, schedules: [{ bundle: 'transport', cron: '0 3 1 1 *' }, { snapshot: 'monthly', cron: '0 3 1 * *' }] }));
    const base = `http://127.0.0.1:${port}`;
    console.log(`pathaudit serve — ${ROUNDS} rounds, autocannon ${CONNECTIONS} connections × ${SECONDS} s on GET /v1/posture; ${os.cpus().length} cores, ${machine()}`);
    const unitFlags = unitNodeFlags();
    const asUnit = `node ${unitFlags.join(' ')} + systemd/pathaudit.env`.replace('  ', ' ');
    const configurations: Array<[string, string, Record<string, string>, string[]]> = [
      ['node (defaults), no schedules', gw.configFile, {}, []],
      [`as systemd starts it (${asUnit}), no schedules`, gw.configFile, unitEnv(), unitFlags],
      [`as systemd starts it, with 2 schedules (node-cron)`, scheduledFile, unitEnv(), unitFlags],
    ];
    if (NODE_FLAGS.length) configurations.push([`node ${NODE_FLAGS.join(' ')} + systemd/pathaudit.env, no schedules`, gw.configFile, unitEnv(), NODE_FLAGS]);
    for (const [label, configFile, env, flags] of configurations) {
      const rounds: Round[] = [];
      for (let i = 0; i < ROUNDS; i++) rounds.push(await round(configFile, base, env, flags));
      const med = (k: keyof Round) => median(rounds.map((r) => r[k]));
      console.log(`\n${label}`);
      const verdict = (ok: boolean) => {
        if (!ok) process.exitCode = 1;
        return ok ? 'met' : 'MISSED';
      };
      console.log(`  start → ready            ${med('readyMs').toFixed(0)} ms        (target ≤ 500 ms: ${verdict(med('readyMs') <= 500)}; node + module loading, then ${med('daemonMs').toFixed(0)} ms in startDaemon)`);
      console.log(`  idle RSS at ready        ${med('rssReady').toFixed(1)} MB      (target ≤ 60 MB: ${verdict(med('rssReady') <= 60)})`);
      console.log(`  idle RSS after a run     ${med('rssAfterRun').toFixed(1)} MB      (target ≤ 60 MB: ${verdict(med('rssAfterRun') <= 60)}; 3 s after it; run took ${med('runMs').toFixed(0)} ms)`);
      console.log(`  RSS idle 15 s later      ${med('rssIdle').toFixed(1)} MB      (for information)`);
      console.log(`  GET /v1/posture          ${med('reqPerS').toFixed(0)} req/s, p99 ${med('p99').toFixed(1)} ms   (target ≥ 5000 req/s, p99 ≤ 10 ms: ${verdict(med('reqPerS') >= 5000 && med('p99') <= 10)})`);
    }
  } finally {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
