// Records the evidence cases of the fast test tier into
// test/fixtures/evidence/<check>/<case>.json: `npm run record:evidence`.
//
// Recorded cases come from real runs through the runner: the lab gateway
// (aedes broker, fastify relay, simulated STM32 devices, certificates made
// now) on loopback, the device-link and gateway fixture trees, and the real
// Mosquitto logs under test/fixtures/broker-logs re-stamped into the window.
// Machine-specific values are replaced in config, evidence and results alike
// (the working folder becomes /lab, loopback ports the listeners' usual ones)
// and the case is judged again from the rewritten files: the recorder stops
// if that changes a single status, severity or resource. Derived cases take a
// recorded one and lose or alter records (what a stored run may look like);
// written cases build evidence that needs a real Raspberry Pi or a live
// system (throttling, clock, process owners, disk), typed by the checks' own
// declarations. Expected statuses are what the check judged when recorded:
// review the diff of test/fixtures/evidence after re-recording.
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { stringify } from 'yaml';
import type { PathauditConfig } from '../../config/schema/index.js';
import { loadConfigFile, type LoadedConfig } from '../../agent/config/load.js';
import { silentLogger } from '../../agent/log.js';
import { createCa, deviceCert, issue, serverCert } from '../../agent/lab/certs.js';
import { createLabPki, fixtureTree, startLabGateway, type LabDeviceSpec, type LabGateway, type LabGatewayOptions } from '../../agent/lab/gateway.js';
import { RELAY_PROFILES } from '../../agent/lab/relay.js';
import { executeRun } from '../../agent/runner/execute.js';
import { checkInfo } from '../../probes/catalogue.js';
import { absent, failed } from '../../probes/evidence.js';
import { clockEvidence, diskEvidence, powerEvidence, processesEvidence, thermalEvidence } from '../../probes/gateway-guardrails/evidence.js';
import { windowEvidence } from '../../probes/telemetry/evidence.js';
import type { Evidence } from '../../probes/types.js';
import { layTree } from '../probes/device-link/helpers.js';
import { freePort } from '../helpers/lab.js';
import { CASES_DIR, expectedOf, judge, rowKey, type EvidenceCase } from './cases.js';

const cleanups: Array<() => unknown> = [];
/** The test helpers register their clean-up on a tap Test; here, on this list. */
const teardown = { teardown: (fn: () => unknown) => cleanups.push(fn) } as unknown as Test;

function workDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Usual ports the lab's ephemeral ones are written as. */
const USUAL_PORTS: Record<string, number> = { mqtt: 1883, mqtts: 8883, ws: 8080, relay: 8443, 'mqtt-closed': 1884, 'mqtts-closed': 8884 };

interface Rewrite {
  /** Working folders → what they are written as. */
  dirs: Array<[string, string]>;
  /** Ephemeral port → the usual one. */
  ports: Array<[number, number]>;
}

/** Applies a rewrite to JSON text: folders anywhere, ports where an address or a `port` field names them. */
function rewriteText(text: string, rw: Rewrite): string {
  let out = text;
  for (const [from, to] of rw.dirs) out = out.split(from).join(to);
  for (const [from, to] of rw.ports) out = out.replace(new RegExp(`(127\\.0\\.0\\.1|\\[::1\\]|localhost|"port"):${from}(?!\\d)`, 'g'), `$1:${to}`);
  return out;
}
const rewrite = <T>(value: T, rw: Rewrite): T => JSON.parse(rewriteText(JSON.stringify(value), rw)) as T;

const written: string[] = [];
function writeCase(c: EvidenceCase): void {
  const rows = c.expected.map(rowKey);
  const twice = rows.filter((r, i) => rows.indexOf(r) !== i);
  if (twice.length) throw new Error(`${c.check}/${c.name}: more than one result for ${twice.join('; ')}`);
  mkdirSync(join(CASES_DIR, c.check), { recursive: true });
  const file = join(CASES_DIR, c.check, `${c.name}.json`);
  writeFileSync(file, `${JSON.stringify(c, null, 1)}\n`);
  written.push(`${c.check}/${c.name}`);
}

/** A case whose expected results are what the check judges now (derived and written cases). */
async function judgedCase(c: Omit<EvidenceCase, 'expected'>): Promise<EvidenceCase> {
  return { ...c, expected: expectedOf(await judge(c)) };
}

/**
 * Runs the checks through the runner and records one case per check: its
 * evidence, the evidence of the checks it needs, and its results, all
 * rewritten; then judges the rewritten case and insists on the same results.
 */
