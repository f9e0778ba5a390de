// Benchmark: `pathaudit serve` beside its floor. Each round starts, side by
// side and with the same environment, node flags and two schedules:
//   - serve: the bundled dist/app/cli.js as the unit starts it (the
//     environment of systemd/pathaudit.env and the node flags of the unit's
//     ExecStart line, both read from the files), on the weak loopback lab;
//   - the floor (floor.ts, bundled by esbuild the way dist/app/ is): the
//     chosen stack (fastify + pino + better-sqlite3 + node-cron) with one
//     posture-like route over a real SQLite file.
// Then, for both: RSS 1 s after ready; one run (serve: a `transport` run over
// POST /v1/runs, the checks in their own process; the floor: the same run's
// results stored over its POST /v1/runs); RSS 15 s after the run; GET
// /v1/posture throughput with autocannon (the two take turns, one at a time,
// the order alternating between rounds).
//
// The machine is shared and noisy: what counts are serve's figures as ratios
// to the floor measured in the same round. Prints the medians of the rounds
// and the median of the per-round ratios. Targets: RSS ≤ 1.05 × the floor at
// ready and 15 s after a run; posture req/s ≥ the floor's; start → ready ≤ 500 ms.
//   node dist/scripts/bench/serve.js [--rounds 5] [--seconds 5] [--connections 10] [--no-schedules] [--node-flags "--no-opt"]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { stringify } from 'yaml';
import { startLabGateway } from '../../agent/lab/gateway.js';
import { machine, median } from './stats.js';

interface AutocannonResult {
  requests: { average: number };
  latency: { p99: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: { url: string; connections: number; duration: number; headers: Record<string, string> }) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const argOf = (name: string) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : undefined);
const ROUNDS = Number(argOf('rounds') ?? 5);
const SECONDS = Number(argOf('seconds') ?? 5);
const CONNECTIONS = Number(argOf('connections') ?? 10);
const SCHEDULES = !process.argv.includes('--no-schedules');
const ROOT = new URL('../../../', import.meta.url).pathname;
const CLI = join(ROOT, 'dist/app/cli.js');
const FLOOR = join(ROOT, 'dist/scripts/bench/floor.bundle.js');
const TOKEN = 'bench-token-5b0c9f1e7a3d2c4b';
// Times no round will meet: a scheduled run starting mid-round would make the POST a 409.
const CRONS = { bundle: '0 3 1 1 *', snapshot: '0 3 1 * *' };
const RSS_TARGET = 1.05;

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

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

/** The floor bundled as dist/app/ is (scripts/build-app.ts): minified ESM, better-sqlite3 outside. */
async function bundleFloor(): Promise<void> {
  await build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, 'dist/scripts/bench/floor.js')],
    outfile: FLOOR,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    external: ['better-sqlite3'],
    banner: { js: "import { createRequire as __floorRequire } from 'node:module'; const require = __floorRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}

interface Started {
  child: ChildProcess;
  exited: Promise<unknown>;
  readyMs: number;
}

/** Spawns a process and resolves when it logs `readyMsg` (pino JSON on stdout). */
async function startProcess(args: string[], env: Record<string, string>, readyMsg: string): Promise<Started> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.once('exit', r));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')}: not ready in 20 s`)), 20_000);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')}: exited ${code} before it was ready`)));
    createInterface({ input: child.stdout }).on('line', (l) => {
      if (l.includes(`"msg":"${readyMsg}"`)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { child, exited, readyMs: performance.now() - t0 };
}

async function stop(p: Started | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null) return;
  p.child.kill('SIGTERM');
  await p.exited;
}

interface Side {
  rssReady: number;
  rssAfterRun: number;
  reqPerS: number;
  p99: number;
}
interface Round {
  serve: Side & { readyMs: number; runMs: number };
  floor: Side;
}

async function posture(base: string): Promise<{ reqPerS: number; p99: number }> {
  const res = await autocannon({ url: `${base}/v1/posture`, connections: CONNECTIONS, duration: SECONDS, headers: { authorization: `Bearer ${TOKEN}` } });
  if (res.non2xx || res.errors) throw new Error(`autocannon ${base}: ${res.non2xx} non-2xx, ${res.errors} errors`);
  return { reqPerS: res.requests.average, p99: res.latency.p99 };
}

async function round(i: number, ctx: { dir: string; serveConfig: string; servePort: number; floorPort: number; env: Record<string, string>; flags: string[] }): Promise<Round> {
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  const serveBase = `http://127.0.0.1:${ctx.servePort}`;
  const floorBase = `http://127.0.0.1:${ctx.floorPort}`;
  const floorStore = join(ctx.dir, `floor-${i}.db`);
  const floorArgs = [...ctx.flags, FLOOR, '--store', floorStore, '--listen', `127.0.0.1:${ctx.floorPort}`, '--token-file', join(ctx.dir, 'api-token'), ...(SCHEDULES ? ['--cron', CRONS.bundle, '--cron', CRONS.snapshot] : [])];
  let serve: Started | undefined;
  let floor: Started | undefined;
  try {
    [serve, floor] = await Promise.all([
      startProcess([...ctx.flags, CLI, 'serve', '--config', ctx.serveConfig], ctx.env, 'pathaudit ready'),
      startProcess(floorArgs, ctx.env, 'floor ready'),
    ]);
    await sleep(1000);
    const rssReady = { serve: rssMb(serve.child.pid!), floor: rssMb(floor.child.pid!) };

    const r0 = performance.now();
    const { id } = (await (await fetch(`${serveBase}/v1/runs`, { method: 'POST', headers, body: JSON.stringify({ bundle: 'transport' }) })).json()) as { id: string };
    let doc: { run: { status: string }; results: unknown[] };
    for (;;) {
      doc = (await (await fetch(`${serveBase}/v1/runs/${id}`, { headers })).json()) as typeof doc;
      if (doc.run.status !== 'running') break;
      await sleep(100);
    }
    const runMs = performance.now() - r0;
    const stored = await fetch(`${floorBase}/v1/runs`, { method: 'POST', headers, body: JSON.stringify({ id, results: doc.results }) });
    if (stored.status !== 201) throw new Error(`floor POST /v1/runs: ${stored.status}`);
    await sleep(15_000);
    const rssAfterRun = { serve: rssMb(serve.child.pid!), floor: rssMb(floor.child.pid!) };

    // One at a time (two loads at once would share the 2 cores), order alternating.
    const order = i % 2 ? (['floor', 'serve'] as const) : (['serve', 'floor'] as const);
    const tp: Record<'serve' | 'floor', { reqPerS: number; p99: number }> = {} as never;
    for (const side of order) tp[side] = await posture(side === 'serve' ? serveBase : floorBase);
    return {
      serve: { readyMs: serve.readyMs, runMs, rssReady: rssReady.serve, rssAfterRun: rssAfterRun.serve, ...tp.serve },
      floor: { rssReady: rssReady.floor, rssAfterRun: rssAfterRun.floor, ...tp.floor },
    };
  } finally {
    await Promise.all([stop(serve), stop(floor)]);
  }
}

