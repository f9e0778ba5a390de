// A lab broker started on its own (no gateway around it), with a device CA
// for client certificates, and configs written for it: what the
// broker-transport tests of mutual TLS, probe identities and read scopes need.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { stringify } from 'yaml';
import { PROFILES, startLabBroker, type BrokerKnobs, type LabBroker } from '../../agent/lab/broker.js';
import { createCa, deviceCert, serverCert, type Issued } from '../../agent/lab/certs.js';
import { tempDir } from './lab.js';

export const PROBE = 'pathaudit-probe';

export interface BrokerLab {
  broker: LabBroker;
  dir: string;
  deviceCa: Issued;
  /** Writes pathaudit.yaml for this broker with the given broker section overrides; returns its path. */
  config(broker?: Record<string, unknown>, extra?: Record<string, unknown>): string;
  /** broker.auth pieces, as files in dir. */
  files: { password: string; cert: string; key: string; strangerCert: string; strangerKey: string };
  password: string;
}

export async function brokerLab(t: Test, knobs: Partial<BrokerKnobs>, users: Record<string, string> = {}): Promise<BrokerLab> {
  const dir = tempDir(t);
  const brokerCa = await createCa('CN=pathaudit lab broker CA');
  const deviceCa = await createCa('CN=pathaudit lab device CA');
  const server = await serverCert(brokerCa);
  const password = `probe-${Math.random().toString(36).slice(2)}`;
  const broker = await startLabBroker({ knobs: { ...PROFILES.hardened, ...knobs }, server, deviceCa, users: { [PROBE]: password, ...users } });
  t.teardown(() => broker.close());
  const probe = await deviceCert(deviceCa, PROBE);
  // The same name from a CA the broker does not trust.
  const stranger = await deviceCert(await createCa('CN=some other CA'), PROBE);
  mkdirSync(join(dir, 'secrets'), { mode: 0o700 });
  const files = {
    password: join(dir, 'secrets', 'probe-password'),
    cert: join(dir, 'probe.crt'),
    key: join(dir, 'secrets', 'probe.key'),
    strangerCert: join(dir, 'stranger.crt'),
    strangerKey: join(dir, 'secrets', 'stranger.key'),
  };
  writeFileSync(files.password, `${password}\n`, { mode: 0o600 });
  writeFileSync(files.cert, probe.certPem);
  writeFileSync(files.key, probe.keyPem, { mode: 0o600 });
  writeFileSync(files.strangerCert, stranger.certPem);
  writeFileSync(files.strangerKey, stranger.keyPem, { mode: 0o600 });
  return {
    broker,
    dir,
    deviceCa,
    files,
    password,
    config: (section = {}, extra = {}) => {
      const file = join(dir, 'pathaudit.yaml');
      const listeners = broker.listeners.map((l) => ({ name: l.name, port: l.port, tls: l.tls, ...(l.websocket ? { websocket: true } : {}) }));
      writeFileSync(file, stringify({ broker: { host: '127.0.0.1', servername: 'gateway.local', listeners, ...section }, runner: { step_timeout_ms: 2000 }, ...extra }));
      return file;
    },
  };
}