async function record(name: string, about: string, loaded: LoadedConfig, checks: string[], rw: Rewrite): Promise<EvidenceCase[]> {
  const at = new Date();
  const doc = await executeRun({ loaded, bundle: `record:${name}`, checks, trigger: 'cli', log: silentLogger(), now: () => at });
  const out: EvidenceCase[] = [];
  for (const id of checks) {
    const outcome = doc.run.checks.find((c) => c.check === id);
    if (outcome?.outcome !== 'completed') throw new Error(`${name}: ${id} did not complete (${outcome?.outcome}: ${outcome?.reason ?? ''}): record only what evaluate judges`);
    const info = checkInfo(id)!;
    const needs = new Set(info.controls.flatMap((c) => c.needs ?? []));
    const records = (check: string) => doc.evidence.filter((e) => e.check === check).map((e): Evidence => ({ key: e.id.slice(check.length + 1), kind: e.kind, resource: e.resource, data: e.data }));
    const c = rewrite(
      {
        check: id,
        name,
        about,
        now: at.toISOString(),
        config: loaded.config,
        evidence: records(id),
        otherEvidence: [...needs].flatMap(records),
        expected: [] as EvidenceCase['expected'],
      },
      rw,
    );
    const inRun = rewrite(
      doc.results.filter((r) => r.check === id).map((r) => `${rowKey(r)} ${r.status} ${r.severity}`),
      rw,
    ).sort();
    const results = await judge(c);
    const meta = new Map(info.controls.map((m) => [m.id, m.severity]));
    const again = results.map((r) => `${rowKey(r)} ${r.status} ${r.severity ?? meta.get(r.control)}`).sort();
    if (JSON.stringify(again) !== JSON.stringify(inRun))
      throw new Error(`${name}/${id}: judged again from the rewritten files, the results differ:\n  run:    ${inRun.filter((x) => !again.includes(x)).join('\n          ')}\n  again:  ${again.filter((x) => !inRun.includes(x)).join('\n          ')}`);
    out.push({ ...c, expected: expectedOf(results) });
  }
  return out;
}

/** The real Mosquitto log, its lines moved so the last one is `endAgoS` before now (broker-sessions reads a window ending now). */
function restampedLog(file: string, keep: (line: string) => boolean = () => true, endAgoS = 600): string {
  const lines = readFileSync(join(fixtureTree('broker-logs'), file), 'utf8').split('\n').filter(Boolean).filter(keep);
  const last = Number(lines.at(-1)!.split(':')[0]);
  const shift = Math.floor(Date.now() / 1000) - endAgoS - last;
  return `${lines.map((l) => l.replace(/^(\d+):/, (_m, s: string) => `${Number(s) + shift}:`)).join('\n')}\n`;
}

interface LabRun {
  gw: LabGateway;
  loaded: LoadedConfig;
  rw: Rewrite;
}

/** A lab gateway in a working folder, its config loaded after `prepare` edits it (the config file is rewritten, so secrets and paths load as the CLI loads them). */
async function lab(opts: Omit<LabGatewayOptions, 'dir'>, prepare?: (config: PathauditConfig, gw: LabGateway, dir: string) => void | Promise<void>): Promise<LabRun> {
  const dir = workDir('pathaudit-record-');
  const gw = await startLabGateway({ ...opts, dir });
  cleanups.push(() => gw.close());
  const config = structuredClone(gw.config);
  await prepare?.(config, gw, dir);
  writeFileSync(gw.configFile, stringify(config));
  const loaded = loadConfigFile(gw.configFile);
  const ports: Array<[number, number]> = [...gw.broker.listeners.map((l): [number, number] => [l.port, USUAL_PORTS[l.name]!]), [gw.relay.port, USUAL_PORTS.relay!]];
  return { gw, loaded, rw: { dirs: [[dir, '/lab']], ports } };
}

const ALL = ['broker-cert', 'broker-sessions', 'broker-transport', 'device-certs', 'device-link', 'gateway-guardrails', 'ingest-auth', 'telemetry'];
const LAB_TELEMETRY = { topics: ['devices/+/telemetry'], window_s: 3, publish_interval_s: 1, listener: 'mqtts' };

async function labProfiles(): Promise<EvidenceCase[]> {
  const out: EvidenceCase[] = [];
  for (const profile of ['weak', 'hardened'] as const) {
    const run = await lab({ profile, devices: 'demo' }, (config, _gw, dir) => {
      writeFileSync(join(dir, 'mosquitto.log'), restampedLog('mosquitto-2.0.11-notice.log'));
      config.broker!.log_file = join(dir, 'mosquitto.log');
    });
    out.push(
      ...(await record(
        `lab-${profile}`,
        `the lab gateway, ${profile} profile, with the demo's three simulated STM32 devices; broker-sessions reads the real Mosquitto 2.0.11 log (test/fixtures/broker-logs, notice level) re-stamped into the window`,
        run.loaded,
        ALL,
        run.rw,
      )),
    );
    await run.gw.close();
  }
  return out;
}

