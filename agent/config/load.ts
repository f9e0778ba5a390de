// Config loading: YAML → schema validation (one problem line per violation,
// named by path) → semantic checks → secrets read → defaults applied.
import { BUILTIN_BUNDLES, CHECK_IDS } from '../../probes/catalogue.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { ErrorObject } from 'ajv';
import canonicalize from 'canonicalize';
import cron from 'node-cron';
import { parseDocument } from 'yaml';
import type { PathauditConfig } from '../../config/schema/index.js';
import { formatTimestamps } from '../../probes/broker-sessions/timestamps.js';
import { configError, reasonOf } from '../errors.js';
import { keyPairProblems } from './keypair.js';
import { SecretStore } from './secrets.js';
import { yamlProblemLines } from './yaml-errors.js';
// ajv's standalone validator of config/pathaudit.schema.json, generated from
// the TypeBox source (scripts/gen-schema.ts; tests keep all three in sync):
// neither the schema builder (~130 ms, ~20 MB) nor ajv's compiler (~120 ms
// at every start) runs in the CLI or the daemon.
import validateConfigSchema from './validate-config.generated.js';

export const DEFAULT_CONFIG_PATHS = ['/etc/pathaudit/config.yaml', './pathaudit.yaml'];
const MAX_CONFIG_BYTES = 1024 * 1024;

export interface LoadedConfig {
  config: PathauditConfig;
  /** Absolute path of the file it came from (null for configs built in code, e.g. the lab). */
  file: string | null;
  /** sha256 of the canonical validated config (paths only: secrets are never part of it). */
  hash: string;
  secrets: SecretStore;
}

const validateSchema = validateConfigSchema as unknown as ((data: unknown) => data is PathauditConfig) & { errors?: ErrorObject[] | null };

/** The config file to use: the flag, else the first default that exists. */
export function resolveConfigPath(flag?: string): string {
  if (flag) return resolve(flag);
  for (const p of DEFAULT_CONFIG_PATHS) if (existsSync(p)) return resolve(p);
  throw configError(`no config file: pass --config FILE or create one of ${DEFAULT_CONFIG_PATHS.join(', ')}`);
}

