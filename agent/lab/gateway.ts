// The simulated field setup: a Raspberry-Pi-like gateway on loopback. It
// starts the lab services (MQTT broker, ingest relay) for a profile, writes their certificates and
// secrets into a working folder, and describes itself as a pathaudit config
// (object and YAML file) so the CLI, tests and the demo audit it like a real
// gateway.
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { PathauditConfig } from '../../config/schema/index.js';
import { MESSAGES, MosquittoLog, type LoggedLine } from './broker-log.js';
import { startLabBroker, PROFILES, type BrokerKnobs, type LabBroker } from './broker.js';
import { createCa, deviceCert, issue, serverCert, type Issued } from './certs.js';
import { startDevices, type DeviceKnobs, type RunningDevices } from './devices.js';
import { INGEST_PATH, RELAY_PROFILES, startLabRelay, type LabRelay, type RelayKnobs } from './relay.js';
import { labSerialGroup, labUsbBus, labUsbSerial, layUsbBus, type LabUsbDevice } from './usb.js';

export type Profile = 'weak' | 'hardened';

export const PROBE_USER = 'pathaudit-probe';

export interface LabPki {
  brokerCa: Issued;
  server: Issued;
}

export async function createLabPki(): Promise<LabPki> {
  const brokerCa = await createCa('CN=pathaudit lab broker CA');
  const server = await serverCert(brokerCa);
  return { brokerCa, server };
}

export interface LabGateway {
  /** The profile running now (changes with reconfigure). */
  profile: Profile;
  dir: string;
  broker: LabBroker;
  /** The ingest relay (restarted on the same port by reconfigure). */
  relay: LabRelay;
  pki: LabPki;
  config: PathauditConfig;
  configFile: string;
  /**
   * Restarts the lab services with another profile on the same ports, the way
   * an operator hardens a gateway in place: the path config stays as it was,
   * so runs before and after are comparable resource by resource.
   */
  /** The simulated STM32 devices, when the gateway was started with some. */
  devices: RunningDevices | null;
  reconfigure(profile: Profile, overrides?: Partial<BrokerKnobs>, relayOverrides?: Partial<RelayKnobs>): Promise<void>;
  close(): Promise<void>;
}

export interface LabGatewayOptions {
  profile: Profile;
  /** Working folder for certificates, secrets, config and the store. */
  dir: string;
  /** Knob overrides on top of the profile. */
  broker?: Partial<BrokerKnobs>;
  /** Relay knob overrides on top of the profile. */
  relay?: Partial<RelayKnobs>;
  pki?: LabPki;
  /** Extra config merged over the generated one. */
  config?: Partial<PathauditConfig>;
  /** Simulated STM32 devices publishing telemetry over the TLS listener ('demo' = the demo's three). */
  devices?: LabDeviceSpec[] | 'demo';
  /**
   * What is plugged into the gateway's USB ports, as this profile has it
   * (weak: a board in DFU mode and an ST-LINK beside the devices), kept
   * through reconfigure: hardening the software unplugs nothing. Default: the
   * running profile's.
   */
  usb?: Profile;
}

export interface LabDeviceSpec {
  id: string;
  /** Certificate knobs: days to expiry, or share another device's key. */
  cert?: { notAfterDays?: number; shareKeyWith?: string };
  knobs?: DeviceKnobs;
  /**
   * A second board flashed with this device's image (its client id and
   * credentials) is online first; when the device connects, the broker closes
   * the other session: a client-id takeover in the broker's log (BS-01).
   */
  twin?: boolean;
}

/**
 * The demo's fleet: stm32-01's certificate expires in 10 days, stm32-02 and
 * stm32-03 were flashed with the same key, stm32-02 redelivers 5% of its
 * readings (QoS 1 without de-duplication), and a second board flashed with
 * stm32-02's image held its client id until stm32-02 took it over.
 */
export const DEMO_DEVICES: LabDeviceSpec[] = [
  { id: 'stm32-01', cert: { notAfterDays: 10 }, knobs: { rateHz: 10 } },
  { id: 'stm32-02', knobs: { rateHz: 10, duplicateRate: 0.05 }, twin: true },
  { id: 'stm32-03', cert: { shareKeyWith: 'stm32-02' }, knobs: { rateHz: 10 } },
];