async function labDown(): Promise<EvidenceCase[]> {
  const run = await lab({ profile: 'hardened' }, (config) => {
    config.telemetry = LAB_TELEMETRY;
  });
  await run.gw.close();
  return record('lab-down', 'the lab gateway (hardened) configured, then stopped: every broker listener and the relay refuse connections', run.loaded, ['broker-transport', 'broker-cert', 'ingest-auth', 'telemetry'], run.rw);
}

async function labPartial(): Promise<EvidenceCase[]> {
  const [plain, legacy] = [await freePort(), await freePort()];
  const run = await lab({ profile: 'hardened' }, (config) => {
    config.broker!.listeners.push({ name: 'mqtt', port: plain, tls: false }, { name: 'legacy', port: legacy, tls: true });
    delete config.broker!.auth;
  });
  run.rw.ports.push([plain, USUAL_PORTS['mqtt-closed']!], [legacy, USUAL_PORTS['mqtts-closed']!]);
  return record(
    'lab-partial',
    'the lab gateway, hardened, with two more listeners declared that nothing listens on (plain and TLS, while the others answer), and no probe identity configured (broker.auth removed)',
    run.loaded,
    ['broker-transport', 'broker-cert'],
    run.rw,
  );
}

async function labPlainOnly(): Promise<EvidenceCase[]> {
  const run = await lab({ profile: 'weak' }, (config, gw) => {
    const b = config.broker!;
    b.listeners = b.listeners.filter((l) => !l.tls && !l.websocket);
    delete b.ca_file;
    delete b.cert_file;
    delete b.key_file;
    config.ingest = { url: `http://127.0.0.1:${gw.relay.port}/v1/ingest` };
  });
  return record(
    'lab-plain-only',
    'the lab gateway, weak, with only its plaintext MQTT listener declared, no broker certificate files, and the ingest endpoint as plain http without a credential',
    run.loaded,
    ['broker-transport', 'broker-cert', 'ingest-auth'],
    run.rw,
  );
}

async function labCredentials(): Promise<EvidenceCase[]> {
  const run = await lab({ profile: 'weak', broker: { anonymous: false }, relay: RELAY_PROFILES.hardened }, (config) => {
    // The relay's token is not the one the config names: the configured credential is refused.
    writeFileSync(config.ingest!.auth!.token_file!, 'ingest-a-token-the-relay-never-issued\n', { mode: 0o600 });
  });
  return record(
    'lab-credentials',
    'the lab broker, weak but refusing anonymous clients (any user name and password accepted), and the hardened relay with a configured token it never issued',
    run.loaded,
    ['broker-transport', 'ingest-auth'],
    run.rw,
  );
}

async function labBadCertificate(): Promise<EvidenceCase[]> {
  const pki = await createLabPki();
  // RSA 1024, SHA-1, 410 days, 10 days left, named for another host: an old broker build's certificate.
  pki.server = await issue({ subject: 'CN=other.local', issuer: pki.brokerCa, key: { type: 'rsa', bits: 1024 }, hash: 'SHA-1', notBeforeDays: -400, notAfterDays: 10, dns: ['other.local'], eku: ['serverAuth'] });
  const stranger = await createCa('CN=a CA the devices do not pin');
  const renewed = await serverCert(pki.brokerCa, { notAfterDays: 90 });
  const run = await lab({ profile: 'weak', pki }, (config, _gw, dir) => {
    writeFileSync(join(dir, 'trust', 'broker-ca.pem'), stranger.certPem);
    writeFileSync(config.broker!.cert_file!, renewed.certPem);
  });
  return record(
    'lab-bad-certificate',
    'the lab gateway, weak, serving an RSA-1024 SHA-1 certificate for other.local valid 410 days with 10 left; broker.ca_file names another CA and the certificate on disk is a renewal not reloaded',
    run.loaded,
    ['broker-cert'],
    run.rw,
  );
}

async function labExpiredCertificate(): Promise<EvidenceCase[]> {
  const pki = await createLabPki();
  // Expired, and named by its CN only (no SAN): RFC 9525 clients refuse the name.
  pki.server = await issue({ subject: 'CN=gateway.local', issuer: pki.brokerCa, notBeforeDays: -120, notAfterDays: -2, eku: ['serverAuth'] });
  const run = await lab({ profile: 'hardened', pki });
  return record('lab-expired-certificate', 'the lab gateway, hardened, serving a certificate that expired two days ago and names gateway.local in its CN only', run.loaded, ['broker-cert'], run.rw);
}

