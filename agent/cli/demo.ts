// `pathaudit demo` (`npm run demo`): the whole engagement on a simulated
// Raspberry Pi gateway on loopback — Audit, Sprint, Retainer — with the HTML
// report, the backlog CSV and signed bundles written to ./out and verified.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { startLabGateway, type LabGateway } from '../lab/gateway.js';
import { sessionsEvidence, type SessionFacts } from '../../probes/broker-sessions/evidence.js';
import { SOURCES, usbEvidence, usbResource, type UsbObservation } from '../../probes/device-link/evidence.js';
import { loadConfigFile, type LoadedConfig } from '../config/load.js';
import { buildBacklog, retestPlan } from '../evidence/backlog.js';
import { exportBundle, verifyBundle } from '../evidence/bundle.js';
import { computeDelta } from '../evidence/delta.js';
import { keyFileOf, loadOrCreateKey } from '../evidence/signing.js';
import { takeSnapshot } from '../evidence/snapshot.js';
import { leadershipSummary, thresholdsFrom } from '../evidence/summary.js';
import { EXIT } from '../errors.js';
import { silentLogger } from '../log.js';
import { terminalLine } from '../reports/escape.js';
import { renderReport } from '../reports/index.js';
import type { FindingRecord, RunDocument } from '../runner/document.js';
import { runInProcess } from '../runner/index.js';
import type { EndedRun } from '../runner/lifecycle.js';
import { recordExport } from '../store/exports.js';
import { openStore, type Store } from '../store/index.js';
import type { Io } from './io.js';
import { renderSnapshotText } from './snapshot.js';
import { plural as n } from '../../probes/words.js';

const TOP_BACKLOG = 5;