/** `/broker/listeners/1/port` → `broker.listeners[1].port` */
export function jsonPathOf(pointer: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

function describeSchemaError(e: ErrorObject): string | null {
  const at = jsonPathOf(e.instancePath);
  const prefix = at ? `${at}: ` : '';
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      return `${at ? `${at}.` : ''}${key}: unknown key (check the spelling; see config/pathaudit.example.yaml)`;
    }
    case 'required':
      return `${at ? `${at}.` : ''}${(e.params as { missingProperty: string }).missingProperty}: is required`;
    case 'anyOf':
    case 'oneOf':
      return null; // the branch errors beside it say more
    case 'const':
      return `${prefix}must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    default:
      return `${prefix}${e.message ?? 'is invalid'}`;
  }
}

/** Collapses ajv's union-branch noise: keep one line per path, preferring the most specific. */
function schemaProblems(errors: ErrorObject[]): string[] {
  const lines: string[] = [];
  const constAlternatives = new Map<string, string[]>();
  for (const e of errors) {
    if (e.keyword === 'const') {
      const at = jsonPathOf(e.instancePath);
      const list = constAlternatives.get(at) ?? [];
      list.push(JSON.stringify((e.params as { allowedValue: unknown }).allowedValue));
      constAlternatives.set(at, list);
      continue;
    }
    const line = describeSchemaError(e);
    if (line && !lines.includes(line)) lines.push(line);
  }
  for (const [at, alts] of constAlternatives) {
    if (!lines.some((l) => l.startsWith(`${at}: `))) lines.push(`${at || '(root)'}: must be one of ${alts.join(', ')}`);
  }
  return lines;
}

/** A YYYY-MM-DD string that names a real calendar day (Date.parse accepts 2027-02-31). */
export function isRealDate(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/**
 * Two inventory devices cannot share an MQTT client id (the broker keeps one
 * session per id: broker-sessions would call them one device) nor a USB
 * serial number (device-link would find both attached when one is).
 */
function inventoryProblems(config: PathauditConfig): string[] {
  const problems: string[] = [];
  const seen = { client_id: new Map<string, number>(), usb_serial: new Map<string, number>() };
  config.devices?.inventory?.forEach((d, i) => {
    for (const [key, value] of [['client_id', d.client_id ?? d.id], ['usb_serial', d.usb_serial?.trim()]] as const) {
      if (value === undefined) continue;
      const first = seen[key].get(value);
      const other = first === undefined ? undefined : config.devices?.inventory?.[first];
      if (first === undefined) seen[key].set(value, i);
      else if (other?.id !== d.id) problems.push(`devices.inventory[${i}].${key}: "${value}" is also the ${key} of devices.inventory[${first}] (${other?.id})`);
    }
  });
  return problems;
}

function semanticProblems(config: PathauditConfig, knownBundles: ReadonlySet<string>, knownChecks: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  config.broker?.listeners.forEach((l, i) => {
    if (names.has(l.name)) problems.push(`broker.listeners[${i}].name: duplicate listener name "${l.name}"`);
    names.add(l.name);
  });
  const bundles = new Set([...knownBundles, ...Object.keys(config.bundles ?? {})]);
  for (const [name, checks] of Object.entries(config.bundles ?? {})) {
    checks.forEach((c, i) => {
      if (!knownChecks.has(c)) problems.push(`bundles.${name}[${i}]: unknown check "${c}" (known: ${[...knownChecks].join(', ')})`);
    });
  }
  config.schedules?.forEach((s, i) => {
    if (!cron.validate(s.cron)) problems.push(`schedules[${i}].cron: invalid cron expression "${s.cron}"`);
    if ('bundle' in s && !bundles.has(s.bundle)) problems.push(`schedules[${i}].bundle: unknown bundle "${s.bundle}"`);
    if (s.timezone) {
      try {
        new Intl.DateTimeFormat('en', { timeZone: s.timezone });
      } catch {
        problems.push(`schedules[${i}].timezone: unknown time zone "${s.timezone}"`);
      }
    }
  });
  const ba = config.broker?.auth;
  if (ba) {
    if (!ba.username && !ba.cert_file) problems.push('broker.auth: names no probe identity: give username + password_file, or cert_file + key_file, or both');
    if (ba.username && !ba.password_file && !ba.cert_file) problems.push('broker.auth.password_file: is required with broker.auth.username (or give cert_file + key_file)');
    if (ba.password_file && !ba.username) problems.push('broker.auth.username: is required with broker.auth.password_file');
    if (ba.cert_file && !ba.key_file) problems.push('broker.auth.key_file: is required with broker.auth.cert_file');
    if (ba.key_file && !ba.cert_file) problems.push('broker.auth.cert_file: is required with broker.auth.key_file');
  }
  const ia = config.ingest?.auth;
  if (ia) {
    const need: Record<string, string[]> = { bearer: ['token_file'], basic: ['username', 'password_file'], 'client-cert': ['cert_file', 'key_file'], jwt: ['jwt_secret_file'] };
    for (const k of need[ia.type] ?? []) if (!(ia as Record<string, unknown>)[k]) problems.push(`ingest.auth.${k}: is required for auth type ${ia.type}`);
  }
  config.waivers?.forEach((w, i) => {
    if (!isRealDate(w.expires)) problems.push(`waivers[${i}].expires: not a real date "${w.expires}"`);
  });
  if (config.path?.deadline && !isRealDate(config.path.deadline))
    problems.push(`path.deadline: not a real date "${config.path.deadline}"`);
  if (config.api?.listen) {
    const port = Number(config.api.listen.slice(config.api.listen.lastIndexOf(':') + 1));
    if (port < 1 || port > 65535) problems.push(`api.listen: port must be 1..65535 (got ${port})`);
  }
  problems.push(...inventoryProblems(config));
  const format = config.broker?.log_timestamp_format;
  if (format) {
    try {
      formatTimestamps(format, 'broker.log_timestamp_format');
    } catch (err) {
      problems.push(reasonOf(err));
    }
  }
  return problems;
}

/** Every `*_file` key that names a secret, with where it sits. */
function secretFiles(config: PathauditConfig): Array<{ where: string; file: string }> {
  const out: Array<{ where: string; file: string }> = [];
  const ba = config.broker?.auth;
  if (ba?.password_file) out.push({ where: 'broker.auth.password_file', file: ba.password_file });
  if (ba?.key_file) out.push({ where: 'broker.auth.key_file', file: ba.key_file });
  const ia = config.ingest?.auth;
  if (ia?.token_file) out.push({ where: 'ingest.auth.token_file', file: ia.token_file });
  if (ia?.password_file) out.push({ where: 'ingest.auth.password_file', file: ia.password_file });
  if (ia?.key_file) out.push({ where: 'ingest.auth.key_file', file: ia.key_file });
  if (ia?.jwt_secret_file) out.push({ where: 'ingest.auth.jwt_secret_file', file: ia.jwt_secret_file });
  if (config.api?.token_file) out.push({ where: 'api.token_file', file: config.api.token_file });
  if (config.api?.tls) out.push({ where: 'api.tls.key_file', file: config.api.tls.key_file });
  return out;
}

/** Client certificate + key pairs the probes present (mutual TLS), checked to match at load. */
function keyPairs(config: PathauditConfig) {
  const out: Array<{ certFile: string; certWhere: string; keyFile: string; keyWhere: string }> = [];
  const ba = config.broker?.auth;
  if (ba?.cert_file && ba.key_file) out.push({ certFile: ba.cert_file, certWhere: 'broker.auth.cert_file', keyFile: ba.key_file, keyWhere: 'broker.auth.key_file' });
  const ia = config.ingest?.auth;
  if (ia?.type === 'client-cert' && ia.cert_file && ia.key_file)
    out.push({ certFile: ia.cert_file, certWhere: 'ingest.auth.cert_file', keyFile: ia.key_file, keyWhere: 'ingest.auth.key_file' });
  return out;
}

/** Makes every relative file path in the config relative to the config file's folder. */
function resolvePaths(value: unknown, base: string, key = ''): unknown {
  if (typeof value === 'string') {
    const isPathKey = key.endsWith('_file') || key === 'cert' || key.endsWith('_dir') || key === 'root' || key === 'path' || key === 'secret_files';
    return isPathKey && !isAbsolute(value) && !value.startsWith('http') ? resolve(base, value) : value;
  }
  if (Array.isArray(value)) return value.map((v) => resolvePaths(v, base, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, key === 'path' && k === 'name' ? v : resolvePaths(v, base, k)]));
  }
  return value;
}

export interface ValidateOptions {
  /** Folder that relative paths are resolved against. */
  baseDir: string;
  file: string | null;
  /** Bundles a schedule may name besides the config's own (default: the built-in ones). */
  knownBundles?: ReadonlySet<string>;
  /** Checks a bundle may name (default: the catalogue's). */
  knownChecks?: ReadonlySet<string>;
}

/** Validates an already-parsed config object. Throws PATHAUDIT_ERR_CONFIG listing every problem. */
export function validateConfig(raw: unknown, opts: ValidateOptions): LoadedConfig {
  const where = opts.file ?? 'config';
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw configError(`${where}: the config must be a mapping of sections`, ['(root): must be a mapping']);
  if (!validateSchema(raw)) {
    const problems = schemaProblems(validateSchema.errors ?? []);
    throw configError(`${where}: ${problems.length} problem(s)`, problems);
  }
  const config = resolvePaths(structuredClone(raw), opts.baseDir) as PathauditConfig;
  const problems = semanticProblems(config, opts.knownBundles ?? new Set(Object.keys(BUILTIN_BUNDLES)), opts.knownChecks ?? CHECK_IDS);
  const secrets = new SecretStore();
  for (const { where: w, file } of secretFiles(config)) {
    const problem = secrets.load(file, w);
    if (problem) problems.push(problem);
  }
  for (const pair of keyPairs(config)) if (secrets.has(pair.keyFile)) problems.push(...keyPairProblems(pair, secrets.get(pair.keyFile)));
  if (problems.length) throw configError(`${where}: ${problems.length} problem(s)`, problems);
  config.gateway = { ...config.gateway, id: config.gateway?.id ?? hostname() };
  const hash = createHash('sha256').update(canonicalize(config) ?? '').digest('hex');
  return { config, file: opts.file, hash, secrets };
}

/** Reads, parses and validates a YAML config file. */
export function loadConfigFile(file: string, known: Pick<ValidateOptions, 'knownBundles' | 'knownChecks'> = {}): LoadedConfig {
  const abs = resolve(file);
  let text: string;
  try {
    const st = statSync(abs);
    if (!st.isFile()) throw configError(`${abs}: not a regular file`, [`${abs}: not a regular file`]);
    if (st.size > MAX_CONFIG_BYTES) throw configError(`${abs}: larger than ${MAX_CONFIG_BYTES} bytes`, [`${abs}: file too large (${st.size} bytes)`]);
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    if (err instanceof Error && err.name === 'PathauditError') throw err;
    throw configError(`cannot read config ${abs}: ${reasonOf(err)}`);
  }
  // maxAliasCount bounds alias expansion: a "billion laughs" YAML bomb is refused, not expanded.
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) throw configError(`${abs}: invalid YAML`, doc.errors.flatMap((e) => yamlProblemLines(abs, text, e)));
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    throw configError(`${abs}: invalid YAML`, [`${abs}: ${reasonOf(err)}`]);
  }
  return validateConfig(raw, { ...known, baseDir: dirname(abs), file: abs });
}