interface LabFleet {
  specs: LabDeviceSpec[];
  certs: Map<string, Issued>;
  passwords: Record<string, string>;
  deviceCa: Issued;
}

async function createFleet(specs: LabDeviceSpec[], dir: string): Promise<LabFleet> {
  const deviceCa = await createCa('CN=pathaudit lab device CA');
  const certs = new Map<string, Issued>();
  for (const d of specs) {
    const shared = d.cert?.shareKeyWith ? certs.get(d.cert.shareKeyWith) : undefined;
    certs.set(d.id, shared ? await issue({ subject: `CN=${d.id}`, issuer: deviceCa, eku: ['clientAuth'], reuseKeys: shared, notAfterDays: d.cert?.notAfterDays ?? 365 }) : await deviceCert(deviceCa, d.id, { notAfterDays: d.cert?.notAfterDays ?? 365 }));
  }
  mkdirSync(join(dir, 'devices'), { recursive: true });
  writeFileSync(join(dir, 'trust', 'device-ca.pem'), deviceCa.certPem);
  for (const [id, c] of certs) writeFileSync(join(dir, 'devices', `${id}.pem`), c.certPem);
  const passwords = Object.fromEntries(specs.map((d) => [d.id, `dev-${randomBytes(9).toString('base64url')}`]));
  return { specs, certs, passwords, deviceCa };
}

function startFleet(fleet: LabFleet, port: number, ca: string, specs = fleet.specs): Promise<RunningDevices> {
  return startDevices({
    url: `mqtts://127.0.0.1:${port}`,
    ca,
    servername: 'gateway.local',
    devices: specs.map((d) => ({ id: d.id, cert: fleet.certs.get(d.id), username: d.id, password: fleet.passwords[d.id], knobs: d.knobs })),
  });
}

/**
 * Brings the fleet online the first time: each twin board connects first
 * (silent) under its device's id, then the devices, each twin's device taking
 * the session over. The broker logs a takeover while it authenticates the
 * new session, before its CONNACK, so once every device is connected every
 * takeover is in the log. Then it waits for the clock to pass the second the
 * last was logged in: log lines carry whole seconds and run windows are
 * widened to whole seconds, so a run starting in that second would take the
 * takeover for its own traffic.
 */
async function startFleetWithTakeovers(fleet: LabFleet, port: number, ca: string, log: MosquittoLog): Promise<RunningDevices> {
  const twins = fleet.specs.filter((d) => d.twin).map((d) => ({ ...d, knobs: { silent: true } }));
  if (!twins.length) return startFleet(fleet, port, ca);
  const logged = new Map<string, LoggedLine>();
  const note = (l: LoggedLine) => {
    for (const d of twins) if (l.message === MESSAGES.takeover(d.id)) logged.set(d.id, l);
  };
  log.on('line', note);
  let devices: RunningDevices;
  try {
    const boards = await startFleet(fleet, port, ca, twins);
    try {
      devices = await startFleet(fleet, port, ca);
    } finally {
      await boards.stop();
    }
  } finally {
    log.off('line', note);
  }
  const missing = twins.filter((d) => !logged.has(d.id)).map((d) => d.id);
  if (missing.length) {
    await devices.stop();
    throw new Error(`the lab broker logged no client-id takeover for ${missing.join(', ')} (${log.file})`);
  }
  // A timer may fire a millisecond early by the wall clock: wait until Date.now() says so.
  const next = (Math.max(...[...logged.values()].map((l) => l.epochS)) + 1) * 1000;
  for (let wait = next - Date.now(); wait > 0; wait = next - Date.now()) await new Promise((r) => setTimeout(r, wait));
  return devices;
}

/** Secret files both guardrail fixture trees carry, and the mode each profile gives them (git keeps no modes). */
export const FIXTURE_SECRET_FILES = ['/etc/pathaudit/secrets/broker-password', '/etc/mosquitto/certs/server.key'];
export const LAB_ALLOWED_LISTENERS = [22, 8883, 8443];

/** test/fixtures/<name>, found from this module both as source (tap) and as dist/ output. */
export function fixtureTree(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'test', 'fixtures', name);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`lab fixture ${name} not found (test/fixtures/${name} in the repository)`);
}

