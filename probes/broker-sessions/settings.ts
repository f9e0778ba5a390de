// broker-sessions settings with every default applied, in one place (collect
// and evaluate both read them; defaults live nowhere else).
import type { PathauditConfig } from '../../config/schema/index.js';

export const DEFAULTS = {
  log_window_h: 24,
  log_max_mb: 256,
  auth_failure_threshold: 5,
  // A device with a revoked or expired certificate retries all day (hundreds of
  // failures); an operator's one-off test with the wrong file fails a few times.
  tls_failure_threshold: 5,
  max_reconnects: 20,
} as const;

/** Client ids the probe itself connects with (probes/mqtt.ts): never a device. */
export const PROBE_CLIENT_PREFIX = 'pathaudit-probe-';

export interface SessionSettings {
  logFile: string;
  windowH: number;
  timestampFormat: string | null;
  maxBytes: number;
  authFailureThreshold: number;
  tlsFailureThreshold: number;
  maxReconnects: number;
}

/** Throws an error naming the key when the section cannot be read as written. */
export function sessionSettings(config: PathauditConfig): SessionSettings {
  const b = config.broker;
  if (!b?.log_file) throw new Error('broker.log_file is not set');
  return {
    logFile: b.log_file,
    windowH: b.log_window_h ?? DEFAULTS.log_window_h,
    timestampFormat: b.log_timestamp_format ?? null,
    maxBytes: (b.log_max_mb ?? DEFAULTS.log_max_mb) * 1024 * 1024,
    authFailureThreshold: b.auth_failure_threshold ?? DEFAULTS.auth_failure_threshold,
    tlsFailureThreshold: b.tls_failure_threshold ?? DEFAULTS.tls_failure_threshold,
    maxReconnects: b.max_reconnects ?? DEFAULTS.max_reconnects,
  };
}

/** The MQTT client id of each inventory device (client_id, default the id). */
export function inventoryClientIds(config: PathauditConfig): Map<string, string> {
  return new Map((config.devices?.inventory ?? []).map((d) => [d.client_id ?? d.id, d.id]));
}
