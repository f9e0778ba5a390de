// Benchmark: broker-transport on one TLS listener vs sslscan on the same
// listener, in the same run, interleaved; prints medians, the ratio and
// whether both reach the same verdict on TLS versions and weak suites.
//   node dist/scripts/bench/transport.js [--runs 7]
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { loadConfigFile } from '../../agent/config/load.js';
import { silentLogger } from '../../agent/log.js';
import { executeRun } from '../../agent/runner/execute.js';
import { CHECK_IDS } from '../../probes/index.js';
import { enumerateTls12Ciphers, judgeCiphers, probeTlsVersions } from '../../probes/tls.js';
import { PROFILES, startLabBroker } from '../lab/broker.js';
import { createLabPki } from '../lab/gateway.js';
import { fmt, median } from './stats.js';

const run = promisify(execFile);
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 7;
const SSLSCAN = ['/usr/bin/sslscan', '/usr/local/bin/sslscan'].find((p) => existsSync(p));
const TESTSSL = ['/usr/bin/testssl.sh', '/usr/local/bin/testssl.sh', '/usr/bin/testssl', '/usr/local/bin/testssl'].find((p) => existsSync(p));

interface Verdict {
  versions: string[];
  tls12: string[];
  weak: string[];
}

function parseSslscan(out: string): Verdict {
  const versions = [...out.matchAll(/^(TLSv1\.[0-3])\s+enabled/gm)].map((m) => m[1]!.replace('TLSv1.0', 'TLSv1'));
  const tls12 = [...out.matchAll(/^(?:Preferred|Accepted)\s+TLSv1\.2\s+\d+ bits\s+(\S+)/gm)].map((m) => m[1]!);
  return { versions, tls12: tls12.sort(), weak: judgeCiphers(tls12).weak.map((w) => w.cipher).sort() };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'pathaudit-bench-'));
  const pki = await createLabPki();
  const profiles = { weak: { ...PROFILES.weak, plaintext: false, websocket: false }, hardened: PROFILES.hardened };
  console.log(`broker-transport vs sslscan — ${runs} interleaved runs each, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, node ${process.version}`);
  if (!SSLSCAN) console.log('sslscan not installed (apt-get install sslscan): printing pathaudit figures only');
  console.log(`testssl.sh: ${TESTSSL ? `found at ${TESTSSL}, not compared by this benchmark` : 'not installed: no comparison'}`);
  for (const [name, knobs] of Object.entries(profiles)) {
    const broker = await startLabBroker({ knobs, server: pki.server, users: { probe: 'bench-password' } });
    const port = broker.listeners.find((l) => l.tls)!.port;
    writeFileSync(join(dir, 'pw'), 'bench-password\n');
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, stringify({ broker: { host: '127.0.0.1', listeners: [{ name: 'mqtts', port, tls: true }], auth: { username: 'probe', password_file: join(dir, 'pw') } } }));
    const loaded = loadConfigFile(file, { knownBundles: new Set(), knownChecks: CHECK_IDS });
    const target = { host: '127.0.0.1', port, timeoutMs: 3000 };
    const check: number[] = [];
    const tlsOnly: number[] = [];
    const scan: number[] = [];
    let ours: Verdict | null = null;
    let theirs: Verdict | null = null;
    for (let i = 0; i < runs; i++) {
      let t0 = performance.now();
      await executeRun({ loaded, bundle: 'bench', checks: ['broker-transport'], trigger: 'cli', log: silentLogger() });
      check.push(performance.now() - t0);
      t0 = performance.now();
      const [versions, ciphers] = await Promise.all([probeTlsVersions(target), enumerateTls12Ciphers(target)]);
      tlsOnly.push(performance.now() - t0);
      ours = { versions: versions.filter((v) => v.accepted).map((v) => v.version), tls12: ciphers.accepted.sort(), weak: judgeCiphers(ciphers.accepted).weak.map((w) => w.cipher).sort() };
      if (SSLSCAN) {
        t0 = performance.now();
        const { stdout } = await run(SSLSCAN, ['--no-colour', '--no-groups', '--no-heartbleed', '--no-renegotiation', '--no-compression', '--no-fallback', '--no-check-certificate', `127.0.0.1:${port}`]);
        scan.push(performance.now() - t0);
        theirs = parseSslscan(stdout);
      }
    }
    console.log(`\n[${name} listener] 127.0.0.1:${port}`);
    console.log(`  pathaudit broker-transport (whole check: TLS + MQTT + credentials + ACL probes): median ${fmt(median(check))}`);
    console.log(`  pathaudit TLS part only (versions + TLS 1.2 suites):                             median ${fmt(median(tlsOnly))}`);
    if (SSLSCAN && theirs) {
      console.log(`  sslscan (protocols + suites only):                                               median ${fmt(median(scan))}`);
      console.log(`  ratio whole check / sslscan: ${(median(check) / median(scan)).toFixed(2)} · TLS part / sslscan: ${(median(tlsOnly) / median(scan)).toFixed(2)} (target ≤ 1.0: whole check ${median(check) / median(scan) <= 1 ? 'met' : 'MISSED'}, TLS part ${median(tlsOnly) / median(scan) <= 1 ? 'met' : 'MISSED'})`);
      const same = JSON.stringify(ours!.versions) === JSON.stringify(theirs.versions) && JSON.stringify(ours!.weak) === JSON.stringify(theirs.weak);
      console.log(`  versions: pathaudit ${ours!.versions.join(',')} · sslscan ${theirs.versions.join(',')}`);
      console.log(`  weak TLS 1.2 suites: pathaudit [${ours!.weak.join(', ')}] · sslscan [${theirs.weak.join(', ')}]`);
      console.log(`  same verdict: ${same ? 'yes' : 'NO'}`);
      if (!same || median(tlsOnly) > median(scan) || median(check) > median(scan)) process.exitCode = 1;
    }
    await broker.close();
  }
  rmSync(dir, { recursive: true, force: true });
}

await main();
