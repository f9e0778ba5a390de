// Benchmark: the telemetry analyzer alone (one core, no I/O), then the whole
// check end to end through aedes on loopback with simulated devices.
//   node dist/scripts/bench/telemetry.js [--runs 7] [--e2e-runs 3] [--rate 5000] [--seconds 10] [--devices 10]
//
// Analyzer: messages/s for ingest() (JSON parse + pointers + fingerprint +
// per-device state) and observe() (state only), median of --runs; then heap
// after 1 M and 5 M messages on one device, to show state does not grow with
// the count. End to end (run first, so the analyzer corpus does not inflate
// peak RSS): a child process runs the lab (aedes over TLS + devices publishing
// --rate messages/s for --seconds), this process runs the telemetry check, and
// every packet sent must be in the analysis (received = sent, per device
// messages = packets, missing 0). Peak RSS is reported per process.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../../agent/config/load.js';
import { silentLogger } from '../../agent/log.js';
import { executeRun } from '../../agent/runner/execute.js';
import { CHECK_IDS } from '../../probes/catalogue.js';
import type { DeviceReport } from '../../probes/telemetry/analyzer.js';
import { TelemetryAnalyzer } from '../../probes/telemetry/analyzer.js';
import type { WindowData } from '../../probes/telemetry/evidence.js';
import { payloadHash } from '../../probes/telemetry/message.js';
import { startDevices, type DeviceCounts, type RunningDevices } from '../../agent/lab/devices.js';
import { startLabGateway } from '../../agent/lab/gateway.js';
import { median } from './stats.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) || dflt : dflt;
};
const RUNS = arg('--runs', 7);
const E2E_RUNS = process.argv.includes('--e2e-runs') ? Number(process.argv[process.argv.indexOf('--e2e-runs') + 1]) : 3;
const RATE = arg('--rate', 5000);
const SECONDS = arg('--seconds', 10);
const DEVICES = arg('--devices', 10);

const analyzerOptions = { deviceId: { topic_level: 1 }, sequence: '/seq', timestamp: '/ts', sequenceMax: 0xffffffff, maxDevices: 10000 };
const fmtRate = (x: number) => `${Math.round(x).toLocaleString('en-US')} msg/s`;
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
const signedMb = (bytes: number) => `${bytes < 0 ? '−' : '+'}${mb(Math.abs(bytes))}`;

/** 200,000 realistic messages from 20 devices, 1% redelivered, a few gaps, timestamps in ms. */
function corpus(): Array<{ topic: string; payload: Buffer; arrival: number }> {
  const out: Array<{ topic: string; payload: Buffer; arrival: number }> = [];
  const t0 = Date.now();
  for (let i = 0; i < 10_000; i++) {
    for (let d = 0; d < 20; d++) {
      if (d === 3 && i % 1000 === 500) continue; // lost reading
      const arrival = t0 + i * 10;
      const payload = Buffer.from(JSON.stringify({ seq: i, ts: arrival - 40, t: 21.5 + (i % 7) / 10, rh: 40 + (i % 13) }));
      const topic = `devices/stm32-${String(d).padStart(2, '0')}/telemetry`;
      out.push({ topic, payload, arrival });
      if (i % 100 === 42) out.push({ topic, payload, arrival: arrival + 1 });
    }
  }
  return out;
}