/** Simulated devices with one telemetry fault each; the stranger is not in the inventory. */
const FAULTY: LabDeviceSpec[] = [
  { id: 'dev-clean', knobs: { rateHz: 10, firmware: '2.4.1' } },
  { id: 'dev-dup', knobs: { rateHz: 10, duplicateRate: 0.2, firmware: '2.4.1' } },
  { id: 'dev-conflict', knobs: { rateHz: 10, conflictRate: 0.2, firmware: '2.4.1' } },
  { id: 'dev-gap', knobs: { rateHz: 10, gaps: [{ after: 5, skip: 20 }], firmware: '2.4.1' } },
  { id: 'dev-skew', knobs: { rateHz: 10, skewS: 600, firmware: '2.4.1' } },
  { id: 'dev-no-time', knobs: { rateHz: 10, timestamp: 'none', firmware: '2.4.1' } },
  { id: 'dev-reorder', knobs: { rateHz: 10, reorderRate: 0.3, firmware: '2.4.1' } },
  { id: 'dev-retain', knobs: { rateHz: 10, retain: true, firmware: '2.4.1' } },
  { id: 'dev-retained-only', knobs: { rateHz: 10, messages: 1, retain: true, firmware: '2.4.1' } },
  { id: 'dev-old-firmware', knobs: { rateHz: 10, firmware: '2.3.0' } },
  { id: 'dev-silent', knobs: { silent: true } },
  { id: 'dev-stranger', knobs: { rateHz: 10, firmware: '2.4.1' } },
];

async function labTelemetryFaults(): Promise<EvidenceCase[]> {
  const run = await lab({ profile: 'hardened', devices: FAULTY }, async (config, gw, dir) => {
    // The stranger publishes but is enrolled nowhere: not in the inventory, no certificate on file.
    unlinkSync(join(dir, 'devices', 'dev-stranger.pem'));
    config.devices!.inventory = config.devices!.inventory!.filter((d) => d.id !== 'dev-stranger');
    config.telemetry = { ...LAB_TELEMETRY, firmware: { pointer: '/fw', minimum: '2.4.0' } };
    // The retained-only device publishes once, before the probe subscribes (bounded: 50 × 100 ms).
    for (let i = 0; i < 50 && !gw.devices?.counts().some((d) => d.id === 'dev-retained-only' && d.acknowledged > 0); i++) await new Promise((r) => setTimeout(r, 100));
  });
  return record(
    'lab-telemetry-faults',
    'the lab gateway, hardened, with twelve simulated devices each showing one telemetry fault (duplicates, conflicting duplicates, a gap, clock skew, no timestamp, reordering, retained messages, one retained message only, old firmware, silence) and one device not in the inventory; firmware policy /fw ≥ 2.4.0',
    run.loaded,
    ['telemetry', 'device-certs'],
    run.rw,
  );
}

async function labSlowPublisher(): Promise<EvidenceCase[]> {
  const run = await lab({ profile: 'hardened', devices: [{ id: 'stm32-01', knobs: { rateHz: 10, firmware: '2.4.1' } }, { id: 'stm32-quiet', knobs: { silent: true } }] }, (config) => {
    // Devices that report once a minute cannot be called silent after three seconds.
    config.telemetry = { ...LAB_TELEMETRY, publish_interval_s: 60, firmware: { pointer: '/fw', minimum: '2.4.0' } };
  });
  return record(
    'lab-slow-publisher',
    'the lab gateway, hardened, with two devices (one silent) expected to publish once a minute: a three-second window cannot call a device silent; the one that publishes runs firmware 2.4.1 (policy /fw ≥ 2.4.0)',
    run.loaded,
    ['telemetry'],
    run.rw,
  );
}

/** A config file of the given sections in a working folder, loaded as the CLI loads it. */
function configIn(dir: string, config: PathauditConfig): LoadedConfig {
  const file = join(dir, 'pathaudit.yaml');
  writeFileSync(file, stringify({ gateway: { id: 'gw-fixture', site: 'recorded' }, ...config }));
  return loadConfigFile(file);
}

