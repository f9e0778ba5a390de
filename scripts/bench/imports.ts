// Benchmark: what the daemon's main thread pays for its modules. Each line
// imports one module (or the daemon's whole graph) in a fresh node process with
// the unit's settings (--max-semi-space-size=1, MALLOC_ARENA_MAX=2) and reports
// the load time and the RSS after a full GC; median of --runs processes. This
// is the floor under `serve`'s idle RSS and start-to-ready time (serve.ts).
//   node dist/scripts/bench/imports.js [--runs 3]
import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { machine, median } from './stats.js';

const exec = promisify(execFile);
const arg = (name: string, def: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) || def : def);
const RUNS = arg('--runs', 3);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dist = (p: string) => pathToFileURL(`${ROOT}dist/${p}`).href;

const SETS: Array<[string, string[]]> = [
  ['node, nothing imported', []],
  ['fastify', ['fastify']],
  ['typebox (373 ESM files)', ['typebox']],
  ['config schema (typebox builders)', [dist('config/schema/index.js')]],
  ['ajv', ['ajv']],
  ['prom-client', ['prom-client']],
  ['better-sqlite3', ['better-sqlite3']],
  ['pino', ['pino']],
  ['@fastify/swagger + swagger-ui', ['@fastify/swagger', '@fastify/swagger-ui']],
  ['mqtt (loaded by the run worker only)', ['mqtt']],
  ['check catalogue (probes/catalogue.js; probing code loads per run)', [dist('probes/catalogue.js')]],
  ['daemon graph (cli/main.js + cli/serve.js)', [dist('agent/cli/main.js'), dist('agent/cli/serve.js')]],
  // Floors that no daemon code can go under (see docs/performance.md):
  ['Intl.DateTimeFormat (node-cron, a schedule)', ['floor:intl']],
  ['floor: fastify+pino+sqlite, 1 route, listening', ['floor:stack']],
];

/** What a `floor:` line runs instead of an import. */
const FLOORS: Record<string, () => void | Promise<void>> = {
  intl() {
    new Intl.DateTimeFormat('en-US', { hour: '2-digit', weekday: 'short', hour12: false }).formatToParts(new Date());
  },
  async stack() {
    const [{ default: Fastify }, { default: Database }, { default: pino }] = await Promise.all([import('fastify'), import('better-sqlite3'), import('pino')]);
    const db = new Database(':memory:');
    db.pragma('journal_mode = WAL');
    const app = Fastify({ loggerInstance: pino({ level: 'info' }, pino.destination('/dev/null')) });
    app.get('/v1/posture', () => db.prepare('SELECT 1 AS ok').get());
    await app.listen({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => setTimeout(r, 500)); // measured while listening; the process exits after it reports
  },
};

async function child(): Promise<void> {
  const specs = process.argv.slice(process.argv.indexOf('--child') + 1);
  const t0 = performance.now();
  for (const s of specs) await (s.startsWith('floor:') ? FLOORS[s.slice(6)]!() : import(s));
  const ms = performance.now() - t0;
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  process.stdout.write(JSON.stringify({ ms, rss: m.rss / 1048576, heap: m.heapUsed / 1048576 }), () => process.exit(0));
}

async function main(): Promise<void> {
  console.log(`module footprint of the daemon's main thread — fresh process per line, median of ${RUNS}, --max-semi-space-size=1, MALLOC_ARENA_MAX=2, ${machine()}`);
  const self = fileURLToPath(import.meta.url);
  let base = NaN;
  for (const [label, specs] of SETS) {
    const samples: Array<{ ms: number; rss: number; heap: number }> = [];
    for (let i = 0; i < RUNS; i++) {
      const { stdout } = await exec(process.execPath, ['--max-semi-space-size=1', '--expose-gc', self, '--child', ...specs], { cwd: ROOT, env: { ...process.env, MALLOC_ARENA_MAX: '2' } });
      samples.push(JSON.parse(stdout) as { ms: number; rss: number; heap: number });
    }
    const rss = median(samples.map((s) => s.rss));
    if (Number.isNaN(base)) base = rss;
    const delta = specs.length ? ` (+${(rss - base).toFixed(1)})` : '';
    console.log(`  ${label.padEnd(44)} load ${median(samples.map((s) => s.ms)).toFixed(0).padStart(4)} ms   RSS ${rss.toFixed(1)} MB${delta.padEnd(8)}   heap used ${median(samples.map((s) => s.heap)).toFixed(1)} MB`);
  }
}

await (process.argv.includes('--child') ? child() : main());
