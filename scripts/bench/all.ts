// The performance record in one command (`npm run bench`): every benchmark
// under scripts/bench/, each in its own child process so that one's resident
// memory, module loads and JIT state do not colour the next. Each benchmark
// prints medians of repeated runs (and its comparisons as ratios measured in
// the same run); this script streams their output, then repeats every line
// that states a target, with the machine and the load it ran under.
//   node dist/scripts/bench/all.js [--quick] [--only audit,store,…]
//   --quick: fewer repetitions and no telemetry end-to-end run (≈ 1.5 min instead of ≈ 3)
// Each benchmark exits 1 when a target it checks is missed; that is part of
// the record, not a failure: this script exits 0 unless a benchmark crashed (2).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const QUICK = process.argv.includes('--quick');
const ONLY = process.argv.includes('--only') ? new Set(process.argv[process.argv.indexOf('--only') + 1]!.split(',')) : null;

interface Bench {
  name: string;
  what: string;
  args: string[];
  quickArgs: string[];
  /** node flags for the child (e.g. --expose-gc for heap figures after a collection). */
  nodeArgs?: string[];
}

const BENCHES: Bench[] = [
  { name: 'audit', what: 'full audit-baseline on the lab gateway (weak, hardened)', args: ['--runs', '5'], quickArgs: ['--runs', '5'] },
  { name: 'transport', what: 'TLS scan and broker-transport vs sslscan on the same TLS listener', args: ['--runs', '5'], quickArgs: ['--runs', '3'] },
  { name: 'cert-hygiene', what: 'certificate-hygiene over 1,000 device certificates', args: ['--devices', '1000', '--runs', '5'], quickArgs: ['--devices', '1000', '--runs', '3'] },
  { name: 'serve', what: 'serve beside its floor (the stack alone): RSS at ready and after a run, GET /v1/posture, as ratios', args: ['--rounds', '5', '--seconds', '5'], quickArgs: ['--rounds', '3', '--seconds', '3'] },
  { name: 'imports', what: "serve's floor: load time and RSS of the main thread's modules, one fresh process each", args: ['--runs', '3'], quickArgs: ['--runs', '1'] },
  { name: 'store', what: 'store at 10,000 runs: size, posture query, delta', args: ['--runs', '10000', '--reps', '25'], quickArgs: ['--runs', '10000', '--reps', '10'] },
  {
    name: 'broker-log',
    what: 'broker-sessions reading a 100 MB Mosquitto log (MB/s, memory growth)',
    args: ['--mb', '100', '--runs', '7'],
    quickArgs: ['--mb', '100', '--runs', '3'],
    nodeArgs: ['--expose-gc'],
  },
  {
    name: 'telemetry',
    what: 'telemetry analyzer messages/s (and one end-to-end run through aedes)',
    args: ['--runs', '7', '--e2e-runs', '1', '--seconds', '5'],
    quickArgs: ['--runs', '3', '--e2e-runs', '0'],
    nodeArgs: ['--expose-gc'],
  },
];

function machineLines(): string[] {
  const cpus = os.cpus();
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' / ');
  let model = cpus[0]?.model ?? 'unknown';
  try {
    model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    /* not Linux: os.cpus() is enough */
  }
  return [
    `machine: ${os.availableParallelism()} cores (nproc), ${model}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${os.type()} ${os.release()} ${os.arch()}`,
    `node ${process.version}; load average ${load} (1/5/15 min)`,
  ];
}

interface Outcome {
  bench: Bench;
  code: number | null;
  seconds: number;
  lines: string[];
}

function runBench(b: Bench): Promise<Outcome> {
  const script = fileURLToPath(new URL(`./${b.name}.js`, import.meta.url));
  const args = QUICK ? b.quickArgs : b.args;
  const nodeArgs = b.nodeArgs ?? [];
  console.log(`\n━━ ${b.name}: ${b.what}\n   $ node ${nodeArgs.map((a) => `${a} `).join('')}dist/scripts/bench/${b.name}.js ${args.join(' ')}`);
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  const onData = (chunk: Buffer, out: NodeJS.WriteStream) => {
    out.write(chunk);
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  };
  child.stdout.on('data', (c: Buffer) => onData(c, process.stdout));
  child.stderr.on('data', (c: Buffer) => onData(c, process.stderr));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      if (partial) lines.push(partial);
      resolve({ bench: b, code, seconds: (performance.now() - t0) / 1000, lines });
    });
  });
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const command = `node dist/scripts/bench/all.js${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
  console.log(`pathaudit performance record — ${new Date().toISOString()}${QUICK ? ' (quick)' : ''}`);
  for (const l of machineLines()) console.log(l);
  console.log(`command: ${command}`);
  const outcomes: Outcome[] = [];
  for (const b of BENCHES) if (!ONLY || ONLY.has(b.name)) outcomes.push(await runBench(b));

  console.log('\n━━ summary: every line that states a target (medians; see above for the spread)');
  for (const o of outcomes) {
    // Exit 1 is how a bench says "a target was missed"; anything else is a crash.
    const state = o.code === 0 ? 'exit 0: every target it checks met' : o.code === 1 ? 'exit 1: a target it checks MISSED' : `FAILED (exit ${o.code})`;
    console.log(`[${o.bench.name}] ${o.seconds.toFixed(0)} s, ${state}`);
    // Indented figure lines are prefixed with the last heading above them ("[weak]", "node (defaults)", …).
    let section = '';
    for (const l of o.lines) {
      if (l.trim() && !/^\s/.test(l) && !/target/i.test(l)) section = /^\[[^\]]*\]/.exec(l.trim())?.[0] ?? l.trim().replace(/\s+—.*$/, '').slice(0, 48);
      if (/target|budget|ratio|same verdict|req\/s|msg\/s|MB\/s|file size|testssl/i.test(l)) console.log(`  ${/^\s/.test(l) ? `${section} · ` : ''}${l.trim()}`);
    }
  }
  console.log(`load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' / ')} (1/5/15 min)`);
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (outcomes.some((o) => o.code !== 0 && o.code !== 1)) process.exitCode = 2;
}

await main();