/**
 * The gateway's OS as the guardrails and device-link see it: a Raspberry Pi
 * OS-shaped tree (sshd, sockets, firewall, apt, secret files) laid into
 * `<dir>/rootfs`, with the USB bus `usb` in its sysfs and /dev. Hardening
 * replaces the tree in place, as an operator's changes would.
 */
export function layRootfs(dir: string, profile: Profile, usb: readonly LabUsbDevice[] = []): string {
  const root = join(dir, 'rootfs');
  rmSync(root, { recursive: true, force: true });
  cpSync(fixtureTree(`gateway-${profile}`), root, { recursive: true, verbatimSymlinks: true });
  for (const f of FIXTURE_SECRET_FILES) chmodSync(join(root, f), profile === 'weak' ? 0o644 : 0o600);
  labBrokerAccount(root);
  labSerialGroup(root);
  layUsbBus(root, usb);
  return root;
}

/**
 * The lab's broker (aedes, in this process) runs as whoever runs the lab, and
 * the lab's key file belongs to them: the image's /etc/passwd names that
 * account (added when the image has no entry for its uid), and the lab config
 * gives it as broker.user — the account BC-09 judges the key against.
 */
export function labBrokerAccount(root: string): string {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const passwd = join(root, 'etc', 'passwd');
  const known = readFileSync(passwd, 'utf8')
    .split('\n')
    .map((l) => l.split(':'))
    .find((f) => f[2] === String(uid));
  if (known) return known[0]!;
  const name = 'labbroker';
  appendFileSync(passwd, `${name}:x:${uid}:${gid}:pathaudit lab broker:/nonexistent:/usr/sbin/nologin\n`);
  appendFileSync(join(root, 'etc', 'group'), `${name}:x:${gid}:\n`);
  return name;
}

