// The effective config (`pathaudit config show`): what the agent will use —
// the file's values with relative paths resolved, and the defaults the code
// applies filled in where the file leaves a key out. Secrets never reach it:
// the config names secret *files* (their paths are shown, never read here),
// and the one inline credential list (BT-07's default_credentials) shows its
// user names with the passwords redacted.
//
// Defaults are filled only inside the sections the file has: a missing
// `telemetry` section means the check is not configured, and inventing one
// would say otherwise. gateway, api, store, runner and decision apply to every
// config and are always shown.
import type { PathauditConfig } from '../../config/schema/index.js';
import { keyFileOf } from '../evidence/signing.js';
import { storePathOf } from '../store/index.js';
import type { LoadedConfig } from './load.js';

export const REDACTED = '[REDACTED]';

type Plain = Record<string, unknown>;

/**
 * The documented defaults, by key path (`[]`: every item of a list; `?`: only
 * when that object is in the file, as broker.auth, the probe identity). Each
 * is also what the schema's description says (test/agent/config-show.test.ts
 * holds them to it), and what the code that reads the key falls back to.
 */
export const DEFAULTS: Readonly<Record<string, unknown>> = {
  'broker.protocol': 'auto',
  'broker.read_window_s': 1,
  'broker.expiry_warn_days.high': 30,
  'broker.expiry_warn_days.medium': 60,
  'broker.max_validity_days': 398,
  'broker.log_window_h': 24,
  'broker.log_max_mb': 256,
  'broker.auth_failure_threshold': 5,
  'broker.tls_failure_threshold': 5,
  'broker.max_reconnects': 20,
  'broker.listeners[].websocket': false,
  'broker.auth?.plaintext_ok': false,
  'ingest.max_body_bytes': 1048576,
  'devices.expiry_warn_days': 30,
  'devices.serial_group': 'dialout',
  'telemetry.sequence': '/seq',
  'telemetry.timestamp': '/ts',
  'telemetry.window_s': 30,
  'telemetry.qos': 1,
  'telemetry.publish_interval_s': 10,
  'telemetry.duplicate_threshold': 0.01,
  'telemetry.gap_threshold': 0.001,
  'telemetry.skew_threshold_s': 10,
  'telemetry.sequence_max': 4294967295,
  'telemetry.max_devices': 10000,
  'guardrails.root': '/',
  'api.listen': '127.0.0.1:7878',
  'runner.check_timeout_s': 10,
  'runner.step_timeout_ms': 3000,
  'decision.sprint_critical': 1,
  'decision.sprint_high': 3,
  'decision.fix_internally_min': 1,
};

const ALWAYS = ['gateway', 'api', 'store', 'runner', 'decision'];

/** Sets `value` at `path` under `node` where nothing is set. */
function fill(node: Plain, path: string[], value: unknown, top = true): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  const list = head.endsWith('[]');
  const optional = head.endsWith('?');
  const key = head.replace(/\[\]$|\?$/, '');
  if (!rest.length) {
    if (node[key] === undefined) node[key] = value;
    return;
  }
  if (node[key] === undefined) {
    // A section is made only when it applies to every config; a nested object inside a present section is made.
    if ((top && !ALWAYS.includes(key)) || list || optional) return;
    node[key] = {};
  }
  const child = node[key];
  if (list) {
    if (Array.isArray(child)) for (const item of child) if (item && typeof item === 'object') fill(item as Plain, rest, value, false);
    return;
  }
  if (child && typeof child === 'object' && !Array.isArray(child)) fill(child as Plain, rest, value, false);
}

/** The effective config: the loaded values, defaults filled in, computed defaults resolved, secrets redacted. */
export function effectiveConfig(loaded: LoadedConfig): PathauditConfig {
  const out = structuredClone(loaded.config) as Plain;
  for (const [path, value] of Object.entries(DEFAULTS)) fill(out, path.split('.'), value);
  const c = out as PathauditConfig;
  for (const l of c.broker?.listeners ?? []) if (l.websocket && !l.ws_path) l.ws_path = '/mqtt';
  if (c.ingest && !c.ingest.probe_path) c.ingest.probe_path = new URL(c.ingest.url).pathname;
  for (const d of c.devices?.inventory ?? []) d.client_id ??= d.id;
  c.store = { ...c.store, path: storePathOf(loaded.config), key_file: keyFileOf(loaded) };
  if (Array.isArray(c.broker?.default_credentials)) c.broker.default_credentials = c.broker.default_credentials.map((cr) => ({ ...cr, password: REDACTED }));
  return c;
}