interface Ctx {
  io: Io;
  gw: LabGateway;
  loaded: LoadedConfig;
  store: Store;
  out: string;
  started: number;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function audit(ctx: Ctx, plan: { bundle: string } | { checks: string[] }): Promise<EndedRun> {
  const { io } = ctx;
  const ended = await runInProcess({
    loaded: ctx.loaded,
    store: ctx.store,
    bundle: 'bundle' in plan ? plan.bundle : null,
    checks: 'checks' in plan ? plan.checks.join(',') : null,
    trigger: 'demo',
    log: silentLogger(),
    onProgress: (e) => {
      if (e.phase === 'start') io.stdout(`   · ${e.check} …\n`);
      if (e.phase === 'done' && e.outcome) io.stdout(`   ✓ ${e.check} ${e.outcome.outcome} in ${e.outcome.durationMs} ms\n`);
    },
  });
  const { doc } = ended;
  const f = doc.summary.findings;
  io.stdout(`   ${doc.summary.headline} (${f.critical} critical · ${f.high} high · ${f.medium} medium · ${f.low} low) — run ${doc.run.id}\n`);
  return ended;
}

/**
 * What a device-trust finding was observed in, quoted from its evidence: the
 * sysfs entry of a USB device, or the broker's log lines about a client id.
 */
function quoteEvidence(doc: RunDocument, f: FindingRecord): string[] {
  const out: string[] = [];
  for (const e of doc.evidence.filter((x) => f.evidence.includes(x.id))) {
    if (e.kind === usbEvidence.kind) {
      const usb = e.data as UsbObservation;
      const d = usb.state === 'observed' ? usb.devices.find((x) => usbResource(x) === f.resource) : undefined;
      if (d)
        out.push(
          `${SOURCES.usbDevices}/${d.busPath}: idVendor ${d.vendorId} idProduct ${d.productId} product "${d.product ?? ''}" serial ${d.serial ?? '(none)'}, interface classes ${d.interfaces.map((i) => i.interfaceClass).join(' ')}`,
        );
    }
    if (e.kind === sessionsEvidence.kind) {
      const id = f.resource.replace(/^client /, '');
      const s = e.data as SessionFacts;
      const lines = [...s.samples.takeovers, ...s.samples.authFailures, ...s.samples.tlsFailures].filter((l) => l.includes(` ${id} `));
      const client = s.clients.find((c) => c.id === id);
      out.push(...lines.slice(-2), ...(client?.sample ? [client.sample] : []));
      if (client) out.push(`${n(client.connects, 'connect')}, ${n(client.takeovers, 'takeover')} from ${client.addresses.join(', ')} between ${client.firstAt} and ${client.lastAt}`);
    }
  }
  return out;
}

function printFindings(io: Io, doc: RunDocument, opts: { evidence?: boolean } = {}): void {
  for (const x of doc.findings.filter((y) => !y.waived)) {
    io.stdout(`${terminalLine(`     - [${x.severity}] ${x.control} ${x.title} — ${x.resource}: ${x.detail}`)}\n`);
    if (opts.evidence) for (const line of quoteEvidence(doc, x)) io.stdout(`${terminalLine(`         evidence: ${line}`)}\n`);
  }
}

export async function demoCommand(flags: { dir?: string }, io: Io): Promise<number> {
  const started = performance.now();
  const out = resolve(flags.dir ?? 'out');
  const labDir = join(out, 'lab');
  // Every demo starts from nothing: a second run reuses no port, store or key.
  rmSync(labDir, { recursive: true, force: true });
  mkdirSync(join(out, 'bundles'), { recursive: true });

  io.stdout('pathaudit demo — a simulated Raspberry Pi gateway on loopback (nothing leaves this machine)\n');
  // What is plugged in stays through the sprint: hardening the software unplugs nothing.
  const gw = await startLabGateway({ profile: 'weak', usb: 'weak', dir: labDir, devices: 'demo' });
  const ports = gw.broker.listeners.map((l) => `${l.name} :${l.port}`).join(', ');
  const here = (p: string) => relative(process.cwd(), p) || '.';
  io.stdout(`lab: aedes broker (${ports}), ingest relay ${gw.config.ingest!.url}, 3 STM32 devices (stm32-01..03) on USB and MQTT, OS image ${here(gw.config.guardrails!.root!)}, broker log ${here(gw.config.broker!.log_file!)}\n`);
  // From here on every exit, a thrown error included (a store that cannot
  // open, e.g. better-sqlite3 built for another Node ABI), closes the lab: its
  // listeners would otherwise keep the process alive after the error.
  let store: Store | undefined;
  try {
    const loaded = loadConfigFile(gw.configFile);
    store = openStore(loaded.config.store!.path!);
    const ctx: Ctx = { io, gw, loaded, store, out, started };
    // 1. Audit
    io.stdout('\n== 1. Audit — audit-baseline on the weak gateway\n');
    const { doc: baseline, baselineSet } = await audit(ctx, { bundle: 'audit-baseline' });
    if (baselineSet) io.stdout(`   baseline: run ${baseline.run.id} is now the baseline (first completed audit-baseline run)\n`);
    const lead = leadershipSummary(baseline);
    io.stdout(`   next move: ${lead.decision.toUpperCase()} — ${lead.decisionRule}\n`);
    io.stdout('   top risks:\n');
    for (const r of lead.topRisks) io.stdout(`     - ${r}\n`);
    const backlog = buildBacklog(baseline);
    io.stdout(`   backlog (top ${Math.min(TOP_BACKLOG, backlog.length)} of ${backlog.length}):\n`);
    for (const b of backlog.slice(0, TOP_BACKLOG))
      io.stdout(`     ${b.rank}. [${b.severity}] ${b.control} ${b.title} — ${b.resource} (effort ${b.effort}; verify: ${b.verification.command})\n`);

    // 2. Sprint: the rerun re-tests every open finding of the baseline — the
    // checks of each backlog row's verify plan — so the delta can call each one
    // resolved or not on an observation (hardening-verification alone does not
    // run broker-cert, and a finding nobody re-tested is never "resolved").
    const retest = retestPlan(backlog);
    io.stdout(`\n== 2. Sprint — harden the gateway, rerun every check with an open finding: ${retest ? retest.command : 'nothing open'}\n`);
    io.stdout('   hardening: plaintext MQTT and WebSocket listeners closed · TLS 1.2+ with ECDHE+AEAD suites · broker passwords and ACLs\n');
    io.stdout('              HTTPS-only ingest with bearer auth, 400/413 on bad bodies, no banners · sshd keys only · nftables default-deny\n');
    io.stdout('              unattended security upgrades on · secret files and the broker key readable by their service only\n');
    await gw.reconfigure('hardened');
    const { doc: sprint } = await audit(ctx, retest ? { checks: retest.checks } : { bundle: 'hardening-verification' });
    const thresholds = thresholdsFrom(loaded.config);
    const delta = computeDelta(baseline, sprint, { thresholds });
    io.stdout(`   delta to the baseline: ${delta.headline}\n`);
    for (const c of delta.notRetestedChecks) io.stdout(`   not re-tested: ${c.reason}\n`);
    io.stdout(`   next move: ${delta.nextMove.decision.toUpperCase()} — ${delta.nextMove.decisionRule}\n`);

    // 3. Retainer
    io.stdout('\n== 3. Retainer — certificate-hygiene, telemetry-trust and device-trust, then the monthly snapshot\n');
    const { doc: certs } = await audit(ctx, { bundle: 'certificate-hygiene' });
    printFindings(io, certs);
    const { doc: telemetry } = await audit(ctx, { bundle: 'telemetry-trust' });
    printFindings(io, telemetry);
    io.stdout("   device-trust: what is plugged into the gateway and what the broker's own log says of the devices (the audit's bundle runs neither)\n");
    const { doc: devices } = await audit(ctx, { bundle: 'device-trust' });
    printFindings(io, devices, { evidence: true });
    const snapshot = takeSnapshot(store, undefined, new Date(), { thresholds });
    io.stdout(`\n   snapshot ${snapshot.month}:\n`);
    for (const line of renderSnapshotText(snapshot).trimEnd().split('\n')) io.stdout(`   ${line}\n`);

    // Outputs, each bundle verified before the demo says it is there.
    io.stdout('\n== Evidence\n');
    const write = (name: string, body: string) => {
      writeFileSync(join(out, name), body);
      io.stdout(`   wrote ${relative(process.cwd(), join(out, name))}\n`);
    };
    write('report.html', renderReport(baseline, 'html', { store, thresholds }).body);
    write('report-sprint.html', renderReport(sprint, 'html', { store, delta, thresholds }).body);
    write('backlog.csv', renderReport(baseline, 'csv', { store, thresholds }).body);
    const keyFile = keyFileOf(loaded);
    const key = loadOrCreateKey(keyFile);
    let allVerified = true;
    for (const doc of [baseline, sprint, certs, telemetry, devices]) {
      const file = join(out, 'bundles', `${doc.run.id}.tar.gz`);
      const data = await exportBundle(store, doc.run.id, keyFile, { secrets: loaded.secrets, thresholds });
      writeFileSync(file, data);
      recordExport(store, { runId: doc.run.id, exportedAt: new Date().toISOString(), destination: file, keyFingerprint: key.fingerprint, trigger: 'demo' }, data);
      const v = verifyBundle(data, { pubkeyPem: key.publicKeyPem, store });
      allVerified &&= v.ok;
      io.stdout(`   ${v.ok ? '✓' : '✗'} ${relative(process.cwd(), file)} (${doc.run.bundle}) ${v.ok ? `signed and verified, key ${v.keyFingerprint}` : `VERIFICATION FAILED: ${v.problems.join('; ')}`}\n`);
    }
    io.stdout(`\ndemo finished in ${secs(performance.now() - started)}. Try: pathaudit report latest --format md --config ${relative(process.cwd(), gw.configFile)}\n`);
    return allVerified ? EXIT.ok : EXIT.runFailed;
  } finally {
    store?.close();
    await gw.close();
  }
}