function writeSecret(dir: string, name: string, value: string): string {
  const file = join(dir, 'secrets', name);
  mkdirSync(join(dir, 'secrets'), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return file;
}

export async function startLabGateway(opts: LabGatewayOptions): Promise<LabGateway> {
  mkdirSync(opts.dir, { recursive: true });
  const pki = opts.pki ?? (await createLabPki());
  const probePassword = `lab-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
  const knobs = { ...PROFILES[opts.profile], ...opts.broker };
  mkdirSync(join(opts.dir, 'trust'), { recursive: true });
  const specs = opts.devices === 'demo' ? DEMO_DEVICES : (opts.devices ?? []);
  const fleet = specs.length ? await createFleet(specs, opts.dir) : null;
  const users = { [PROBE_USER]: probePassword, ...fleet?.passwords };
  // The broker's own log, as Mosquitto writes it (log_dest file), outside the image so hardening keeps it.
  const log = new MosquittoLog(join(opts.dir, 'log', 'mosquitto.log'));
  const broker = await startLabBroker({ knobs, server: pki.server, users, log });
  // Devices' bearer token for the relay: the hardened relay requires it, the weak one ignores it.
  const ingestToken = `ingest-${randomBytes(18).toString('base64url')}`;
  const relayKnobs = { ...RELAY_PROFILES[opts.profile], ...opts.relay };
  let relay: LabRelay;
  try {
    relay = await startLabRelay({ knobs: relayKnobs, server: pki.server, token: ingestToken });
  } catch (err) {
    await broker.close();
    throw err;
  }

  writeFileSync(join(opts.dir, 'trust', 'broker-ca.pem'), pki.brokerCa.certPem);
  const passwordFile = writeSecret(opts.dir, 'broker-password', probePassword);
  writeFileSync(join(opts.dir, 'trust', 'ingest-ca.pem'), pki.brokerCa.certPem);
  const tokenFile = writeSecret(opts.dir, 'ingest-token', ingestToken);
  // The broker's certificate and key as they sit on the gateway's disk (BC-08
  // compares the served one; BC-09 reads the key's mode: 0644 on the weak gateway).
  mkdirSync(join(opts.dir, 'certs'), { recursive: true });
  const certFile = join(opts.dir, 'certs', 'server.crt');
  const keyFile = join(opts.dir, 'certs', 'server.key');
  writeFileSync(certFile, pki.server.certPem);
  writeFileSync(keyFile, pki.server.keyPem);
  const setKeyMode = (profile: Profile) => chmodSync(keyFile, profile === 'weak' ? 0o644 : 0o600);
  setKeyMode(opts.profile);

  const busOf = (profile: Profile) => labUsbBus(opts.usb ?? profile, specs.map((d) => d.id));
  const rootfs = layRootfs(opts.dir, opts.profile, busOf(opts.profile));
  const config: PathauditConfig = {
    gateway: { id: `lab-${opts.profile}`, site: 'loopback lab' },
    path: { name: 'telemetry ingest path (lab)', pressure: 'demo', deadline: '2026-12-15' },
    broker: {
      host: knobs.bindHost === '0.0.0.0' ? '127.0.0.1' : knobs.bindHost,
      servername: 'gateway.local',
      listeners: broker.listeners.map((l) => ({ name: l.name, port: l.port, tls: l.tls, ...(l.websocket ? { websocket: true } : {}) })),
      auth: { username: PROBE_USER, password_file: passwordFile },
      ca_file: join(opts.dir, 'trust', 'broker-ca.pem'),
      cert_file: certFile,
      key_file: keyFile,
      user: labBrokerAccount(rootfs),
      log_file: log.file,
    },
    // One URL for both profiles (the weak relay answers TLS and plain HTTP on
    // the same port), so resource ids and deltas stay comparable after hardening.
    ingest: {
      url: `${relayKnobs.tls ? 'https' : 'http'}://127.0.0.1:${relay.port}${INGEST_PATH}`,
      servername: 'gateway.local',
      ca_file: join(opts.dir, 'trust', 'ingest-ca.pem'),
      max_body_bytes: RELAY_PROFILES.hardened.bodyLimit!,
      auth: { type: 'bearer', token_file: tokenFile },
    },
    ...(fleet
      ? {
          devices: {
            ca_file: join(opts.dir, 'trust', 'device-ca.pem'),
            cert_dir: join(opts.dir, 'devices'),
            inventory: fleet.specs.map((d) => ({ id: d.id, usb_serial: labUsbSerial(d.id) })),
            serial_group: labSerialGroup(rootfs),
          },
          telemetry: { topics: ['devices/+/telemetry'], window_s: 3, publish_interval_s: 1, listener: 'mqtts' },
        }
      : {}),
    guardrails: { root: rootfs, allowed_listeners: LAB_ALLOWED_LISTENERS, secret_files: FIXTURE_SECRET_FILES },
    store: { path: join(opts.dir, 'pathaudit.db') },
    ...opts.config,
  };
  const configFile = join(opts.dir, 'pathaudit.yaml');
  writeFileSync(configFile, `# generated by the pathaudit lab (${opts.profile} profile)\n${stringify(config)}`);
  const ports = Object.fromEntries(broker.listeners.map((l) => [l.name, l.port])) as Record<'mqtt' | 'mqtts' | 'ws', number>;
  const tlsPort = () => gw.broker.listeners.find((l) => l.tls)?.port;
  const gw: LabGateway = {
    profile: opts.profile,
    dir: opts.dir,
    broker,
    relay,
    pki,
    config,
    configFile,
    devices: null,
    reconfigure: async (profile, overrides, relayOverrides) => {
      await gw.devices?.stop();
      await gw.broker.close();
      gw.broker = await startLabBroker({ knobs: { ...PROFILES[profile], ...overrides }, server: pki.server, users, ports, log });
      const port = gw.relay.port;
      await gw.relay.close();
      gw.relay = await startLabRelay({ knobs: { ...RELAY_PROFILES[profile], ...relayOverrides }, server: pki.server, token: ingestToken, port });
      layRootfs(opts.dir, profile, busOf(profile));
      setKeyMode(profile);
      gw.profile = profile;
      if (fleet && tlsPort()) gw.devices = await startFleet(fleet, tlsPort()!, pki.brokerCa.certPem);
    },
    close: async () => {
      await gw.devices?.stop();
      await Promise.all([gw.broker.close(), gw.relay.close()]);
    },
  };
  if (fleet && tlsPort()) {
    try {
      gw.devices = await startFleetWithTakeovers(fleet, tlsPort()!, pki.brokerCa.certPem, log);
    } catch (err) {
      await gw.close();
      throw err;
    }
  }
  return gw;
}
