// Benchmark: TLS enumeration on a broker TLS listener, pathaudit's scan
// against sslscan on the same listener, taking turns in the same run; also
// the whole broker-transport check (in process) for scale. Listeners: the lab
// broker's weak and hardened TLS listeners (in this process), and Debian's
// Mosquitto with a legacy TLS 1.1 listener (its own process) when installed.
// Prints medians, the ratios to sslscan, and whether the scan and sslscan see
// the same accepted suites per version.
//   node dist/scripts/bench/transport.js [--runs 5]
//
// Each contender is one entry of `contenders()`, each listener one entry of
// `brokers` in main(): to time something else on the same listeners (e.g. the
// check as a process), add a contender.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfigFile } from '../../agent/config/load.js';
import { silentLogger } from '../../agent/log.js';
import { executeRun } from '../../agent/runner/execute.js';
import { CHECK_IDS } from '../../probes/catalogue.js';
import { scanTls } from '../../probes/tls/scan.js';
import { PROFILES, startLabBroker, type BrokerKnobs } from '../../agent/lab/broker.js';
import { serverCert, type Issued } from '../../agent/lab/certs.js';
import { createLabPki } from '../../agent/lab/gateway.js';
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

interface BenchBroker {
  name: string;
  start: () => Promise<{ port: number; close: () => Promise<void> }>;
}

const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p)) ?? null;

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Debian's Mosquitto in its own process, one TLS 1.1+ listener at security level 0 with an RSA key: a broker that is not in the bench's event loop. */
async function startMosquitto(dir: string, cert: Issued): Promise<{ port: number; close: () => Promise<void> }> {
  const port = await freePort();
  writeFileSync(join(dir, 'mq.crt'), cert.certPem);
  writeFileSync(join(dir, 'mq.key'), cert.keyPem, { mode: 0o600 });
  const conf = join(dir, 'mosquitto.conf');
  const lines = ['user root', 'persistence false', 'log_dest stderr', 'log_type error', `listener ${port} 127.0.0.1`, 'allow_anonymous true'];
  lines.push(`certfile ${join(dir, 'mq.crt')}`, `keyfile ${join(dir, 'mq.key')}`, 'tls_version tlsv1.1', 'ciphers DEFAULT:@SECLEVEL=0');
  writeFileSync(conf, `${lines.join('\n')}\n`);
  // Its log would list every hello the scans leave unfinished: not read.
  const child = spawn(MOSQUITTO!, ['-c', conf], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  for (;;) {
    const up = await new Promise<boolean>((r) => net.connect(port, '127.0.0.1').once('connect', function (this: net.Socket) { this.destroy(); r(true); }).once('error', () => r(false)));
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, close: () => new Promise<void>((r) => (child.exitCode !== null ? r() : (child.once('exit', () => r()), child.kill('SIGTERM')))) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'pathaudit-bench-'));
  const pki = await createLabPki();
  const lab = (knobs: BrokerKnobs) => async () => {
    const broker = await startLabBroker({ knobs, server: pki.server, users: { probe: 'bench-password' } });
    return { port: broker.listeners.find((l) => l.tls)!.port, close: () => broker.close() };
  };
  const brokers: BenchBroker[] = [
    { name: 'weak (lab, in process)', start: lab({ ...PROFILES.weak, plaintext: false, websocket: false }) },
    { name: 'hardened (lab, in process)', start: lab(PROFILES.hardened) },
  ];
  if (MOSQUITTO) brokers.push({ name: 'legacy TLS 1.1 (Mosquitto, own process)', start: async () => startMosquitto(dir, await serverCert(pki.brokerCa, { key: { type: 'rsa', bits: 2048 } })) });
  console.log(`TLS enumeration: pathaudit vs sslscan — ${runs} runs each, taking turns, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, node ${process.version}`);
  if (!SSLSCAN) console.log('sslscan not installed (apt-get install sslscan): printing pathaudit figures only');
  if (!MOSQUITTO) console.log('mosquitto not installed: the lab brokers only');
  let ok = true;
  try {
    writeFileSync(join(dir, 'pw'), 'bench-password\n');
    for (const [i, b] of brokers.entries()) {
      const { port, close } = await b.start();
      try {
        const configFile = join(dir, `broker-${i}.yaml`);
        writeFileSync(configFile, stringify({ broker: { host: '127.0.0.1', listeners: [{ name: 'mqtts', port, tls: true }], auth: { username: 'probe', password_file: join(dir, 'pw') } } }));
        ok = (await measure({ name: b.name, port, configFile })) && ok;
      } finally {
        await close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!ok) process.exitCode = 1;
}

await main();