async function deviceCertificates(): Promise<EvidenceCase[]> {
  const dir = workDir('pathaudit-record-');
  const ca = await createCa('CN=fleet device CA');
  const other = await createCa('CN=a CA that is not the fleet');
  const certs = join(dir, 'devices');
  mkdirSync(certs);
  const put = (id: string, pem: string) => writeFileSync(join(certs, `${id}.pem`), pem);
  put('stm32-ok', (await deviceCert(ca, 'stm32-ok')).certPem);
  put('stm32-expired', (await deviceCert(ca, 'stm32-expired', { notBeforeDays: -400, notAfterDays: -5 })).certPem);
  put('stm32-weak', (await deviceCert(ca, 'stm32-weak', { key: { type: 'rsa', bits: 1024 } })).certPem);
  put('stm32-foreign', (await deviceCert(other, 'stm32-foreign')).certPem);
  put('stm32-ca', (await issue({ subject: 'CN=stm32-ca', issuer: ca, isCa: true, eku: ['serverAuth'] })).certPem);
  put('stm32-misfiled', (await deviceCert(ca, 'stm32-other-name')).certPem);
  put('stm32-garbage', '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
  writeFileSync(join(dir, 'device-ca.pem'), ca.certPem);
  writeFileSync(join(dir, 'not-a-ca.pem'), 'this is not a certificate\n');
  const rw: Rewrite = { dirs: [[dir, '/fixture']], ports: [] };
  const devices = (caFile: string) => ({ ca_file: join(dir, caFile), cert_dir: certs, inventory: [{ id: 'stm32-ok' }, { id: 'stm32-unfiled' }] });
  return [
    ...(await record(
      'certificate-folder',
      'a device certificate folder made now: good, expired, RSA-1024, from another CA, CA:TRUE without clientAuth, filed under the wrong device id, unparseable; an inventory device with no certificate',
      configIn(dir, { devices: devices('device-ca.pem') }),
      ['device-certs'],
      rw,
    )),
    ...(await record('unreadable-device-ca', 'the same folder with devices.ca_file naming a file that holds no certificate', configIn(dir, { devices: devices('not-a-ca.pem') }), ['device-certs'], rw)),
    ...(await record('no-certificates', 'an inventory of two devices with no certificate on record and no device CA', configIn(dir, { devices: { inventory: [{ id: 'stm32-01' }, { id: 'stm32-02' }] } }), ['device-certs'], rw)),
  ];
}

async function deviceLinkTrees(): Promise<EvidenceCase[]> {
  const out: EvidenceCase[] = [];
  const inventory = [{ id: 'stm32-01', usb_serial: '206F35A04D4B' }, { id: 'stm32-02', usb_serial: '205F31A04D4B' }, { id: 'stm32-03' }];
  for (const tree of ['device-link-weak', 'device-link-hardened'] as const) {
    const root = layTree(teardown, tree);
    const dir = join(root, '..');
    out.push(
      ...(await record(tree.replace('device-link-', 'tree-'), `the ${tree} fixture tree (test/fixtures/${tree}), its node modes and group as test/probes/device-link/helpers.ts lays them`, configIn(dir, { devices: { inventory, allowed_usb: ['12d1:1506'] }, guardrails: { root } }), ['device-link'], {
        dirs: [[root, `/fixture/${tree}`]],
        ports: [],
      })),
    );
  }
  // A partial sysfs: one device without idVendor and one whose product string reads EISDIR; a tty the kernel lists has no node.
  const root = join(workDir('pathaudit-record-'), 'partial');
  const dev = 'sys/devices/platform/axi/1000120000.pcie/1f00200000.usb/xhci-hcd.0/usb1';
  const files: Record<string, string> = {
    [`${dev}/idVendor`]: '1d6b\n',
    [`${dev}/1-1/idProduct`]: '5740\n',
    [`${dev}/1-1/bDeviceClass`]: '02\n',
    [`${dev}/1-2/idVendor`]: '0483\n',
    [`${dev}/1-2/idProduct`]: '5740\n',
    [`${dev}/1-2/bDeviceClass`]: '00\n',
    [`${dev}/1-2/product/x`]: 'a directory where a file should be',
    [`${dev}/1-2/1-2:1.0/bInterfaceClass`]: '08\n',
    'sys/class/tty/ttyACM0/dev': '166:0\n',
    'dev/null': '',
    'etc/group': 'dialout:x:20:\n',
  };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  mkdirSync(join(root, 'sys/bus/usb/devices'), { recursive: true });
  for (const [name, under] of [['usb1', ''], ['1-1', '1-1'], ['1-2', '1-2'], ['1-2:1.0', '1-2/1-2:1.0']] as const)
    symlinkSync(`../../../devices/platform/axi/1000120000.pcie/1f00200000.usb/xhci-hcd.0/usb1${under ? `/${under}` : ''}`, join(root, 'sys/bus/usb/devices', name));
  out.push(
    ...(await record(
      'tree-partial',
      'a tree with a partial sysfs (a device without idVendor, a product string that cannot be read) and a tty the kernel lists with no node under /dev',
      configIn(join(root, '..'), { devices: { inventory: [{ id: 'stm32-01', usb_serial: 'NOPE' }] }, guardrails: { root } }),
      ['device-link'],
      { dirs: [[root, '/fixture/partial']], ports: [] },
    )),
  );
  return out;
}

async function brokerLogs(): Promise<EvidenceCase[]> {
  const dir = workDir('pathaudit-record-');
  const rw: Rewrite = { dirs: [[dir, '/fixture']], ports: [] };
  const broker = (log: string, more: Record<string, unknown> = {}) => ({ host: '127.0.0.1', listeners: [{ name: 'mqtts', port: 8883, tls: true }], log_file: join(dir, log), ...more });
  const clients = ['stm32-01', 'twin', 'v6dev', 'good-cert', 'sub'].map((id) => ({ id }));
  writeFileSync(join(dir, 'all.log'), restampedLog('mosquitto-2.0.11-all.log'));
  // The same log without the client-id takeover (the two `twin` sessions).
  writeFileSync(join(dir, 'quiet.log'), restampedLog('mosquitto-2.0.11-all.log', (l) => !/\btwin\b/.test(l)));
  writeFileSync(join(dir, 'old.log'), restampedLog('mosquitto-2.0.11-notice.log', () => true, 2 * 86_400));
  const about = (what: string) => `the real Mosquitto 2.0.11 log (test/fixtures/broker-logs, log_type all) re-stamped into the window; ${what}`;
  return [
    ...(await record('strict-thresholds', about('thresholds of 2 refusals, 2 TLS failures and 1 reconnect, no inventory'), configIn(dir, { broker: broker('all.log', { auth_failure_threshold: 2, tls_failure_threshold: 2, max_reconnects: 1 }), devices: { inventory: [] } }), ['broker-sessions'], rw)),
    ...(await record('quiet', about('without the client-id takeover, every client id in the inventory'), configIn(dir, { broker: broker('quiet.log'), devices: { inventory: clients } }), ['broker-sessions'], rw)),
    ...(await record('old-log', 'the real Mosquitto 2.0.11 log (notice level) re-stamped to end two days ago: every line older than the window', configIn(dir, { broker: broker('old.log'), devices: { inventory: clients } }), ['broker-sessions'], rw)),
    ...(await record('missing-log', 'broker.log_file names a file that does not exist', configIn(dir, { broker: broker('gone.log'), devices: { inventory: clients } }), ['broker-sessions'], rw)),
  ];
}

/** The gateway tree of a profile with the Pi's thermal zone and firmware throttling report laid in. */
async function guardrailTrees(): Promise<EvidenceCase[]> {
  const out: EvidenceCase[] = [];
  const pi = { cool: { temp: '48150', throttled: '0' }, hot: { temp: '86300', throttled: '50005' } };
  for (const [profile, state] of [['hardened', 'cool'], ['weak', 'hot']] as const) {
    const dir = workDir('pathaudit-record-');
    const root = join(dir, 'rootfs');
    cpSync(fixtureTree(`gateway-${profile}`), root, { recursive: true, verbatimSymlinks: true });
    const zone = join(root, 'sys/class/thermal/thermal_zone0');
    mkdirSync(zone, { recursive: true });
    writeFileSync(join(zone, 'type'), 'cpu-thermal\n');
    writeFileSync(join(zone, 'temp'), `${pi[state].temp}\n`);
    writeFileSync(join(zone, 'trip_point_0_type'), 'passive\n');
    writeFileSync(join(zone, 'trip_point_0_temp'), '85000\n');
    const firmware = join(root, 'sys/devices/platform/soc@107c000000/soc@107c000000:firmware');
    mkdirSync(firmware, { recursive: true });
    writeFileSync(join(firmware, 'get_throttled'), `${pi[state].throttled}\n`);
    // A secret file that is a folder: its mode cannot be judged.
    mkdirSync(join(root, 'etc/pathaudit/secrets/api-token'), { recursive: true });
    chmodSync(join(root, 'etc/pathaudit/secrets/broker-password'), profile === 'weak' ? 0o644 : 0o600);
    out.push(
      ...(await record(
        `pi-${state}`,
        `the gateway-${profile} fixture tree with a Raspberry Pi thermal zone and firmware throttling report laid in (${state}), and a secret file that is a folder`,
        configIn(dir, { guardrails: { root, allowed_listeners: [22, 8883, 8443], secret_files: ['/etc/pathaudit/secrets/broker-password', '/etc/pathaudit/secrets/api-token'], disk: [{ mount: '/', min_free_percent: 10 }] } }),
        ['gateway-guardrails'],
        { dirs: [[dir, '/fixture']], ports: [] },
      )),
    );
  }
  const empty = workDir('pathaudit-record-');
  mkdirSync(join(empty, 'rootfs'));
  out.push(
    ...(await record(
      'empty-root',
      'an empty folder as guardrails.root (an image not mounted yet): every source absent',
      configIn(empty, { guardrails: { root: join(empty, 'rootfs'), allowed_listeners: [22], secret_files: ['/etc/pathaudit/secrets/broker-password'] } }),
      ['gateway-guardrails'],
      { dirs: [[empty, '/fixture']], ports: [] },
    )),
  );
  return out;
}

/**
 * Sources only the live system has (process owners, the clock, free disk):
 * written from what a Raspberry Pi OS gateway reports, in the shape the
 * collectors record, typed by the check's declarations.
 */
async function guardrailsLiveSources(base: EvidenceCase): Promise<EvidenceCase[]> {
  const now = base.now;
  const mk = (name: string, about: string, evidence: Evidence[], config = base.config) => judgedCase({ check: 'gateway-guardrails', name, about, now, config, evidence, otherEvidence: [] });
  const observed = <T extends object>(facts: T) => ({ state: 'observed' as const, ...facts });
  const config = { ...base.config, guardrails: { ...base.config.guardrails, process_names: { broker: ['mosquitto'], relay: ['node-red'] } } };
  const processes = (brokerEuid: number, relayEuid: number) =>
    processesEvidence.of(
      observed({
        source: '/proc/<pid>/status',
        wanted: { broker: ['mosquitto'], relay: ['node-red'] },
        processes: [
          { pid: 612, name: 'mosquitto', role: 'broker' as const, uid: brokerEuid, euid: brokerEuid, user: brokerEuid ? 'mosquitto' : 'root' },
          { pid: 701, name: 'node-red', role: 'relay' as const, uid: relayEuid, euid: relayEuid, user: relayEuid ? 'nodered' : 'root' },
        ],
      }),
    );
  const clock = (synchronized: boolean) =>
    clockEvidence.of(observed({ method: 'timedatectl' as const, synchronized, service: 'NTP=yes', observed: ['Timezone=Europe/Berlin', 'NTP=yes', `NTPSynchronized=${synchronized ? 'yes' : 'no'}`] }));
  const disk = (freePercent: number) =>
    diskEvidence.of('/', observed({ mount: '/', totalBytes: 31_000_000_000, availableBytes: Math.round(31_000_000_000 * (freePercent / 100)), freePercent, minFreePercent: 10 }));
  const replaced = (...keys: string[]) => base.evidence.filter((e) => !keys.includes(e.key));
  const live = [processesEvidence.key, clockEvidence.key, diskEvidence.key('/')];
  return [
    await mk('live-sound', 'written: the live sources of a sound gateway (broker and relay unprivileged, clock synchronised, 62 % free), beside the pi-cool tree', [...replaced(...live), processes(110, 1000), clock(true), disk(62)], config),
    await mk('live-unsound', 'written: the live sources of an unsound gateway (broker and relay as root, clock not synchronised, 4 % free), beside the pi-cool tree', [...replaced(...live), processes(0, 0), clock(false), disk(4)], config),
    await mk(
      'live-failed',
      'written: the live sources failing as the collectors report it (a command that timed out, an unreadable /proc or sysfs), beside the pi-cool tree',
      [
        ...replaced(...live, powerEvidence.key, thermalEvidence.key),
        processesEvidence.of(failed('reading /proc: EACCES')),
        clockEvidence.of(failed('`timedatectl show` gave no answer within the timeout (3000 ms)')),
        diskEvidence.of('/', failed('statfs /: EIO')),
        powerEvidence.of(failed('`vcgencmd get_throttled` gave no answer within the timeout (3000 ms)')),
        thermalEvidence.of(failed('reading /sys/class/thermal: EIO')),
      ],
      config,
    ),
    await mk(
      'live-absent',
      'written: a live system without these sources (no /proc, no clock service)',
      [...replaced(processesEvidence.key, clockEvidence.key), processesEvidence.of(absent('no process table: /proc not readable')), clockEvidence.of(absent('no clock synchronisation service to ask: no timedatectl binary; no chronyc binary'))],
      config,
    ),
  ];
}

/** Every record lost: what evaluate says about a stored run whose evidence is gone. */
function withoutEvidence(c: EvidenceCase): Promise<EvidenceCase> {
  return judgedCase({ ...c, name: `${c.name}-no-evidence`, about: `derived from ${c.name}: every evidence record removed`, evidence: [], otherEvidence: [] });
}

/** One record lost, the rest kept. */
function without(c: EvidenceCase, name: string, lost: (e: Evidence) => boolean, what: string): Promise<EvidenceCase> {
  return judgedCase({ ...c, name, about: `derived from ${c.name}: ${what}`, evidence: c.evidence.filter((e) => !lost(e)) });
}

async function derived(cases: EvidenceCase[]): Promise<EvidenceCase[]> {
  const find = (check: string, name: string) => {
    const c = cases.find((x) => x.check === check && x.name === name);
    if (!c) throw new Error(`no recorded case ${check}/${name}`);
    return c;
  };
  const out: EvidenceCase[] = [];
  for (const check of ALL) out.push(await withoutEvidence(find(check, check === 'device-link' ? 'tree-weak' : check === 'broker-sessions' ? 'strict-thresholds' : 'lab-hardened')));

  const hardened = find('broker-transport', 'lab-hardened');
  out.push(await without(hardened, 'lab-hardened-lost-records', (e) => /^(bind|anonymous|ws-upgrade|default-credentials|subscribe) /.test(e.key), 'the bind, anonymous CONNECT, WebSocket upgrade, default-credential and subscribe records removed'));
  out.push(await without(find('broker-cert', 'lab-hardened'), 'lab-hardened-lost-files', (e) => /^(trust-anchor|cert-file|key-file) /.test(e.key), 'the trust anchor, certificate file and key file records removed'));
  out.push(await without(find('ingest-auth', 'lab-hardened'), 'lab-hardened-lost-requests', (e) => e.key.startsWith('request ') || e.key.startsWith('tls-scan '), 'every request and the TLS scan record removed'));

  // Telemetry: a window cut short by the broker, with the devices' reports kept.
  const faults = find('telemetry', 'lab-telemetry-faults');
  const cut = faults.evidence.map((e) => (e.key === windowEvidence.key('') ? { ...e, data: { ...(e.data as object), interrupted: 'the broker closed the probe session' } } : e));
  out.push(await judgedCase({ ...faults, name: 'lab-telemetry-faults-interrupted', about: 'derived from lab-telemetry-faults: the window marked as cut short by the broker', evidence: cut }));

  // A hostile value where a stored run edited by hand could put it: bind records claiming an exposure with no address.
  const weak = find('broker-transport', 'lab-weak');
  out.push(
    await judgedCase({
      ...weak,
      name: 'lab-weak-hostile-bind',
      about: 'derived from lab-weak: bind records claiming an exposure beyond loopback with no address',
      evidence: weak.evidence.map((e) => (e.key.startsWith('bind ') ? { ...e, data: { ...(e.data as object), addresses: null, beyondLoopback: true } } : e)),
    }),
  );
  return out;
}

async function main(): Promise<void> {
  const started = performance.now();
  rmSync(CASES_DIR, { recursive: true, force: true });
  const recorded: EvidenceCase[] = [];
  for (const step of [labProfiles, labDown, labPartial, labPlainOnly, labCredentials, labBadCertificate, labExpiredCertificate, labTelemetryFaults, labSlowPublisher, deviceCertificates, deviceLinkTrees, brokerLogs, guardrailTrees]) {
    process.stdout.write(`${step.name} … `);
    const cases = await step();
    recorded.push(...cases);
    console.log(cases.map((c) => `${c.check}/${c.name}`).join(', '));
    while (cleanups.length) await cleanups.pop()!();
  }
  const made = [...(await derived(recorded)), ...(await guardrailsLiveSources(recorded.find((c) => c.check === 'gateway-guardrails' && c.name === 'pi-cool')!))];
  for (const c of [...recorded, ...made]) writeCase(c);
  console.log(`${written.length} cases written under ${CASES_DIR} in ${Math.round((performance.now() - started) / 1000)} s`);
}

// Only on request: a test runner handed this folder runs every file in it, and
// recording rewrites the committed cases.
if (process.argv.includes('--write'))
  main()
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    })
    .finally(async () => {
      while (cleanups.length) await Promise.resolve(cleanups.pop()!()).catch(() => {});
      // Lab clients may keep sockets open a moment after close.
      setTimeout(() => process.exit(), 100).unref();
    });
else console.log('usage: npm run record:evidence (tsx test/fast/record.ts --write): re-records test/fixtures/evidence');
