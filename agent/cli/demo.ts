// `pathaudit demo`: the simulated field setup on loopback, audited before and
// after hardening. (Grows into the full three-stage story with issue #8.)
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { startLabGateway } from '../../scripts/lab/gateway.js';
import { loadConfigFile } from '../config/load.js';
import { silentLogger } from '../log.js';
import { BUILTIN_BUNDLES } from '../runner/bundles.js';
import { runAndStore } from '../runner/index.js';
import { CHECK_IDS } from '../../probes/index.js';
import { openStore } from '../store/index.js';
import type { Io } from './io.js';

export async function demoCommand(flags: { dir?: string }, io: Io): Promise<number> {
  const dir = resolve(flags.dir ?? 'out', 'lab');
  rmSync(dir, { recursive: true, force: true });
  const started = performance.now();
  io.stdout('pathaudit demo — a simulated gateway on loopback\n\n');
  const gw = await startLabGateway({ profile: 'weak', dir });
  try {
    const loaded = loadConfigFile(gw.configFile, { knownBundles: new Set(Object.keys(BUILTIN_BUNDLES)), knownChecks: CHECK_IDS });
    const store = openStore(loaded.config.store!.path!);
    try {
      for (const stage of ['Audit (weak gateway)', 'Sprint (hardened gateway)'] as const) {
        if (stage.startsWith('Sprint')) {
          io.stdout('hardening the lab: plaintext and WebSocket listeners closed, TLS 1.2+ with AEAD suites, authentication and ACLs on\n\n');
          await gw.reconfigure('hardened');
        }
        io.stdout(`== ${stage}\n`);
        const doc = await runAndStore({
          loaded,
          store,
          bundle: null,
          checks: 'broker-transport',
          trigger: 'demo',
          log: silentLogger(),
          onProgress: (e) => e.phase === 'done' && io.stdout(`   ${e.check}: ${e.outcome?.outcome} in ${e.outcome?.durationMs} ms\n`),
        });
        io.stdout(`   ${doc.summary.headline} · next move: ${doc.summary.decision}\n`);
        for (const f of doc.findings) io.stdout(`   - ${f.severity.padEnd(8)} ${f.control} ${f.title} (${f.resource})\n`);
        io.stdout('\n');
      }
    } finally {
      store.close();
    }
  } finally {
    await gw.close();
  }
  io.stdout(`demo finished in ${((performance.now() - started) / 1000).toFixed(1)} s; lab files in ${dir}\n`);
  return 0;
}
