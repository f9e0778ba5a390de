// Benchmark: a full `audit-baseline` run on the loopback lab gateway, weak and
// hardened profiles, as an operator runs it: `pathaudit run --bundle
// audit-baseline` as a child process (node start, config load, the four
// checks, SQLite store with the hash chain, JSON report). The lab (aedes,
// ingest relay, fixture root file system) runs in this process so the child is
// measured alone. Prints the median wall time of --runs runs per profile, the
// child's CPU time, and the median duration of each check inside the run (which
// check dominates). Target: ≤ 1.5 s.
//   node dist/scripts/bench/audit.js [--runs 5]
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RunDocument } from '../../agent/runner/document.js';
import { createLabPki, startLabGateway, type Profile } from '../../agent/lab/gateway.js';
import { fmt, machine, median } from './stats.js';

const arg = (name: string, def: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) || def : def);
const RUNS = Math.max(arg('--runs', 5), 1);
const TARGET_MS = 1500;
const CLI = fileURLToPath(new URL('../../app/cli.js', import.meta.url));
const exec = promisify(execFile);
// The child reports its own CPU time at exit: readable on a shared machine too.
const REPORT_CPU = 'data:text/javascript,process.on("exit",()=>process.stderr.write("cpu-us "+JSON.stringify(process.cpuUsage())+"\\n"))';

interface Sample {
  wallMs: number;
  cpuMs: number;
  doc: RunDocument;
}

async function oneRun(configFile: string, out: string): Promise<Sample> {
  const t0 = performance.now();
  const { stderr } = await exec(process.execPath, ['--import', REPORT_CPU, CLI, 'run', '--bundle', 'audit-baseline', '--config', configFile, '--format', 'json', '--out', out], {
    maxBuffer: 64 << 20,
  }).catch((err: { code?: number; stderr?: string }) => {
    // Exit 1 = findings at or above --fail-on (not used here) or a failed run: the document says which.
    if (err.code !== 1) throw err;
    return { stderr: err.stderr ?? '' };
  });
  const wallMs = performance.now() - t0;
  const cpu = /cpu-us (\{.*\})/.exec(stderr);
  const u = cpu ? (JSON.parse(cpu[1]!) as { user: number; system: number }) : { user: NaN, system: NaN };
  return { wallMs, cpuMs: (u.user + u.system) / 1000, doc: JSON.parse(readFileSync(out, 'utf8')) as RunDocument };
}

async function main(): Promise<void> {
  console.log(`audit-baseline on the loopback lab gateway — ${RUNS} runs per profile (pathaudit run as a process), ${os.cpus().length} cores, ${machine()}`);
  const pki = await createLabPki();
  let worst = 0;
  for (const profile of ['weak', 'hardened'] as Profile[]) {
    const dir = mkdtempSync(join(os.tmpdir(), `pathaudit-bench-audit-${profile}-`));
    const gw = await startLabGateway({ profile, dir, pki });
    try {
      await oneRun(gw.configFile, join(dir, 'warm-up.json')); // page cache, first store creation
      const samples: Sample[] = [];
      for (let i = 0; i < RUNS; i++) samples.push(await oneRun(gw.configFile, join(dir, `run-${i}.json`)));
      const wall = median(samples.map((s) => s.wallMs));
      worst = Math.max(worst, wall);
      const last = samples.at(-1)!.doc;
      const counts = last.results.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
      console.log(`\n[${profile}] ${last.results.length} results (${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}), posture ${last.summary.posture}, status ${last.run.status}`);
      console.log(`  wall time, whole process:   median ${fmt(wall)} of ${RUNS} [${samples.map((s) => s.wallMs.toFixed(0)).join(', ')}] — target ≤ ${TARGET_MS} ms: ${wall <= TARGET_MS ? 'met' : 'MISSED'}`);
      console.log(`  CPU time (user+sys):        median ${fmt(median(samples.map((s) => s.cpuMs)))}`);
      for (const c of last.run.checks) {
        const ms = median(samples.map((s) => s.doc.run.checks.find((x) => x.check === c.check)?.durationMs ?? NaN));
        console.log(`  check ${c.check.padEnd(20)} median ${fmt(ms)} (${c.outcome})`);
      }
      const errors = last.results.filter((r) => r.status === 'error');
      if (errors.length) console.log(`  error results: ${errors.map((r) => `${r.control} ${r.resource}: ${r.detail}`).join(' | ')}`);
    } finally {
      await gw.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`\nload average: ${os.loadavg().map((x) => x.toFixed(1)).join(' / ')} (1/5/15 min)`);
  if (worst > TARGET_MS) process.exitCode = 1;
}

await main();
