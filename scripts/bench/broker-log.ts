// Benchmark: broker-sessions reading a 100 MB Mosquitto log. A log is
// generated into a temp folder (log_type all mix: mostly PUBLISH traffic, with
// connections, disconnects, takeovers, refused logins and TLS failures from
// 200 client ids and 30 addresses over the last 20 hours), then the check's
// own collect() reads it --runs times; medians printed. For the reader's
// design the same file is also split by node:readline (lines only, no
// parsing) as a baseline. Targets: 100 MB in < 1 s, memory growth < 64 MB.
//   node --expose-gc dist/scripts/bench/broker-log.js [--mb 100] [--runs 5] [--format epoch|iso]
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { standaloneContext } from '../../agent/runner/standalone.js';
import type { PathauditConfig } from '../../config/schema/index.js';
import { code as brokerSessions } from '../../probes/broker-sessions/index.js';
import type { Evidence } from '../../probes/types.js';
import { machine, median } from './stats.js';

const arg = (name: string, def: string) => (process.argv.includes(name) ? (process.argv[process.argv.indexOf(name) + 1] ?? def) : def);
const MB = Number(arg('--mb', '100'));
const RUNS = Number(arg('--runs', '5'));
const FORMAT = arg('--format', 'epoch') as 'epoch' | 'iso';
const TARGET_MS_PER_100MB = 1000;
const TARGET_GROWTH_MB = 64;

