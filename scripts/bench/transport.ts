// Benchmark: TLS enumeration on one broker TLS listener, pathaudit's scan
// against sslscan on the same listener, taking turns in the same run; also
// the whole broker-transport check (in process) for scale. Prints medians,
// the ratios to sslscan, and whether the scan and sslscan see the same
// accepted suites per version.
//   node dist/scripts/bench/transport.js [--runs 5]
//
// Each contender is one entry of `contenders()`: to time something else on the
// same listener (e.g. the check as a process), add an entry there.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfigFile } from '../../agent/config/load.js';
import { silentLogger } from '../../agent/log.js';
import { executeRun } from '../../agent/runner/execute.js';
import { CHECK_IDS } from '../../probes/index.js';
import { scanTls } from '../../probes/tls/scan.js';
import { PROFILES, startLabBroker } from '../lab/broker.js';
import { createLabPki } from '../lab/gateway.js';
import { SSLSCAN, runSslscan, suiteMapOf, type SuiteMap } from './sslscan.js';
import { fmt, median } from './stats.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;

interface Listener {
  name: string;
  port: number;
  /** A config file auditing just this listener. */
  configFile: string;
}

interface Contender {
  name: string;
  what: string;
  /** One timed run; returns the suites seen when the contender enumerates them. */
  run: () => Promise<SuiteMap | null>;
}

function contenders(l: Listener): Contender[] {
  const loaded = loadConfigFile(l.configFile, { knownBundles: new Set(), knownChecks: CHECK_IDS });
  const list: Contender[] = [
    { name: 'scan', what: 'pathaudit TLS scan (versions SSLv3..1.3, every registered suite)', run: async () => suiteMapOf(await scanTls({ host: '127.0.0.1', port: l.port, timeoutMs: 3000 })) },
    {
      name: 'check',
      what: 'pathaudit broker-transport, whole check in process (TLS + MQTT + credentials + ACL probes)',
      run: async () => (await executeRun({ loaded, bundle: 'bench', checks: ['broker-transport'], trigger: 'cli', log: silentLogger() }), null),
    },
  ];
  if (SSLSCAN) list.push({ name: 'sslscan', what: 'sslscan --xml (protocols + suites only)', run: () => runSslscan('127.0.0.1', l.port) });
  return list;
}

function sameSuites(a: SuiteMap, b: SuiteMap): string[] {
  const diffs: string[] = [];
  for (const v of new Set([...Object.keys(a.suites), ...Object.keys(b.suites)])) {
    const x = a.suites[v] ?? [];
    const y = b.suites[v] ?? [];
    const onlyA = x.filter((c) => !y.includes(c));
    const onlyB = y.filter((c) => !x.includes(c));
    if (onlyA.length || onlyB.length) diffs.push(`${v}: only pathaudit [${onlyA.join(' ')}], only sslscan [${onlyB.join(' ')}]`);
  }
  return diffs;
}

async function measure(l: Listener): Promise<boolean> {
  const cs = contenders(l);
  const times = new Map(cs.map((c) => [c.name, [] as number[]]));
  const seen = new Map<string, SuiteMap>();
  for (let i = 0; i < runs; i++) {
    for (const c of cs) {
      // Let the previous contender's closing sockets and the broker settle: each one starts on a quiet event loop.
      await new Promise((r) => setTimeout(r, 100));
      const t0 = performance.now();
      const map = await c.run();
      times.get(c.name)!.push(performance.now() - t0);
      if (map) seen.set(c.name, map);
    }
  }
  console.log(`\n[${l.name} listener] 127.0.0.1:${l.port}`);
  for (const c of cs) console.log(`  ${c.name.padEnd(8)} median ${fmt(median(times.get(c.name)!)).padStart(10)}  ${c.what}`);
  const ours = seen.get('scan')!;
  console.log(`  scan sees: ${Object.entries(ours.suites).map(([v, s]) => `${v} ${s.length}`).join(', ') || 'nothing accepted'}`);
  if (!SSLSCAN) return true;
  const ref = median(times.get('sslscan')!);
  for (const c of cs.filter((x) => x.name !== 'sslscan')) console.log(`  ratio ${c.name} / sslscan: ${(median(times.get(c.name)!) / ref).toFixed(2)}`);
  const diffs = sameSuites(ours, seen.get('sslscan')!);
  console.log(`  same accepted suites per version as sslscan: ${diffs.length ? `NO — ${diffs.join('; ')}` : 'yes'}`);
  const scanRatio = median(times.get('scan')!) / ref;
  console.log(`  target scan / sslscan ≤ 1.0: ${scanRatio <= 1 ? 'met' : 'MISSED'}`);
  return scanRatio <= 1 && !diffs.length;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'pathaudit-bench-'));
  const pki = await createLabPki();
  const profiles = { weak: { ...PROFILES.weak, plaintext: false, websocket: false }, hardened: PROFILES.hardened };
  console.log(`TLS enumeration: pathaudit vs sslscan — ${runs} runs each, taking turns, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, node ${process.version}`);
  if (!SSLSCAN) console.log('sslscan not installed (apt-get install sslscan): printing pathaudit figures only');
  let ok = true;
  try {
    for (const [name, knobs] of Object.entries(profiles)) {
      const broker = await startLabBroker({ knobs, server: pki.server, users: { probe: 'bench-password' } });
      try {
        const port = broker.listeners.find((l) => l.tls)!.port;
        writeFileSync(join(dir, 'pw'), 'bench-password\n');
        const configFile = join(dir, `${name}.yaml`);
        writeFileSync(configFile, stringify({ broker: { host: '127.0.0.1', listeners: [{ name: 'mqtts', port, tls: true }], auth: { username: 'probe', password_file: join(dir, 'pw') } } }));
        ok = (await measure({ name, port, configFile })) && ok;
      } finally {
        await broker.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!ok) process.exitCode = 1;
}

await main();