async function main(): Promise<void> {
  await bundleFloor();
  const dir = mkdtempSync(join(os.tmpdir(), 'pathaudit-bench-serve-'));
  const gw = await startLabGateway({ profile: 'weak', dir });
  try {
    const [servePort, floorPort] = [await freePort(), await freePort()];
    writeFileSync(join(dir, 'api-token'), `${TOKEN}\n`, { mode: 0o600 });
    const schedules = SCHEDULES ? [{ bundle: 'transport', cron: CRONS.bundle }, { snapshot: 'monthly', cron: CRONS.snapshot }] : undefined;
    const config = { ...gw.config, api: { listen: `127.0.0.1:${servePort}`, token_file: join(dir, 'api-token') }, bundles: { transport: ['broker-transport'] }, schedules };
    writeFileSync(gw.configFile, stringify(config));
    const env = unitEnv();
    const flags = argOf('node-flags')?.split(/\s+/).filter(Boolean) ?? unitNodeFlags();
    const how = `node ${[...flags, ''].join(' ')}+ ${Object.entries(env).filter(([k]) => /^(NODE_OPTIONS|MALLOC_)/.test(k)).map(([k, v]) => `${k}=${v}`).join(' ')}`;
    console.log(`pathaudit serve beside its floor — ${ROUNDS} rounds, ${SCHEDULES ? '2 schedules' : 'no schedules'}, ${how}; autocannon ${CONNECTIONS} connections × ${SECONDS} s on GET /v1/posture; ${os.availableParallelism()} cores, ${machine()}, load ${os.loadavg()[0]!.toFixed(2)}`);
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const r = await round(i, { dir, serveConfig: gw.configFile, servePort, floorPort, env, flags });
      rounds.push(r);
      console.log(
        `  round ${i + 1}: ready ${r.serve.readyMs.toFixed(0)} ms · RSS at ready ${r.serve.rssReady.toFixed(1)} / ${r.floor.rssReady.toFixed(1)} MB · 15 s after a run ${r.serve.rssAfterRun.toFixed(1)} / ${r.floor.rssAfterRun.toFixed(1)} MB · posture ${r.serve.reqPerS.toFixed(0)} / ${r.floor.reqPerS.toFixed(0)} req/s (serve / floor)`,
      );
    }
    const med = (f: (r: Round) => number) => median(rounds.map(f));
    const verdict = (ok: boolean) => {
      if (!ok) process.exitCode = 1;
      return ok ? 'met' : 'MISSED';
    };
    const row = (label: string, s: (r: Round) => number, f: (r: Round) => number, unit: string, digits: number, target: string, ok: (ratio: number) => boolean) => {
      const ratio = med((r) => s(r) / f(r));
      console.log(`  ${label.padEnd(26)} serve ${med(s).toFixed(digits).padStart(7)} ${unit}   floor ${med(f).toFixed(digits).padStart(7)} ${unit}   ratio ${ratio.toFixed(3)}   (target ${target}: ${verdict(ok(ratio))})`);
    };
    console.log('\nmedians of the rounds; ratio = median of serve / floor per round');
    row('RSS at ready', (r) => r.serve.rssReady, (r) => r.floor.rssReady, 'MB', 1, `ratio ≤ ${RSS_TARGET}`, (x) => x <= RSS_TARGET);
    row('RSS 15 s after a run', (r) => r.serve.rssAfterRun, (r) => r.floor.rssAfterRun, 'MB', 1, `ratio ≤ ${RSS_TARGET}`, (x) => x <= RSS_TARGET);
    row('GET /v1/posture', (r) => r.serve.reqPerS, (r) => r.floor.reqPerS, 'req/s', 0, 'ratio ≥ 1', (x) => x >= 1);
    console.log(`  posture p99                serve ${med((r) => r.serve.p99).toFixed(1)} ms   floor ${med((r) => r.floor.p99).toFixed(1)} ms`);
    console.log(`  start → ready              serve ${med((r) => r.serve.readyMs).toFixed(0)} ms   (target ≤ 500 ms: ${verdict(med((r) => r.serve.readyMs) <= 500)}); the run took ${med((r) => r.serve.runMs).toFixed(0)} ms`);
  } finally {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
