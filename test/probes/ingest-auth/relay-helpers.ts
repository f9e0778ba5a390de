// Helpers for ingest-auth tests: a real lab relay on loopback and a config
// file that points the check at it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { stringify } from 'yaml';
import type { PathauditConfig } from '../../../config/schema/index.js';
import type { RunDocument } from '../../../agent/runner/document.js';
import { createCa, deviceCert, serverCert, type Issued } from '../../../agent/lab/certs.js';
import { RELAY_PROFILES, startLabRelay, type LabRelay, type RelayKnobs } from '../../../agent/lab/relay.js';
import { load, runChecks, tempDir } from '../../helpers/lab.js';

export interface RelayPki {
  ca: Issued;
  server: Issued;
}

export async function relayPki(opts: { notAfterDays?: number } = {}): Promise<RelayPki> {
  const ca = await createCa('CN=pathaudit ingest test CA');
  return { ca, server: await serverCert(ca, opts.notAfterDays === undefined ? {} : { notAfterDays: opts.notAfterDays }) };
}

export interface RelayRun {
  relay: LabRelay;
  doc: RunDocument;
  /** Serialized run document, for byte searches. */
  json: string;
  token: string;
  dir: string;
}

export interface RelayScenario {
  profile: 'weak' | 'hardened';
  knobs?: Partial<RelayKnobs>;
  pki: RelayPki;
  /** The token the relay expects (default: a fresh random one). */
  token?: string;
  /** The token the config gives the probe (default: the relay's). */
  configToken?: string;
  jwtSecret?: string;
  /** Extra keys merged over the generated ingest section. */
  ingest?: Partial<NonNullable<PathauditConfig['ingest']>>;
  /** Checks to run (default ingest-auth). */
  checks?: string[];
}

export async function startRelay(t: Test, s: RelayScenario): Promise<{ relay: LabRelay; token: string }> {
  const token = s.token ?? `tok-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const relay = await startLabRelay({ knobs: { ...RELAY_PROFILES[s.profile], ...s.knobs }, server: s.pki.server, token, jwtSecret: s.jwtSecret });
  t.teardown(() => relay.close());
  return { relay, token };
}

/** Writes a config for `url`, loads it like the CLI does and runs ingest-auth (or the checks named). */
export async function auditIngest(
  t: Test,
  url: string,
  pki: RelayPki,
  ingest: Omit<Partial<NonNullable<PathauditConfig['ingest']>>, 'auth'> & { auth?: NonNullable<PathauditConfig['ingest']>['auth'] | null },
  secrets: Record<string, string> = {},
  checks: string[] = ['ingest-auth'],
) {
  const dir = tempDir(t, 'pathaudit-ia-');
  mkdirSync(join(dir, 'secrets'), { mode: 0o700 });
  for (const [name, value] of Object.entries(secrets)) writeFileSync(join(dir, 'secrets', name), `${value}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'ingest-ca.pem'), pki.ca.certPem);
  const { auth, ...rest } = ingest;
  const section: Record<string, unknown> = { url, servername: 'gateway.local', ca_file: 'ingest-ca.pem', max_body_bytes: 64 * 1024, ...rest };
  if (auth !== null) section.auth = auth ?? { type: 'bearer', token_file: 'secrets/ingest-token' };
  const file = join(dir, 'pathaudit.yaml');
  writeFileSync(file, stringify({ gateway: { id: 'ia-test' }, ingest: section, runner: { step_timeout_ms: 3000, check_timeout_s: 20 } }));
  const doc = await runChecks(load(file), checks);
  return { doc, json: JSON.stringify(doc), dir };
}

/** Starts a relay and audits it with a bearer config (the common case). */
export async function relayRun(t: Test, s: RelayScenario): Promise<RelayRun> {
  const { relay, token } = await startRelay(t, s);
  const { doc, json, dir } = await auditIngest(t, relay.url, s.pki, s.ingest ?? {}, { 'ingest-token': s.configToken ?? token }, s.checks);
  return { relay, doc, json, token, dir };
}

export function requestEvidence(doc: RunDocument, kase: string) {
  const e = doc.evidence.find((x) => x.kind === 'http-request' && (x.data as { case: string }).case === kase);
  if (!e) throw new Error(`no request evidence for ${kase}`);
  return e as typeof e & { data: { case: string; credential: { kind: string; variant: string }; url: string; method: string; response: { outcome: string; status?: number; headers?: Record<string, string>; durationMs: number } } };
}

/** The hardened relay behind mutual TLS (a client certificate from the device CA), audited with the configured device certificate. */
export async function auditMtlsRelay(t: Test, knobs: Partial<RelayKnobs>) {
  const pki = await relayPki();
  const deviceCa = await createCa('CN=pathaudit test device CA');
  const device = await deviceCert(deviceCa, 'pathaudit-probe');
  const relay = await startLabRelay({ knobs: { ...RELAY_PROFILES.hardened, ...knobs }, server: pki.server, clientCa: deviceCa });
  t.teardown(() => relay.close());
  const { doc, json } = await auditIngest(
    t,
    relay.url,
    pki,
    { auth: { type: 'client-cert', cert_file: 'secrets/device.crt', key_file: 'secrets/device.key' } },
    { 'device.crt': device.certPem, 'device.key': device.keyPem },
  );
  return { doc, json, device };
}