function benchAnalyzer(): void {
  const msgs = corpus();
  const parsed = msgs.map((m) => {
    const doc = JSON.parse(m.payload.toString()) as { seq: number; ts: number };
    return { device: m.topic.split('/')[1]!, seq: doc.seq, ts: doc.ts, hash: payloadHash(m.payload), arrival: m.arrival };
  });
  // Wall-clock rates suffer when the machine is shared; CPU-time rates (user +
  // system of the process, GC threads included, so conservative) say what one
  // core does.
  const ingest: number[] = [];
  const ingestCpu: number[] = [];
  const observe: number[] = [];
  const observeCpu: number[] = [];
  const time = (n: number, fn: () => void, wall: number[], cpu: number[]) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    wall.push(n / (ms / 1000));
    cpu.push(n / ((c.user + c.system) / 1e6));
  };
  for (let r = 0; r < RUNS; r++) {
    let a = new TelemetryAnalyzer(analyzerOptions);
    time(msgs.length, () => {
      for (const m of msgs) a.ingest(m.topic, m.payload, 1, false, m.arrival);
    }, ingest, ingestCpu);
    if (a.totals().received !== msgs.length) throw new Error('analyzer lost messages');
    a = new TelemetryAnalyzer(analyzerOptions);
    time(parsed.length, () => {
      for (const m of parsed) a.observe(m.device, m.seq, m.ts, m.hash, 1, false, m.arrival);
    }, observe, observeCpu);
  }
  const check = new TelemetryAnalyzer(analyzerOptions);
  for (const m of msgs) check.ingest(m.topic, m.payload, 1, false, m.arrival);
  const d3 = check.devices().find((d) => d.device === 'stm32-03')!;
  console.log(`analyzer, ${msgs.length.toLocaleString('en-US')} messages from 20 devices (1% redelivered), ${RUNS} runs, one core:`);
  const line = (xs: number[]) => `median ${fmtRate(median(xs))} (min ${fmtRate(Math.min(...xs))}, max ${fmtRate(Math.max(...xs))})`;
  console.log(`  ingest() (parse + analyse): per CPU second ${line(ingestCpu)}; wall clock ${line(ingest)}`);
  console.log(`  observe() (analyse only):   per CPU second ${line(observeCpu)}; wall clock ${line(observe)}`);
  console.log(`  sanity: stm32-03 missing ${d3.missing} (expected 10), duplicates ${d3.duplicates.exact} (expected 100)`);

  // Bounded state: heap after 1 M and after 5 M messages on one device with gaps and duplicates.
  const gc = (globalThis as { gc?: () => void }).gc;
  const heap = () => {
    gc?.();
    return process.memoryUsage().heapUsed;
  };
  const a = new TelemetryAnalyzer(analyzerOptions);
  const before = heap();
  let seq = 0;
  const feed = (n: number) => {
    for (let i = 0; i < n; i++) {
      a.observe('stm32-01', seq, 1_700_000_000_000 + i, seq & 0xffff, 1, false, 1_700_000_000_000 + i);
      if (i % 97 === 0) a.observe('stm32-01', seq, 1_700_000_000_000 + i, seq & 0xffff, 1, false, 1_700_000_000_000 + i);
      seq += i % 1009 === 0 ? 3 : 1;
    }
  };
  feed(1_000_000);
  const at1m = heap();
  feed(4_000_000);
  const at5m = heap();
  const r = a.devices()[0]!;
  console.log(
    `  state: heap ${signedMb(at1m - before)} after 1 M messages, ${signedMb(at5m - before)} after 5 M (${gc ? 'after gc' : 'no --expose-gc: includes garbage'}); ` +
      `${r.missing.toLocaleString('en-US')} missing, ${r.duplicates.exact.toLocaleString('en-US')} duplicates counted, ${r.missingExamples.length} gap examples kept`,
  );
}

interface LabDone {
  type: 'done';
  counts: DeviceCounts[];
  publishS: number;
  maxRssBytes: number;
}

/**
 * The lab half of the end-to-end run, in its own process so that the probe's
 * peak RSS is measured alone: gateway (aedes, TLS) + devices, which start
 * publishing when the probe's SUBSCRIBE reaches the broker.
 */
async function labChild(): Promise<void> {
  const o = JSON.parse(process.env.PATHAUDIT_BENCH_LAB ?? '{}') as { rate: number; seconds: number; devices: number; windowS: number };
  const dir = mkdtempSync(join(os.tmpdir(), 'pathaudit-bench-telemetry-'));
  const ids = Array.from({ length: o.devices }, (_, i) => `stm32-${String(i + 1).padStart(2, '0')}`);
  const gw = await startLabGateway({
    profile: 'hardened',
    dir,
    config: {
      telemetry: { topics: ['devices/+/telemetry'], window_s: o.windowS, publish_interval_s: 1 },
      devices: { inventory: ids.map((id) => ({ id })) },
      runner: { check_timeout_s: o.windowS + 15 },
    },
  });
  const perDevice = o.rate / o.devices;
  const devices = ids.map((id) => {
    const password = `bench-${id}-${Math.random().toString(36).slice(2)}`;
    gw.broker.users.set(id, password);
    return { id, username: id, password, knobs: { rateHz: perDevice, messages: perDevice * o.seconds } };
  });
  let running: RunningDevices | null = null;
  gw.broker.broker.once('subscribe', () => {
    void (async () => {
      const mqtts = gw.broker.listeners.find((l) => l.name === 'mqtts')!;
      running = await startDevices({ url: `mqtts://127.0.0.1:${mqtts.port}`, ca: gw.pki.brokerCa.certPem, servername: 'gateway.local', devices });
      // Devices are connected and publishing: the rate is measured from here.
      const t0 = performance.now();
      await running.done;
      const done: LabDone = { type: 'done', counts: running.counts(), publishS: (performance.now() - t0) / 1000, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
      process.send!(done);
    })();
  });
  process.on('message', (m: { type: string }) => {
    if (m.type !== 'close') return;
    void (async () => {
      await running?.stop();
      await gw.close();
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    })();
  });
  process.send!({ type: 'ready', configFile: gw.configFile });
}

function nextMessage<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string }) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      resolve(m as T);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`lab process exited (${code}) before "${type}"`)));
  });
}