const pad = (n: number) => String(n).padStart(2, '0');
function stamp(epochS: number): string {
  if (FORMAT === 'epoch') return String(epochS);
  const d = new Date(epochS * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A deterministic day of a busy broker, `bytes` long. */
async function generate(file: string, bytes: number): Promise<number> {
  const out = createWriteStream(file);
  const start = Math.floor(Date.now() / 1000) - 20 * 3600;
  const span = 20 * 3600 - 60;
  let written = 0;
  let i = 0;
  let buf = '';
  const estimate = bytes / 95;
  while (written < bytes) {
    const t = start + Math.floor((i / estimate) * span);
    const n = Math.floor(i / 100) % 200;
    const id = `stm32-${String(n).padStart(3, '0')}`;
    const addr = `10.0.${n % 3}.${10 + (n % 30)}`;
    const port = 40000 + (i % 20000);
    const ts = stamp(t);
    const r = i % 100;
    let line: string;
    if (r < 80) line = `${ts}: Received PUBLISH from ${id} (d0, q1, r0, m${i % 65535}, 'devices/${id}/telemetry', ... (48 bytes))\n`;
    else if (r < 90) line = `${ts}: Sending PUBACK to ${id} (m${i % 65535}, rc0)\n`;
    else if (r < 93) line = `${ts}: New connection from ${addr}:${port} on port 8883.\n`;
    else if (r < 96) line = `${ts}: New client connected from ${addr}:${port} as ${id} (p2, c1, k60, u'${id}').\n`;
    else if (r < 98) line = `${ts}: Client ${id} disconnected.\n`;
    else if (i % 1000 === 98) line = `${ts}: Client ${id} already connected, closing old connection.\n`;
    else if (i % 1000 === 198) line = `${ts}: Client <unknown> disconnected, not authorised.\n`;
    else if (i % 1000 === 298) line = `${ts}: OpenSSL Error[0]: error:0A000086:SSL routines::certificate verify failed\n`;
    else line = `${ts}: Received PINGREQ from ${id}\n`;
    buf += line;
    written += line.length;
    i++;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  await new Promise<void>((r) => out.end(buf, () => r()));
  return i;
}

const gc = (globalThis as { gc?: () => void }).gc;
const settle = () => gc?.();
const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;

/** Runs fn while sampling RSS every 5 ms; returns wall time and the peak RSS seen. */
async function measured<T>(fn: () => Promise<T>): Promise<{ ms: number; peakRss: number; value: T }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  return { ms, peakRss: peak, value };
}

async function readlineBaseline(file: string): Promise<number> {
  let n = 0;
  const rl = createInterface({ input: createReadStream(file, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  for await (const _line of rl) n++;
  return n;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'pathaudit-bench-log-'));
  try {
    const file = join(dir, 'mosquitto.log');
    const g0 = performance.now();
    const lines = await generate(file, MB * 1024 * 1024);
    const size = statSync(file).size;
    console.log(`broker-log — broker-sessions collect() over a ${mb(size)} Mosquitto log (${FORMAT} timestamps, ${lines.toLocaleString('en')} lines, 200 ids, 30 addresses; generated in ${((performance.now() - g0) / 1000).toFixed(1)} s)`);
    console.log(`  ${machine()}; ${RUNS} runs each; ${gc ? 'gc before each run (--expose-gc)' : 'no --expose-gc: figures include garbage'}`);

    const config: PathauditConfig = {
      broker: { host: '127.0.0.1', listeners: [{ name: 'mqtts', port: 8883, tls: true }], log_file: file, log_max_mb: Math.max(256, Math.ceil(size / 1048576) + 1) },
      devices: { inventory: [{ id: 'stm32-000' }] },
    };
    const collect = () => brokerSessions.collect(standaloneContext(config));

    // One warm-up run (JIT, page cache), not counted.
    const warm: Evidence[] = await collect();
    const scan = warm.find((e) => e.key === 'log-scan')?.data as { state: string; lines: { judged: number; oddTimestamp: number } };
    const sessions = warm.find((e) => e.key === 'sessions')?.data as { clients: unknown[]; totals: Record<string, number> };
    if (scan?.state !== 'observed' || scan.lines.oddTimestamp) throw new Error(`the generated log was not read as expected: ${JSON.stringify(scan)}`);
    console.log(`  judged ${scan.lines.judged.toLocaleString('en')} lines: ${sessions.clients.length} client ids, totals ${JSON.stringify(sessions.totals)}`);

    const times: number[] = [];
    const growth: number[] = [];
    const retained: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      settle();
      const before = process.memoryUsage.rss();
      const heapBefore = process.memoryUsage().heapUsed;
      const m = await measured(collect);
      times.push(m.ms);
      growth.push(m.peakRss - before);
      // What the run keeps once its garbage is collected: the evidence it returned.
      settle();
      retained.push(process.memoryUsage().heapUsed - heapBefore);
      void m.value;
    }
    const rl: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      settle();
      rl.push((await measured(() => readlineBaseline(file))).ms);
    }

    const med = median(times);
    const mbPerS = size / 1048576 / (med / 1000);
    const scaled = (med * (100 * 1048576)) / size;
    const peak = Math.max(...growth);
    console.log(`  collect(): median ${med.toFixed(0)} ms (runs ${times.map((x) => x.toFixed(0)).join(', ')}), ${mbPerS.toFixed(0)} MB/s`);
    console.log(`  memory growth (peak RSS during the run − RSS before it): median ${mb(median(growth))}, max ${mb(peak)}; heap kept after gc (the evidence): median ${mb(median(retained))}`);
    console.log(`  node:readline over the same file, lines only: median ${median(rl).toFixed(0)} ms — ratio collect/readline ${(med / median(rl)).toFixed(2)}`);
    const timeOk = scaled < TARGET_MS_PER_100MB;
    const memOk = peak < TARGET_GROWTH_MB * 1048576;
    console.log(`  target: 100 MB in < ${TARGET_MS_PER_100MB} ms — ${scaled.toFixed(0)} ms per 100 MB: ${timeOk ? 'met' : 'MISSED'}`);
    console.log(`  target: memory growth < ${TARGET_GROWTH_MB} MB — max ${mb(peak)}: ${memOk ? 'met' : 'MISSED'}`);
    if (!timeOk || !memOk) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