async function benchEndToEnd(): Promise<void> {
  const windowS = SECONDS + 3;
  const rssBefore = process.memoryUsage().rss;
  const results: Array<{ sent: number; received: number; unaccounted: number; achieved: number; probeRss: number; labRss: number }> = [];
  for (let r = 0; r < E2E_RUNS; r++) {
    const child = fork(fileURLToPath(import.meta.url), ['--lab-child'], {
      env: { ...process.env, PATHAUDIT_BENCH_LAB: JSON.stringify({ rate: RATE, seconds: SECONDS, devices: DEVICES, windowS }) },
    });
    try {
      const { configFile } = await nextMessage<{ configFile: string }>(child, 'ready');
      const labDone = nextMessage<LabDone>(child, 'done');
      const loaded = loadConfigFile(configFile, { knownBundles: new Set(), knownChecks: CHECK_IDS });
      const doc = await executeRun({ loaded, bundle: 'telemetry-trust', checks: ['telemetry'], trigger: 'cli', log: silentLogger() });
      const lab = await labDone;
      const totalSent = lab.counts.reduce((n, c) => n + c.packets, 0);
      const w = doc.evidence.find((e) => e.id === 'telemetry:window')?.data as WindowData | undefined;
      if (!w) throw new Error(`no window evidence: ${JSON.stringify(doc.run.checks)}`);
      // Sent but not analysed as that device's message, or analysed as nobody's.
      let unaccounted = w.totals.received - w.totals.attributed;
      for (const c of lab.counts) {
        const rep = doc.evidence.find((e) => e.id === `telemetry:device ${c.id}`)?.data as DeviceReport | undefined;
        const off = rep ? Math.abs(rep.messages - c.packets) + rep.missing + rep.duplicates.exact + rep.duplicates.conflicting : c.packets;
        if (off) console.log(`  ${c.id}: sent ${c.packets}, analysed ${rep?.messages ?? 0}, missing ${rep?.missing}, duplicates ${rep?.duplicates.exact}`);
        unaccounted += rep ? Math.abs(rep.messages - c.packets) : c.packets;
      }
      results.push({ sent: totalSent, received: w.totals.received, unaccounted, achieved: totalSent / lab.publishS, probeRss: process.resourceUsage().maxRSS * 1024, labRss: lab.maxRssBytes });
      const failing = doc.results.filter((x) => x.status !== 'pass').map((x) => `${x.control} ${x.resource}: ${x.status}`);
      console.log(
        `  run ${r + 1}: sent ${totalSent.toLocaleString('en-US')} in ${lab.publishS.toFixed(1)} s (${fmtRate(totalSent / lab.publishS)}), received ${w.totals.received.toLocaleString('en-US')}, ` +
          `unaccounted ${unaccounted}, window ${(w.observedWindowMs / 1000).toFixed(1)} s, non-pass results: ${failing.length ? failing.join('; ') : 'none'}`,
      );
    } finally {
      child.send({ type: 'close' });
      await new Promise((r) => child.once('exit', r));
    }
  }
  console.log(
    `end to end (aedes, TLS, ${DEVICES} devices, ${RATE} msg/s target for ${SECONDS} s, ${E2E_RUNS} runs): median achieved ${fmtRate(median(results.map((x) => x.achieved)))}, ` +
      `median received ${median(results.map((x) => x.received)).toLocaleString('en-US')}, unaccounted in all runs: ${results.map((x) => x.unaccounted).join(', ')}`,
  );
  console.log(
    `  peak RSS: probe process (agent + telemetry check) ${mb(Math.max(...results.map((x) => x.probeRss)))} (${mb(rssBefore)} before the first run); ` +
      `lab process (aedes + ${DEVICES} devices) ${mb(Math.max(...results.map((x) => x.labRss)))}`,
  );
}

async function main(): Promise<void> {
  if (process.argv.includes('--lab-child')) return labChild();
  console.log(`telemetry benchmark — ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, node ${process.version}`);
  // End to end first: peak RSS is process-wide and monotonic, and the analyzer corpus would inflate it.
  if (E2E_RUNS > 0) await benchEndToEnd();
  benchAnalyzer();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
